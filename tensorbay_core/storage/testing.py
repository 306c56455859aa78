"""A pytest conformance kit for storage providers.

Subclass ``ProviderConformance`` in a test module and define a ``provider`` fixture
that yields a provider on an empty scratch area; every ``test_`` method of the kit then
checks your provider against the contract::

    import pytest
    from tensorbay_core.storage.testing import ProviderConformance

    class TestMyProvider(ProviderConformance):
        @pytest.fixture
        def provider(self):
            yield create_provider("mine", "kit", "", {...})  # empty scratch bucket/folder

Tests that need something the provider does not offer (signed URLs, secrets) skip
with the reason. Nothing here needs a pytest plugin: it is a plain class.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests

from ..errors import InvalidArgument, NotFound, StorageError
from .provider import ObjectInfo, StorageProvider

#: Keys chosen so that a listing that walks folders instead of sorting keys gets the
#: order wrong ("a.txt" < "a/b" < "a0": "." < "/" < "0").
TREE = {
    "a.txt": b"a dot txt",
    "a/b": b"",
    "a/b.txt": b"bee",
    "a/c/d": b"dee" * 100,
    "a/c/e/f": b"eff",
    "a-b": b"dash",
    "a0": b"zero",
    "b": b"bee bee",
    "_b": b"underscore",
    "z/z/z": b"zzz",
}

#: Keys that must be refused with ``InvalidArgument`` before any I/O.
BAD_KEYS = [
    "../escape",
    "a/../../escape",
    "a/..",
    "/etc/passwd",
    "//server/share",
    "a\x00b",
    "a\\b",
    "..\\escape",
    "C:/windows",
    "a\nb",
]


class UnreadStream(io.RawIOBase):
    """A stream that records whether anyone read it, to prove checks come before I/O."""

    def __init__(self) -> None:
        self.read_from = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.read_from = True
        return 0


def read_all(provider: StorageProvider, key: str) -> bytes:
    """The bytes stored at ``key``."""
    with provider.open(key) as stream:
        return stream.read()


def put_bytes(provider: StorageProvider, key: str, data: bytes) -> ObjectInfo:
    """Store ``data`` at ``key`` through ``put_stream``."""
    return provider.put_stream(io.BytesIO(data), key)


def keys(objects: Iterator[ObjectInfo]) -> list[str]:
    """The keys of a listing, in the order it yields them."""
    return [info.path for info in objects]


def fetch(url: str) -> bytes:
    """The body behind a signed GET URL: over HTTP(S), or read from disk for ``file://``."""
    scheme = urlsplit(url).scheme
    if scheme in ("http", "https"):
        response = requests.get(url, timeout=60)
        response.raise_for_status()
        return response.content
    if scheme == "file":
        return Path(unquote(urlsplit(url).path)).read_bytes()
    raise AssertionError(f"signed URL {url!r} has a scheme the kit cannot fetch")


class ProviderConformance:
    """The storage provider contract as tests. Define a ``provider`` fixture in a subclass."""

    @pytest.fixture
    def provider(self) -> Iterator[StorageProvider]:
        """Override: yield a provider on an empty scratch area."""
        raise NotImplementedError(
            "define a `provider` fixture that yields a provider on an empty scratch area"
        )

    @pytest.fixture
    def tree(self, provider: StorageProvider) -> dict[str, bytes]:
        """The provider with ``TREE`` stored in it."""
        for key, data in TREE.items():
            put_bytes(provider, key, data)
        return TREE

    # -- the scratch area -------------------------------------------------------------------

    def test_scratch_area_starts_empty(self, provider: StorageProvider) -> None:
        assert keys(provider.iter_objects("")) == [], "the provider fixture must start on an empty area"

    def test_check_connection_passes(self, provider: StorageProvider) -> None:
        provider.check_connection()

    def test_filesystem_is_built_once_across_threads(self, provider: StorageProvider) -> None:
        seen: list[object] = []
        threads = [threading.Thread(target=lambda: seen.append(provider.filesystem())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(fs) for fs in seen}) == 1
        assert provider.filesystem() is seen[0]

    # -- writing and reading ------------------------------------------------------------------

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
        put_bytes(provider, "over", b"the first, longer version")
        stored = put_bytes(provider, "over", b"second")
        assert stored.size == 6
        assert read_all(provider, "over") == b"second"
        assert keys(provider.iter_objects("")) == ["over"]

    def test_keys_are_normalised(self, provider: StorageProvider) -> None:
        stored = put_bytes(provider, "./norm//a/./b", b"x")
        assert stored.path == "norm/a/b"
        assert read_all(provider, "norm/a/b") == b"x"

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

    # -- listing ------------------------------------------------------------------------------

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

    # -- copy and delete -------------------------------------------------------------------

    def test_copy_preserves_bytes(self, provider: StorageProvider) -> None:
        data = os.urandom(70_000)
        put_bytes(provider, "src/object", data)
        copied = provider.copy("src/object", "dst/object")
        assert (copied.path, copied.size) == ("dst/object", len(data))
        assert read_all(provider, "dst/object") == data
        assert read_all(provider, "src/object") == data

    def test_copy_into_new_folders(self, provider: StorageProvider) -> None:
        put_bytes(provider, "src", b"payload")
        provider.copy("src", "new/deep/folder/copy")
        assert read_all(provider, "new/deep/folder/copy") == b"payload"
        assert keys(provider.iter_objects("new/")) == ["new/deep/folder/copy"]

    def test_copy_missing_source(self, provider: StorageProvider) -> None:
        with pytest.raises(NotFound):
            provider.copy("missing", "dst")
        assert not provider.exists("dst")

    def test_delete(self, provider: StorageProvider) -> None:
        put_bytes(provider, "doomed/object", b"x")
        put_bytes(provider, "kept", b"y")
        provider.delete("doomed/object")
        assert not provider.exists("doomed/object")
        assert keys(provider.iter_objects("")) == ["kept"]
        provider.delete("doomed/object")
        provider.delete("never/existed")

    # -- confinement ---------------------------------------------------------------------------

    @pytest.mark.parametrize("bad", BAD_KEYS)
    def test_bad_keys_are_refused_before_io(
        self, provider: StorageProvider, tmp_path: Path, bad: str
    ) -> None:
        put_bytes(provider, "ok", b"ok")
        local = tmp_path / "file"
        local.write_bytes(b"local")
        unread = UnreadStream()
        stream = io.BufferedReader(unread)
        calls = [
            lambda: provider.info(bad),
            lambda: provider.exists(bad),
            lambda: provider.open(bad),
            lambda: provider.put_stream(stream, bad),
            lambda: provider.put_file(str(local), bad),
            lambda: provider.copy("ok", bad),
            lambda: provider.copy(bad, "copied"),
            lambda: provider.delete(bad),
            lambda: provider.sign_url(bad, "GET", 60),
            lambda: provider.sign_url(bad, "PUT", 60),
            lambda: list(provider.iter_objects(bad)),
        ]
        for call in calls:
            with pytest.raises(InvalidArgument):
                call()
        assert not unread.read_from, "put_stream read the stream before refusing the key"
        assert keys(provider.iter_objects("")) == ["ok"]

    # -- signed URLs -------------------------------------------------------------------------

    def test_sign_url_refuses_other_methods(self, provider: StorageProvider) -> None:
        with pytest.raises(InvalidArgument):
            provider.sign_url("key", "DELETE", 60)

    def test_signed_get(self, provider: StorageProvider) -> None:
        data = os.urandom(50_000)
        put_bytes(provider, "signed/get.bin", data)
        try:
            url = provider.sign_url("signed/get.bin", "GET", 300)
        except StorageError as exc:
            pytest.skip(f"the provider does not sign GET URLs: {exc}")
        assert fetch(url) == data

    def test_signed_put(self, provider: StorageProvider) -> None:
        try:
            url = provider.sign_url("signed/put.bin", "PUT", 300)
        except StorageError as exc:
            pytest.skip(f"the provider does not sign PUT URLs: {exc}")
        if urlsplit(url).scheme not in ("http", "https"):
            pytest.skip(f"the kit uploads only to http(s) URLs, not {url.split(':')[0]}")
        data = os.urandom(50_000)
        response = requests.put(url, data=data, headers=provider.signed_put_headers, timeout=60)
        response.raise_for_status()
        assert read_all(provider, "signed/put.bin") == data
        assert provider.info("signed/put.bin").size == len(data)

    # -- secrets ----------------------------------------------------------------------------------

    def test_secrets_never_show(self, provider: StorageProvider) -> None:
        secrets = provider.secret_values()
        if not secrets:
            pytest.skip("the provider's config has no secret values")
        config = provider.config
        shown = [repr(provider), str(provider), repr(config), str(config), f"{config}", repr(config.public())]
        shown += [repr(v) for v in config.values.values()] + [str(v) for v in config.values.values()]
        shown.append(repr(provider.describe()))
        for secret in secrets:
            error = provider.translate_error(RuntimeError(f"request signed with {secret} was refused"), "k")
            for text in [*shown, str(error), error.message, repr(error)]:
                assert secret not in text

    def test_secrets_stay_out_of_logs(
        self, provider: StorageProvider, caplog: pytest.LogCaptureFixture
    ) -> None:
        secrets = provider.secret_values()
        if not secrets:
            pytest.skip("the provider's config has no secret values")
        with caplog.at_level(logging.DEBUG):
            put_bytes(provider, "logged", b"x")
            keys(provider.iter_objects(""))
            provider.copy("logged", "logged-copy")
            for failing in (lambda: provider.info("missing"), lambda: provider.copy("missing", "x")):
                with pytest.raises(NotFound):
                    failing()
            provider.check_connection()
        for secret in secrets:
            assert secret not in caplog.text
