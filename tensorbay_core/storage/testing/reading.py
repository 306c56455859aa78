"""Reading: ``open``, ``info``, ``exists``, ``content_sha1``, ``opened_etag``; what is missing."""

from __future__ import annotations

import hashlib
import os

import pytest

from ...errors import NotFound
from ..provider import StorageProvider
from .base import ProviderFixtures
from .helpers import put_bytes, read_all


class ReadingConformance(ProviderFixtures):
    """Objects read back as they were stored; missing keys and folders are ``NotFound``."""

    def test_missing_object(self, provider: StorageProvider) -> None:
        with pytest.raises(NotFound):
            provider.info("missing/object")
        with pytest.raises(NotFound):
            read_all(provider, "missing/object")
        assert not provider.exists("missing/object")

    def test_folder_is_not_an_object(self, provider: StorageProvider) -> None:
        put_bytes(provider, "folder/inside", b"x")
        with pytest.raises(NotFound):
            provider.info("folder")
        assert not provider.exists("folder")

    def test_content_sha1(self, provider: StorageProvider) -> None:
        data = os.urandom(300_000)
        put_bytes(provider, "hashed", data)
        assert provider.content_sha1("hashed") == hashlib.sha1(data).hexdigest()
        with pytest.raises(NotFound):
            provider.content_sha1("missing")

    def test_opened_etag_is_the_objects(self, provider: StorageProvider) -> None:
        stored = put_bytes(provider, "opened", b"opened bytes")
        with provider.open("opened") as stream:
            etag = provider.opened_etag(stream)
            assert stream.read() == b"opened bytes"
        assert etag in (None, stored.etag), "opened_etag must be the etag of the object opened, or None"
