"""The ``oss`` provider against the OSS-protocol server: the conformance kit, then OSS specifics."""

from __future__ import annotations

import io
import logging
import os
import random
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from ossfs import OSSFileSystem
from tensorbay_oss import OSSProvider

from tensorbay_core.errors import AuthenticationError, InvalidArgument, InvalidConfig, NotFound, StorageError
from tensorbay_core.storage import create_provider, get_plugins
from tensorbay_core.storage.testing import ProviderConformance, put_bytes, read_all

if TYPE_CHECKING:
    from tests.servers.oss import OSSEndpoint


class TestOSSConformance(ProviderConformance):
    sdk_modules = ("oss2", "ossfs", "aiooss2")

    @pytest.fixture
    def provider(self, oss_server: OSSEndpoint, oss_bucket: str) -> Iterator[OSSProvider]:
        yield oss(oss_server.config(oss_bucket), "kit", "")

    @pytest.fixture
    def wrong_credentials(self, oss_server: OSSEndpoint, oss_bucket: str) -> Iterator[OSSProvider]:
        yield oss({**oss_server.config(oss_bucket), "accesskey_secret": "not-the-secret-4711"})

    @pytest.fixture
    def missing_root(self, oss_server: OSSEndpoint) -> Iterator[OSSProvider]:
        yield oss(oss_server.config("tb-no-such-bucket"))

    @pytest.fixture
    def unreachable(self, oss_server: OSSEndpoint, oss_bucket: str) -> Iterator[OSSProvider]:
        yield oss({**oss_server.config(oss_bucket), "endpoint": f"http://127.0.0.1:{closed_port()}"})


def oss(values: dict[str, str], name: str = "my-oss", file_path: str = "datasets") -> OSSProvider:
    provider = create_provider("oss", name, file_path, values)
    assert isinstance(provider, OSSProvider)
    return provider


@pytest.fixture
def provider(oss_server: OSSEndpoint, oss_bucket: str) -> OSSProvider:
    return oss(oss_server.config(oss_bucket))


@pytest.fixture
def other_bucket(oss_server: OSSEndpoint) -> Iterator[str]:
    name = f"tb-other-{uuid.uuid4().hex[:12]}"
    oss_server.service.create_bucket(name)
    yield name
    oss_server.service.drop_bucket(name)


@pytest.fixture
def copy_limit(oss_server: OSSEndpoint) -> Iterator[int]:
    """The server's CopyObject limit, lowered to 200 KB for the test."""
    oss_server.service.copy_limit = 200_000
    yield oss_server.service.copy_limit
    oss_server.service.copy_limit = 1 << 30


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the plugin ----------------------------------------------------------------------------------


def test_plugin_is_registered() -> None:
    (entry,) = [p for p in get_plugins().describe() if p["type"] == "oss"]
    assert entry["distribution"] == "tensorbay-oss"
    fields = {f["name"]: f for f in entry["fields"]}
    assert list(fields) == ["endpoint", "accesskey_id", "accesskey_secret", "bucket_name", "security_token"]
    assert [name for name, f in fields.items() if f["secret"]] == ["accesskey_secret", "security_token"]
    assert [name for name, f in fields.items() if not f["required"]] == ["security_token"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("endpoint", "ftp://oss-cn-hangzhou.aliyuncs.com"),
        ("endpoint", "http://127.0.0.1:9000/path"),
        ("endpoint", "oss cn"),
        ("bucket_name", "Upper_Case"),
        ("bucket_name", "ab"),
        ("bucket_name", "-starts-with-hyphen"),
    ],
)
def test_malformed_fields_are_refused(
    oss_server: OSSEndpoint, oss_bucket: str, field: str, value: str
) -> None:
    with pytest.raises(InvalidConfig, match=field):
        oss({**oss_server.config(oss_bucket), field: value})


def test_endpoint_defaults_to_https(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    values = {**oss_server.config(oss_bucket), "endpoint": "OSS-cn-hangzhou.aliyuncs.com"}
    assert oss(values).endpoint == "https://oss-cn-hangzhou.aliyuncs.com"
    assert oss(oss_server.config(oss_bucket)).endpoint == oss_server.endpoint


def test_filesystem_is_an_uncached_ossfs(
    provider: OSSProvider, oss_server: OSSEndpoint, oss_bucket: str
) -> None:
    fs = provider.filesystem()
    assert isinstance(fs, OSSFileSystem)
    assert oss(oss_server.config(oss_bucket)).filesystem() is not fs
    put_bytes(provider, "datasets/through/ossfs", b"bytes")
    assert fs.cat_file(provider.fs_path("datasets/through/ossfs")) == b"bytes"


# -- config-time checks --------------------------------------------------------------------------


def test_wrong_secret_fails_at_config_time(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    wrong = oss({**oss_server.config(oss_bucket), "accesskey_secret": "not-the-secret-4711"})
    with pytest.raises(AuthenticationError) as refused:
        wrong.check_connection()
    text = f"{refused.value} {refused.value!r} {refused.value.message}"
    assert "SignatureDoesNotMatch" in text and "my-oss" in text
    assert "not-the-secret-4711" not in text and oss_server.accesskey_secret not in text


def test_unknown_key_fails_at_config_time(oss_server: OSSEndpoint, oss_bucket: str) -> None:
    stranger = oss({**oss_server.config(oss_bucket), "accesskey_id": "LTAI-nobody"})
    with pytest.raises(AuthenticationError, match="InvalidAccessKeyId"):
        stranger.check_connection()


def test_missing_bucket_is_named(oss_server: OSSEndpoint) -> None:
    with pytest.raises(InvalidConfig, match="'tb-no-such-bucket' does not exist"):
        oss(oss_server.config("tb-no-such-bucket")).check_connection()


def test_errors_in_use_are_translated(
    oss_server: OSSEndpoint, oss_bucket: str, provider: OSSProvider
) -> None:
    wrong = oss({**oss_server.config(oss_bucket), "accesskey_secret": "not-the-secret-4711"})
    calls = [
        lambda: wrong.info("datasets/x"),
        lambda: put_bytes(wrong, "datasets/x", b"x"),
        lambda: list(wrong.iter_objects("")),
        lambda: wrong.delete("datasets/x"),
    ]
    for call in calls:
        with pytest.raises(AuthenticationError) as refused:
            call()
        assert "not-the-secret-4711" not in str(refused.value)
    with pytest.raises(NotFound):
        provider.info("datasets/missing")
    oss_server.service.drop_bucket(oss_bucket)
    with pytest.raises(InvalidConfig, match=oss_bucket):
        provider.info("datasets/x")


# -- STS credentials -----------------------------------------------------------------------------


def test_security_token(oss_server: OSSEndpoint, oss_bucket: str, caplog: pytest.LogCaptureFixture) -> None:
    oss_server.service.add_key("STS.tensorbay", "sts-secret", token="sts-token-0815")
    values = {
        **oss_server.config(oss_bucket),
        "accesskey_id": "STS.tensorbay",
        "accesskey_secret": "sts-secret",
        "security_token": "sts-token-0815",
    }
    sts = oss(values)
    with caplog.at_level(logging.DEBUG):
        sts.check_connection()
        put_bytes(sts, "datasets/sts", b"temporary")
        assert [o.path for o in sts.iter_objects("datasets/")] == ["datasets/sts"]
        get_url = sts.sign_url("datasets/sts", "GET", 60)
        put_url = sts.sign_url("datasets/sts-put", "PUT", 60)
    assert "sts-token-0815" in get_url  # a signed URL carries the token, by design
    assert "sts-token-0815" not in caplog.text
    assert requests.get(get_url, timeout=10).content == b"temporary"
    assert requests.put(put_url, data=b"uploaded", timeout=10).status_code == 200
    assert read_all(sts, "datasets/sts-put") == b"uploaded"
    stale = oss({**values, "security_token": "another-token"})
    with pytest.raises(AuthenticationError) as refused:
        stale.check_connection()
    assert "another-token" not in str(refused.value)


# -- copies ------------------------------------------------------------------------------------------


def test_cross_bucket_copy_is_server_side_and_leaves_no_file(
    oss_server: OSSEndpoint,
    oss_bucket: str,
    other_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, target = oss(oss_server.config(oss_bucket)), oss(oss_server.config(other_bucket))
    assert source.copy_scope() == target.copy_scope()
    data = os.urandom(100_000)
    stored = put_bytes(source, "raw/image.jpg", data)
    monkeypatch.chdir(tmp_path)
    calls = oss_server.service.calls
    before = (calls["CopyObject"], calls["GetObject"])
    copied = target.copy("raw/image.jpg", "datasets/image.jpg", source=source)
    assert (calls["CopyObject"], calls["GetObject"]) == (before[0] + 1, before[1])
    assert list(tmp_path.iterdir()) == []
    assert (copied.size, copied.etag) == (len(data), stored.etag)
    assert read_all(target, "datasets/image.jpg") == data
    with pytest.raises(NotFound):
        target.copy("raw/missing.jpg", "datasets/missing.jpg", source=source)


def test_copy_across_credentials_streams(
    oss_server: OSSEndpoint,
    oss_bucket: str,
    other_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oss_server.service.add_key("LTAI-second-account", "second-secret")
    source = oss(
        {
            **oss_server.config(oss_bucket),
            "accesskey_id": "LTAI-second-account",
            "accesskey_secret": "second-secret",
        }
    )
    target = oss(oss_server.config(other_bucket))
    assert source.copy_scope() != target.copy_scope()
    data = os.urandom(50_000)
    put_bytes(source, "raw/file", data)
    monkeypatch.chdir(tmp_path)
    copies = oss_server.service.calls["CopyObject"]
    target.copy("raw/file", "datasets/file", source=source)
    assert oss_server.service.calls["CopyObject"] == copies
    assert list(tmp_path.iterdir()) == []
    assert read_all(target, "datasets/file") == data


def test_large_copy_goes_part_by_part(
    oss_server: OSSEndpoint, oss_bucket: str, other_bucket: str, copy_limit: int
) -> None:
    source, target = oss(oss_server.config(oss_bucket)), oss(oss_server.config(other_bucket))
    target.part_size, target.copy_object_limit = 128 * 1024, copy_limit
    data = os.urandom(300_001)
    put_bytes(source, "raw/big", data)
    part_copies = oss_server.service.calls["UploadPartCopy"]
    copied = target.copy("raw/big", "datasets/big", source=source)
    assert oss_server.service.calls["UploadPartCopy"] == part_copies + 3
    assert copied.size == len(data) and copied.etag.endswith("-3")
    assert read_all(target, "datasets/big") == data
    assert oss_server.service.pending_uploads(other_bucket) == []


# -- writing, reading, signing --------------------------------------------------------------------


def test_put_stream_uses_multipart_for_large_streams(
    provider: OSSProvider, oss_server: OSSEndpoint, oss_bucket: str, tmp_path: Path
) -> None:
    provider.part_size = 128 * 1024
    data = os.urandom(300_000)
    stored = put_bytes(provider, "datasets/multi", data)
    assert stored.size == len(data) and stored.etag.endswith("-3")
    obj = oss_server.service.object(oss_bucket, "datasets/multi")
    assert obj is not None and obj.kind == "Multipart"
    assert read_all(provider, "datasets/multi") == data
    local = tmp_path / "exact"
    local.write_bytes(data[: 2 * provider.part_size])  # ends on a part boundary
    assert provider.put_file(str(local), "datasets/exact").etag.endswith("-2")
    assert read_all(provider, "datasets/exact") == local.read_bytes()


class BrokenStream(io.RawIOBase):
    """Gives ``good`` bytes, then fails like a dropped network connection."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise ConnectionResetError("the source went away")
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


def test_failed_upload_leaves_nothing_behind(
    provider: OSSProvider, oss_server: OSSEndpoint, oss_bucket: str
) -> None:
    provider.part_size = 128 * 1024
    put_bytes(provider, "datasets/kept", b"old bytes")
    with pytest.raises(StorageError):
        provider.put_stream(BrokenStream(300_000), "datasets/kept")
    assert read_all(provider, "datasets/kept") == b"old bytes"
    assert oss_server.service.pending_uploads(oss_bucket) == []


def test_open_is_seekable_and_read_only(provider: OSSProvider) -> None:
    data = os.urandom(200_000)
    put_bytes(provider, "datasets/seek", data)
    with provider.open("datasets/seek") as stream:
        stream.seek(150_000)
        assert stream.read(10) == data[150_000:150_010]
        stream.seek(5)
        assert stream.read(5) == data[5:10]
    with pytest.raises(InvalidArgument):
        provider.open("datasets/seek", "wb")


def test_signed_put_then_get(provider: OSSProvider, oss_server: OSSEndpoint) -> None:
    data = os.urandom(30_000)
    put_url = provider.sign_url("datasets/signed/a b+c.bin", "PUT", 120)
    assert put_url.startswith(oss_server.endpoint) and "Signature=" in put_url
    assert requests.put(put_url, data=data, timeout=10).status_code == 200
    assert provider.info("datasets/signed/a b+c.bin").size == len(data)
    get_url = provider.sign_url("datasets/signed/a b+c.bin", "GET", 120)
    assert requests.get(get_url, timeout=10).content == data
    assert requests.put(get_url, data=b"not allowed", timeout=10).status_code == 403


# -- listing ---------------------------------------------------------------------------------------


def test_listing_2500_keys_streams_pages_in_order(
    provider: OSSProvider, oss_server: OSSEndpoint, oss_bucket: str
) -> None:
    rng = random.Random(7)
    keys = [f"many/{rng.choice(['a', 'a/b', 'a-b', 'ü', 'Z'])}/{i:x}" for i in range(2500)]
    for key in keys:
        oss_server.service.put(oss_bucket, key, key.encode())
    pages = oss_server.service.calls["ListObjectsV2"]
    listing = provider.iter_objects("many/")
    first = next(listing)
    assert oss_server.service.calls["ListObjectsV2"] == pages + 1  # one page, not the whole listing
    found = [first, *listing]
    assert oss_server.service.calls["ListObjectsV2"] == pages + 3
    assert [o.path for o in found] == sorted(keys)
    assert all(o.size == len(o.path.encode()) for o in found)


def test_listing_skips_keys_it_cannot_name(
    provider: OSSProvider, oss_server: OSSEndpoint, oss_bucket: str
) -> None:
    for key in ("odd/folder-marker/", "odd/a//b", "odd/./c", "odd/d/../e", "odd/back\\slash", "odd/ok"):
        oss_server.service.put(oss_bucket, key, b"x")
    assert [o.path for o in provider.iter_objects("odd/")] == ["odd/ok"]
