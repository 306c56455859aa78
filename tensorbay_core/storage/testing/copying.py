"""Copying: within the provider, into new folders, with the size known, and streamed from
another provider (the result then carries the SHA-1 of the bytes it moved)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ...errors import NotFound
from ..plugins import create_provider
from ..provider import StorageProvider
from .base import ProviderFixtures
from .helpers import keys, put_bytes, read_all


class CopyingConformance(ProviderFixtures):
    """``copy``: byte-exact, never a missing source's half copy."""

    def test_copy_preserves_bytes(self, provider: StorageProvider) -> None:
        data = os.urandom(70_000)
        put_bytes(provider, "src/object", data)
        copied = provider.copy("src/object", "dst/object")
        assert (copied.path, copied.size) == ("dst/object", len(data))
        assert copied.sha1 in (None, hashlib.sha1(data).hexdigest())
        assert read_all(provider, "dst/object") == data
        assert read_all(provider, "src/object") == data

    def test_copy_with_the_size_known(self, provider: StorageProvider) -> None:
        data = os.urandom(20_000)
        put_bytes(provider, "sized/src", data)
        copied = provider.copy("sized/src", "sized/dst", size=len(data))
        assert (copied.path, copied.size) == ("sized/dst", len(data))
        assert copied.etag == provider.info("sized/dst").etag
        assert read_all(provider, "sized/dst") == data

    def test_copy_into_new_folders(self, provider: StorageProvider) -> None:
        put_bytes(provider, "src", b"payload")
        provider.copy("src", "new/deep/folder/copy")
        assert read_all(provider, "new/deep/folder/copy") == b"payload"
        assert keys(provider.iter_objects("new/")) == ["new/deep/folder/copy"]

    def test_copy_missing_source(self, provider: StorageProvider) -> None:
        with pytest.raises(NotFound):
            provider.copy("missing", "dst")
        assert not provider.exists("dst")

    def test_copy_from_another_provider_streams_and_hashes(
        self, provider: StorageProvider, tmp_path: Path
    ) -> None:
        folder = tmp_path / "kit-copy-source"
        folder.mkdir()
        data = os.urandom(200_000)
        (folder / "photo.jpg").write_bytes(data)
        source = create_provider("local", "kit-copy-source", str(folder), {})
        copied = provider.copy("photo.jpg", "imported/photo.jpg", source)
        assert (copied.path, copied.size) == ("imported/photo.jpg", len(data))
        assert copied.sha1 == hashlib.sha1(data).hexdigest(), "a streamed copy reports the SHA-1 it read"
        assert read_all(provider, "imported/photo.jpg") == data
        with pytest.raises(NotFound):
            provider.copy("absent.jpg", "imported/absent.jpg", source)
