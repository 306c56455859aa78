"""TBRN, TensorBay's resource names: ``tb:<dataset>[@<revision>|#<draft>][:<segment>[://<path>]]``.

Parsed once here, with the name, segment and path rules of ``tensorbay_core.names``, so a
TBRN the CLI accepts names exactly what the SDK would accept. ``tb:Pets:://a.png`` is a
path in the default segment (``""``); ``tb:Pets:`` the default segment itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument
from ..names import Version, check_name, check_remote_path, check_segment_name

PREFIX = "tb:"
PATH_SEPARATOR = "://"


@dataclass(frozen=True)
class TBRN:
    """A dataset, optionally at a version, optionally one segment, optionally a path in it.

    ``segment`` is None when the TBRN names no segment (``tb:Pets``), ``""`` for the
    default segment (``tb:Pets:``). ``path`` may end with ``/`` (a folder prefix).
    """

    dataset: str
    revision: str | None = None
    draft: int | None = None
    segment: str | None = None
    path: str | None = None

    @classmethod
    def parse(cls, text: str) -> TBRN:
        """Parse ``text``; a wrong TBRN raises InvalidArgument saying what the form is."""
        if not text.startswith(PREFIX):
            raise InvalidArgument(f"{text!r} is not a TBRN: write tb:<dataset>[:<segment>[://<path>]]")
        head, separator, path = text[len(PREFIX) :].partition(PATH_SEPARATOR)
        dataset_part, colon, segment = head.partition(":")
        if separator and not colon:
            raise InvalidArgument(f"{text!r}: a path needs a segment before it, e.g. tb:Pets:://{path}")
        name, version = _split_version(dataset_part)
        parsed = Version.parse(version)
        return cls(
            check_name("dataset", name),
            parsed.revision,
            parsed.draft,
            check_segment_name(segment) if colon else None,
            _check_path(path) if separator else None,
        )

    @property
    def version(self) -> str | None:
        """The version value the SDK's calls take: ``#N``, a revision, or None (main's head)."""
        return str(Version(self.draft, self.revision)) or None

    def with_segment(self, segment: str, path: str | None = None) -> TBRN:
        """The same dataset and version, at ``segment`` (and ``path`` in it)."""
        return TBRN(self.dataset, self.revision, self.draft, segment, path)

    def __str__(self) -> str:
        text = PREFIX + self.dataset
        if self.draft is not None:
            text += f"#{self.draft}"
        elif self.revision:
            text += f"@{self.revision}"
        if self.segment is not None:
            text += f":{self.segment}"
            if self.path is not None:
                text += PATH_SEPARATOR + self.path
        return text


def _split_version(part: str) -> tuple[str, str | None]:
    for mark in ("#", "@"):
        name, found, version = part.partition(mark)
        if found:
            if not version:
                raise InvalidArgument(f"tb:{part}: nothing after {mark!r}; e.g. tb:Pets@main or tb:Pets#1")
            return name, (mark + version if mark == "#" else version)
    return part, None


def _check_path(path: str) -> str:
    """A path or a folder prefix (``a/b/``); the trailing ``/`` is kept."""
    if path.endswith("/"):
        check_remote_path(path[:-1])
        return path
    return check_remote_path(path)
