"""Object keys: validated, normalised, and confined to a root."""

from __future__ import annotations

import re

from ..errors import InvalidArgument

#: Control characters (NUL included) and backslashes never belong in a key.
FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")


def clean_key(key: str, *, allow_empty: bool = False) -> str:
    """Return ``key`` as a normalised relative POSIX key, or raise ``InvalidArgument``.

    Refused before any I/O: absolute paths, ``..`` components, NUL and other control
    characters, backslashes and drive letters. ``.`` components and repeated slashes go.
    """
    if not isinstance(key, str):
        raise InvalidArgument(f"a storage path must be a string, not {type(key).__name__}")
    bad = FORBIDDEN.search(key)
    if bad is not None:
        raise InvalidArgument(f"storage path {key!r} contains the forbidden character {bad.group()!r}")
    if key.startswith("/") or (len(key) > 1 and key[0].isalpha() and key[1] == ":"):
        raise InvalidArgument(f"storage path {key!r} must be relative, not absolute")
    parts = [p for p in key.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidArgument(f"storage path {key!r} may not contain '..'")
    cleaned = "/".join(parts)
    if not cleaned and not allow_empty:
        raise InvalidArgument("a storage path may not be empty")
    return cleaned


def join_key(*parts: str) -> str:
    """Join already-clean key parts, skipping empty ones."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def clean_prefix(prefix: str) -> str:
    """Validate a listing prefix; a trailing slash is kept, since it means "this folder"."""
    cleaned = clean_key(prefix, allow_empty=True)
    if cleaned and prefix.endswith("/"):
        cleaned += "/"
    return cleaned


def folder_prefix(path: str) -> str:
    """The listing prefix naming everything under the clean folder ``path`` ("" for the root)."""
    return path.rstrip("/") + "/" if path.strip("/") else ""


def listable(key: str) -> bool:
    """Whether a key found in storage is one the contract can name: ``clean_key`` keeps it as
    it is (a folder marker ``x/``, ``a//b``, ``..`` or a control character make it unnameable,
    so a listing skips it rather than hand out a key no call accepts)."""
    try:
        return clean_key(key) == key
    except InvalidArgument:
        return False
