"""``Dataset``: segments ordered by name, with a catalog and notes; local or read from the service."""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

from ..errors import AlreadyExists, InvalidArgument, LabelError, NotFound
from ..label import Catalog
from .notes import Notes
from .segment import Segment, SegmentSource


class DatasetSource(Protocol):
    """What a dataset reads from: a dataset client."""

    def checkout(self, revision: str) -> None: ...
    def get_catalog(self) -> Catalog: ...
    def get_notes(self) -> Notes: ...
    def list_segment_names(self) -> Sequence[str]: ...
    def get_segment(self, name: str) -> SegmentSource: ...


class GASLike(Protocol):
    """What ``Dataset(name, gas)`` needs of ``gas``."""

    def get_dataset(self, name: str) -> DatasetSource: ...


class Dataset(Sequence[Segment]):
    """A dataset's segments, ordered by name.

    ``Dataset(name)`` starts empty, to be filled and uploaded. ``Dataset(name, gas, revision)``
    reads the stored dataset (default: the latest commit): catalog and notes at once, segment
    names on first use, each segment's data lazily.
    """

    def __init__(self, name: str, gas: GASLike | None = None, revision: str | None = None) -> None:
        self.name = name
        self.catalog = Catalog()
        self.notes = Notes()
        self._segments: dict[str, Segment] = {}
        self._names: list[str] | None = []
        self._client: DatasetSource | None = None
        if gas is None:
            if revision is not None:
                raise InvalidArgument(f"Dataset({name!r}, revision={revision!r}) needs gas to read from")
            return
        client = gas.get_dataset(name)
        if revision:
            client.checkout(revision)
        self._client = client
        self.catalog = client.get_catalog()
        self.notes = client.get_notes()
        self._names = None

    def _sorted_names(self) -> list[str]:
        if self._names is None:
            assert self._client is not None
            self._names = sorted(self._client.list_segment_names())
        return self._names

    def _has(self, name: str) -> bool:
        names = self._sorted_names()
        i = bisect.bisect_left(names, name)
        return i < len(names) and names[i] == name

    def _segment(self, name: str) -> Segment:
        segment = self._segments.get(name)
        if segment is None:
            assert self._client is not None
            segment = self._segments[name] = Segment(name, client=self._client.get_segment(name))
        return segment

    @overload
    def __getitem__(self, index: int) -> Segment: ...

    @overload
    def __getitem__(self, index: slice) -> list[Segment]: ...

    def __getitem__(self, index: int | slice) -> Any:
        names = self._sorted_names()
        if isinstance(index, slice):
            return [self._segment(n) for n in names[index]]
        return self._segment(names[index])

    def __len__(self) -> int:
        return len(self._sorted_names())

    def __iter__(self) -> Iterator[Segment]:
        return (self._segment(name) for name in list(self._sorted_names()))

    def create_segment(self, name: str = "") -> Segment:
        """A new empty segment; a taken name raises AlreadyExists."""
        segment = Segment(name)
        self.add_segment(segment)
        return segment

    def add_segment(self, segment: Segment) -> None:
        """Add a segment; a taken name raises AlreadyExists."""
        if self._has(segment.name):
            raise AlreadyExists(f"dataset {self.name!r} already has a segment named {segment.name!r}")
        bisect.insort(self._sorted_names(), segment.name)
        self._segments[segment.name] = segment

    def get_segment_by_name(self, name: str) -> Segment:
        """The segment of that name; NotFound if there is none."""
        if not self._has(name):
            raise NotFound(f"dataset {self.name!r} has no segment named {name!r}")
        return self._segment(name)

    def load_catalog(self, json_path: str) -> None:
        """Set the catalog from a TensorBay catalog JSON file."""
        with open(json_path, encoding="utf-8") as fp:
            try:
                contents = json.load(fp)
            except json.JSONDecodeError as exc:
                raise LabelError(f"catalog file {json_path!r} is not valid JSON: {exc}") from exc
        self.catalog = Catalog.loads(contents)

    def validate(self) -> None:
        """Check every label against the catalog; LabelError names the first bad one."""
        if self.catalog == Catalog():
            return
        for segment in self:
            for data in segment:
                path = f"{segment.name}/{data.path}" if segment.name else data.path
                self.catalog.validate(data.label, path=path)

    def __repr__(self) -> str:
        size = "remote" if self._names is None else f"{len(self._names)} segments"
        return f"Dataset({self.name!r}, {size})"
