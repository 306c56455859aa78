"""Streamed SHA-1 of a local file: the content key of data and mask files."""

from __future__ import annotations

from ..storage.hashing import stream_sha1


def file_sha1(path: str) -> str:
    """The hex SHA-1 of a file."""
    with open(path, "rb") as fp:
        return stream_sha1(fp)
