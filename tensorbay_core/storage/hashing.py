"""Hashing bytes while they move, so verifying what was written costs no second read."""

from __future__ import annotations

import hashlib
import io
from typing import IO, Any

CHUNK = 1 << 20


class HashingReader(io.RawIOBase):
    """Reads a binary stream and keeps the SHA-1 and the count of what passed through."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        data = self._stream.read(len(view))
        if not data:
            return 0
        n = len(data)
        view[:n] = data
        self._sha1.update(data)
        self.size += n
        return n

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._sha1.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        """The SHA-1 of every byte read so far."""
        return self._sha1.hexdigest()


def stream_sha1(stream: IO[bytes]) -> str:
    """The SHA-1 of the rest of a stream, read in 1 MiB blocks."""
    digest = hashlib.sha1(usedforsecurity=False)
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
