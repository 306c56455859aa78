"""Streamed SHA-1 of a local file: the content key of data and mask files."""

from __future__ import annotations

import hashlib

BUFFER_SIZE = 64 * 1024


def file_sha1(path: str) -> str:
    """The hex SHA-1 of a file, read in 64 KiB blocks."""
    digest = hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as fp:
        while block := fp.read(BUFFER_SIZE):
            digest.update(block)
    return digest.hexdigest()
