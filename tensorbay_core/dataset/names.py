"""Checks of segment names and remote paths, before anything is sent."""

from __future__ import annotations

from ..errors import InvalidArgument


def _check(value: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"a {what} must be a non-empty string, got {value!r}")
    if "\0" in value or "\\" in value:
        raise InvalidArgument(f"{what} {value!r} contains a NUL or a backslash; use '/' between names")
    if value.startswith("/"):
        raise InvalidArgument(f"{what} {value!r} starts with '/'; it must be relative")
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise InvalidArgument(f"{what} {value!r} has an empty, '.' or '..' part")
    return value


def check_remote_path(path: str) -> str:
    """Return ``path`` if it is a relative '/'-separated path without '.', '..', NUL or backslash."""
    return _check(path, "remote path")


def check_segment_name(name: str) -> str:
    """Return ``name`` if it is "" (the default segment) or a single valid name (no '/')."""
    if name == "":
        return name
    if isinstance(name, str) and "/" in name:
        raise InvalidArgument(f"segment name {name!r} contains '/'; a segment name is a single name")
    return _check(name, "segment name")
