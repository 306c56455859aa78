"""What the kit's tests share: the objects they store, the keys they refuse, small I/O helpers.

``put_bytes``, ``read_all``, ``keys`` and ``fetch`` are there for a plugin's own tests too.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from ..provider import ObjectInfo, StorageProvider

#: Keys chosen so that a listing that walks folders instead of sorting keys gets the
#: order wrong ("a.txt" < "a/b" < "a0": "." < "/" < "0").
TREE = {
    "a.txt": b"a dot txt",
    "a/b": b"",
    "a/b.txt": b"bee",
    "a/c/d": b"dee" * 100,
    "a/c/e/f": b"eff",
    "a-b": b"dash",
    "a0": b"zero",
    "b": b"bee bee",
    "_b": b"underscore",
    "z/z/z": b"zzz",
}

#: Keys that must be refused with ``InvalidArgument`` before any I/O.
BAD_KEYS = [
    "../escape",
    "a/../../escape",
    "a/..",
    "/etc/passwd",
    "//server/share",
    "a\x00b",
    "a\\b",
    "..\\escape",
    "C:/windows",
    "a\nb",
]


class UnreadStream(io.RawIOBase):
    """A stream that records whether anyone read it, to prove checks come before I/O."""

    def __init__(self) -> None:
        self.read_from = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.read_from = True
        return 0


def read_all(provider: StorageProvider, key: str) -> bytes:
    """The bytes stored at ``key``."""
    with provider.open(key) as stream:
        return stream.read()


def put_bytes(provider: StorageProvider, key: str, data: bytes) -> ObjectInfo:
    """Store ``data`` at ``key`` through ``put_stream``."""
    return provider.put_stream(io.BytesIO(data), key)


def keys(objects: Iterator[ObjectInfo]) -> list[str]:
    """The keys of a listing, in the order it yields them."""
    return [info.path for info in objects]


def fetch(url: str) -> bytes:
    """The body behind a signed GET URL: over HTTP(S), or read from disk for ``file://``."""
    scheme = urlsplit(url).scheme
    if scheme in ("http", "https"):
        response = requests.get(url, timeout=60)
        response.raise_for_status()
        return response.content
    if scheme == "file":
        return Path(unquote(urlsplit(url).path)).read_bytes()
    raise AssertionError(f"signed URL {url!r} has a scheme the kit cannot fetch")
