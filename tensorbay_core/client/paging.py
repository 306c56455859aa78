"""Lazy, paged sequences: iterate page by page, never holding the whole listing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

#: ``fetch(start_after, limit) -> (items, truncated)``; pages are keyed by the last item's key.
Fetch = Callable[[str, int], tuple[list[T], bool]]


class PagingList(Sequence[T], Generic[T]):
    """A read-only sequence fetched lazily in pages, in key order.

    Iteration streams pages; ``len`` asks the service for a count once; indexing walks
    forward from the last page fetched (sequential access stays cheap).
    """

    def __init__(
        self, fetch: Fetch[T], key: Callable[[T], str], count: Callable[[], int], page_size: int = 128
    ) -> None:
        self._fetch = fetch
        self._key = key
        self._count = count
        self._page_size = page_size
        self._len: int | None = None
        self._page: list[T] = []
        self._page_start = 0
        self._truncated = False

    def __iter__(self) -> Iterator[T]:
        after = ""
        while True:
            items, truncated = self._fetch(after, self._page_size)
            yield from items
            if not truncated or not items:
                return
            after = self._key(items[-1])

    def __len__(self) -> int:
        if self._len is None:
            self._len = self._count()
        return self._len

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if index < 0:
            raise IndexError("PagingList index out of range")
        if not self._page or index < self._page_start:
            self._load(0, "")
        while index >= self._page_start + len(self._page):
            if not self._truncated or not self._page:
                raise IndexError("PagingList index out of range")
            self._load(self._page_start + len(self._page), self._key(self._page[-1]))
        return self._page[index - self._page_start]

    def _load(self, start: int, after: str) -> None:
        self._page, self._truncated = self._fetch(after, self._page_size)
        self._page_start = start

    def __repr__(self) -> str:
        return f"<PagingList (lazy, {self._len if self._len is not None else '?'} items)>"
