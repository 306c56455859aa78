"""``Segment``: a named, mutable sequence of data; lazy when read from the service."""

from __future__ import annotations

from collections.abc import Iterator, MutableSequence, Sequence
from typing import Any, Protocol, overload

from ..names import check_segment_name
from .data import AnyData, RemoteData


class SegmentSource(Protocol):
    """What a segment reads from: a segment client."""

    def list_data(self) -> Sequence[RemoteData]:
        """The segment's data, lazily."""
        ...


class Segment(MutableSequence[AnyData]):
    """Data of one segment.

    With ``client``, reads go to ``client.list_data()`` (fetched on first access, never copied);
    the first change copies the data into a local list, leaving the service untouched.
    """

    def __init__(self, name: str = "", client: SegmentSource | None = None) -> None:
        self.name = check_segment_name(name)
        self._client = client
        self._remote: Sequence[AnyData] | None = None
        self._local: list[AnyData] | None = [] if client is None else None

    def _data(self) -> Sequence[AnyData]:
        if self._local is not None:
            return self._local
        if self._remote is None:
            assert self._client is not None
            self._remote = self._client.list_data()
        return self._remote

    def _writable(self) -> list[AnyData]:
        if self._local is None:
            self._local = list(self._data())
        return self._local

    @overload
    def __getitem__(self, index: int) -> AnyData: ...

    @overload
    def __getitem__(self, index: slice) -> MutableSequence[AnyData]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self._data()[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        self._writable()[index] = value

    def __delitem__(self, index: int | slice) -> None:
        del self._writable()[index]

    def insert(self, index: int, value: AnyData) -> None:
        """Insert a data before ``index``."""
        self._writable().insert(index, value)

    def __len__(self) -> int:
        return len(self._data())

    def __iter__(self) -> Iterator[AnyData]:
        return iter(self._data())

    def __repr__(self) -> str:
        size = "remote" if self._local is None else f"{len(self._local)} data"
        return f"Segment({self.name!r}, {size})"
