"""What a ``tb://`` path names: ``<dataset>[@<revision>|#<draft>]/<segment>/<remote path>``.

The default segment (named ``""`` in the SDK) is spelled ``.``: the one name a segment can
never have, so no path is ambiguous. A revision is a branch, a tag or a commit id; ``#N`` is
draft N; none is the head of the default branch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument
from ..names import Version, check_name

PROTOCOL = "tb"
#: How the default segment ``""`` is spelled in a path.
DEFAULT_SEGMENT = "."


def strip_protocol(path: str) -> str:
    """``tb://Pets/train/`` -> ``Pets/train``: the form every name of this filesystem has."""
    return path.removeprefix(f"{PROTOCOL}://").strip("/")


def segment_part(segment: str) -> str:
    """A segment's name as a path part."""
    return segment or DEFAULT_SEGMENT


@dataclass(frozen=True)
class Location:
    """A parsed path; the parts it does not reach are None (``Pets`` has no segment)."""

    dataset: str | None = None
    #: The version as written (``v1.0``, ``#3``) or None for the default head.
    version: str | None = None
    segment: str | None = None
    #: The remote path or a directory-like prefix of remote paths; ``""`` at the segment.
    path: str = ""
    #: How the dataset and version are spelled in names: ``Pets@v1.0``, ``Pets#3``, ``Pets``.
    head: str = ""

    @classmethod
    def parse(cls, path: str) -> Location:
        """Split a path (with or without ``tb://``) into its parts."""
        path = strip_protocol(path)
        if not path:
            return cls()
        head, _, rest = path.partition("/")
        dataset, version = head, None
        for mark in ("@", "#"):
            if mark in head:
                dataset, _, version = head.partition(mark)
                version = version if mark == "@" else mark + version
                if not version.strip("#"):
                    raise InvalidArgument(f"{path!r}: write a revision after '@' or a draft number after '#'")
                Version.parse(version)
                break
        check_name("dataset", dataset)
        if not rest:
            return cls(dataset, version, head=head)
        segment, _, remote = rest.partition("/")
        if segment == "..":
            raise InvalidArgument(f"{path!r}: '..' is not a segment; the default segment is spelled '.'")
        return cls(dataset, version, "" if segment == DEFAULT_SEGMENT else segment, remote, head)

    def name(self, remote_path: str = "") -> str:
        """The filesystem name of a remote path of this location's segment."""
        assert self.segment is not None
        base = f"{self.head}/{segment_part(self.segment)}"
        return f"{base}/{remote_path}" if remote_path else base
