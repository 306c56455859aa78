"""The one set of rules for names, segment names, remote paths and version references.

The SDK checks with these before anything is sent, and the service checks with the same
ones whatever the client: a name one accepts the other accepts, and a path is never
silently rewritten (``a//b`` is refused on both sides, not normalised on one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidArgument

#: Dataset, storage config, branch, tag and user names: a whole match (``$`` alone would let a
#: trailing newline through), ASCII only, so nothing that cannot be stored or encoded gets in.
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
#: The longest segment name and remote path the metadata store keeps.
MAX_SEGMENT = 512
MAX_PATH = 1024
#: Control characters (NUL included), backslashes and lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f\\\\\ud800-\udfff]")
#: A version that names a draft: ``#`` and its number.
_DRAFT = re.compile(r"#([0-9]{1,9})")


def check_name(kind: str, name: str) -> str:
    """A dataset, config, branch, tag or user name: letters, digits, ``_ . -``, at most 128,
    starting with a letter or digit."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InvalidArgument(
            f"invalid {kind} name {name!r}: use 1-128 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def _check_text(value: object, what: str, longest: int) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"a {what} must be a string, not {type(value).__name__}")
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        raise InvalidArgument(
            f"{what} {value!r} contains a control character, a backslash or invalid Unicode"
        )
    if len(value) > longest:
        raise InvalidArgument(f"a {what} has at most {longest} characters, not {len(value)}")
    return value


def check_segment_name(name: object) -> str:
    """``""`` (the default segment) or a single name: no ``/``, not ``.`` or ``..``."""
    name = _check_text(name, "segment name", MAX_SEGMENT)
    if "/" in name or name in (".", ".."):
        raise InvalidArgument(f"invalid segment name {name!r}: use a single name without '/' or '..'")
    return name


def check_remote_path(path: object) -> str:
    """A data's path in its segment: relative, ``/`` between names, no empty, ``.`` or ``..``
    part, as given (never rewritten)."""
    path = _check_text(path, "remote path", MAX_PATH)
    if not path:
        raise InvalidArgument("a remote path must be a non-empty string")
    if path.startswith("/"):
        raise InvalidArgument(f"remote path {path!r} starts with '/'; it must be relative")
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise InvalidArgument(f"remote path {path!r} has an empty, '.' or '..' part")
    return path


@dataclass(frozen=True)
class Version:
    """A version of a dataset to read: a draft by number, or a revision (a branch, a tag or a
    prefix of a commit id); neither is the default branch's head."""

    draft: int | None = None
    revision: str | None = None

    @classmethod
    def parse(cls, value: str | None) -> Version:
        """``#N`` is draft N; anything else a revision; None or ``""`` the default head."""
        if not value:
            return cls()
        if not isinstance(value, str):
            raise InvalidArgument(f"a version must be a string such as 'main' or '#3', not {value!r}")
        draft = _DRAFT.fullmatch(value)
        if draft is not None:
            return cls(draft=int(draft.group(1)))
        if value.startswith("#"):
            raise InvalidArgument(f"version {value!r}: a draft is '#' and its number, such as '#3'")
        return cls(revision=_check_text(value, "revision", 256))

    def __str__(self) -> str:
        if self.draft is not None:
            return f"#{self.draft}"
        return self.revision or ""


def draft_version(number: int) -> str:
    """The version value that names draft ``number``."""
    return f"#{number}"
