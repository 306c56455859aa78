"""Paged listings continue the provider's iterator instead of restarting it."""

from __future__ import annotations

from collections.abc import Iterator

from tensorbay_core.service.listings import OpenListings
from tensorbay_core.storage import ObjectInfo

KEYS = [f"k{i:05d}" for i in range(2500)]


def test_pages_continue_one_listing() -> None:
    listings = OpenListings()
    starts: list[str] = []

    def start(after: str) -> Iterator[ObjectInfo]:
        starts.append(after)
        return (ObjectInfo(k, 1, "e") for k in KEYS if k > after)

    seen, after = [], ""
    while True:
        page = listings.page("scope", after, 1000, lambda a=after: start(a))
        seen.extend(o.path for o in page)
        if len(page) < 1000:
            break
        after = page[-1].path
    assert seen == KEYS
    assert starts == [""], "every page after the first must continue the open listing"


def test_a_page_nobody_left_open_starts_afresh() -> None:
    listings = OpenListings(max_open=1)
    starts: list[str] = []

    def make(after: str) -> Iterator[ObjectInfo]:
        starts.append(after)
        return (ObjectInfo(k, 1, "e") for k in KEYS if k > after)

    first = listings.page("a", "", 10, lambda: make(""))
    listings.page("b", "", 10, lambda: make(""))  # evicts scope "a"
    again = listings.page("a", first[-1].path, 10, lambda: make(first[-1].path))
    assert [o.path for o in again] == KEYS[10:20]
    assert starts == ["", "", KEYS[9]]
