"""Listing: streamed, in key order, by prefix, resumable after a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..provider import ObjectInfo, StorageProvider
from .base import ProviderFixtures
from .helpers import keys, put_bytes


class ListingConformance(ProviderFixtures):
    """``iter_objects`` and ``existing``."""

    def test_listing_is_an_iterator(self, provider: StorageProvider, tree: dict[str, bytes]) -> None:
        listing = provider.iter_objects("")
        assert isinstance(listing, Iterator) and not isinstance(listing, list | tuple)
        assert isinstance(next(listing), ObjectInfo)

    def test_listing_is_in_key_order(self, provider: StorageProvider, tree: dict[str, bytes]) -> None:
        assert keys(provider.iter_objects("")) == sorted(tree)

    def test_listing_sizes_and_etags(self, provider: StorageProvider, tree: dict[str, bytes]) -> None:
        for info in provider.iter_objects(""):
            assert info.size == len(tree[info.path])
            assert isinstance(info.etag, str) and info.etag
            assert info.mtime is None or isinstance(info.mtime, float)
            assert info.etag == provider.info(info.path).etag

    @pytest.mark.parametrize(
        "prefix",
        ["a/", "a/c/", "a/c", "a/b", "a", "a/c/e/", "z/", "_", "nope/", "nope", "a/nope/", "a/c/e/f/"],
    )
    def test_listing_prefix(self, provider: StorageProvider, tree: dict[str, bytes], prefix: str) -> None:
        expected = sorted(k for k in tree if k.startswith(prefix))
        assert keys(provider.iter_objects(prefix)) == expected

    def test_listing_resumes_after_a_key(self, provider: StorageProvider, tree: dict[str, bytes]) -> None:
        ordered = sorted(tree)
        for prefix in ("", "a/"):
            expected = [k for k in ordered if k.startswith(prefix)]
            for cut in range(len(expected)):
                after = expected[cut]
                assert keys(provider.iter_objects(prefix, after)) == expected[cut + 1 :], (prefix, after)
        # a start point between keys, and one inside a folder the listing must skip past
        assert keys(provider.iter_objects("", "a/b.s")) == [k for k in ordered if k > "a/b.s"]
        assert keys(provider.iter_objects("", "a/zzz")) == [k for k in ordered if k > "a/zzz"]

    def test_listing_empty_area(self, provider: StorageProvider) -> None:
        assert keys(provider.iter_objects("")) == []
        assert keys(provider.iter_objects("missing/")) == []

    def test_existing_names_the_stored_keys(self, provider: StorageProvider, tree: dict[str, bytes]) -> None:
        wanted = ["a/b.txt", "a/c/d", "a/c/x", "a0", "nope", "z/z/z"]
        assert provider.existing(wanted) == {"a/b.txt", "a/c/d", "a0", "z/z/z"}
        assert provider.existing(["b"]) == {"b"}
        assert provider.existing(["missing"]) == set()

    def test_writes_through_another_provider_show_at_once(self, provider: StorageProvider) -> None:
        put_bytes(provider, "shared/first", b"1")
        assert keys(provider.iter_objects("shared/")) == ["shared/first"]  # a listing fsspec could keep
        assert not provider.exists("shared/second")
        put_bytes(type(provider)(provider.config), "shared/second", b"2")
        assert provider.exists("shared/second"), "a cached listing hid an object another writer stored"
        assert keys(provider.iter_objects("shared/")) == ["shared/first", "shared/second"]
