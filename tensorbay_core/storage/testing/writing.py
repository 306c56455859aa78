"""Writing: ``put_stream`` and ``put_file`` round trips, overwrites, key normalisation, deletes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..provider import StorageProvider
from .base import ProviderFixtures
from .helpers import keys, put_bytes, read_all


class WritingConformance(ProviderFixtures):
    """What is written reads back byte-exact, and a delete removes exactly its object."""

    @pytest.mark.parametrize("size", [0, 1, 1000, 3 * 1024 * 1024 + 7])
    def test_put_stream_round_trip(self, provider: StorageProvider, size: int) -> None:
        data = os.urandom(size)
        stored = put_bytes(provider, "round/trip.bin", data)
        assert (stored.path, stored.size) == ("round/trip.bin", size)
        assert stored.etag
        assert read_all(provider, "round/trip.bin") == data
        info = provider.info("round/trip.bin")
        assert (info.path, info.size, info.etag) == (stored.path, size, stored.etag)
        assert provider.exists("round/trip.bin")

    def test_put_file_round_trip(self, provider: StorageProvider, tmp_path: Path) -> None:
        data = os.urandom(100_000)
        local = tmp_path / "upload.bin"
        local.write_bytes(data)
        stored = provider.put_file(str(local), "files/upload.bin")
        assert (stored.path, stored.size) == ("files/upload.bin", len(data))
        assert read_all(provider, "files/upload.bin") == data

    def test_overwrite_replaces_bytes(self, provider: StorageProvider) -> None:
        first = put_bytes(provider, "over", b"the first, longer version")
        stored = put_bytes(provider, "over", b"second")
        assert stored.size == 6 and stored.etag != first.etag
        assert read_all(provider, "over") == b"second"
        assert keys(provider.iter_objects("")) == ["over"]

    def test_keys_are_normalised(self, provider: StorageProvider) -> None:
        stored = put_bytes(provider, "./norm//a/./b", b"x")
        assert stored.path == "norm/a/b"
        assert read_all(provider, "norm/a/b") == b"x"

    def test_delete(self, provider: StorageProvider) -> None:
        put_bytes(provider, "doomed/object", b"x")
        put_bytes(provider, "kept", b"y")
        provider.delete("doomed/object")
        assert not provider.exists("doomed/object")
        assert keys(provider.iter_objects("")) == ["kept"]
        provider.delete("doomed/object")
        provider.delete("never/existed")
