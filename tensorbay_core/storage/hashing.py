"""Hashing bytes while they move, so verifying what was written costs no second read."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import IO, Any

CHUNK = 1 << 20


class HashingReader(io.RawIOBase):
    """Reads a binary stream and keeps the SHA-1 and the count of what passed through.

    ``translate`` maps what the stream raises (a backend's own exceptions) to the caller's
    errors, so a failing source reads as the source's failure wherever it is copied to.
    """

    def __init__(self, stream: IO[bytes], translate: Callable[[Exception], Exception] | None = None) -> None:
        self._stream = stream
        self._translate = translate
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._stream.read(size)
        except Exception as exc:
            if self._translate is None:
                raise
            raise self._translate(exc) from None
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


class VerifyingReader(io.RawIOBase):
    """A stream that must deliver exactly ``size`` bytes (if given) with ``sha1`` (if given):
    at the end, or when it runs past, ``mismatch()`` is raised instead of returning bytes a
    reader did not ask for (an object overwritten while it was read). ``translate`` maps
    what the underlying stream raises (a backend's own exceptions) to the caller's errors."""

    def __init__(
        self,
        stream: IO[bytes],
        size: int | None,
        sha1: str | None,
        mismatch: Callable[[], Exception],
        translate: Callable[[Exception], Exception] | None = None,
    ) -> None:
        self._stream = stream
        self._translate = translate
        self._size = size
        self._expected = sha1
        self._sha1 = hashlib.sha1(usedforsecurity=False) if sha1 else None
        self._mismatch = mismatch
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        try:
            data = self._stream.read(len(view))
        except Exception as exc:
            if self._translate is None:
                raise
            raise self._translate(exc) from None
        self._seen += len(data)
        if self._size is not None and self._seen > self._size:
            raise self._mismatch()
        if not data:
            short = self._size is not None and self._seen != self._size
            if short or (self._sha1 and self._sha1.hexdigest() != self._expected):
                raise self._mismatch()
            return 0
        if self._sha1 is not None:
            self._sha1.update(data)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()
