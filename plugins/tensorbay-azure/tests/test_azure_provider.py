"""The azure provider against Azurite: the conformance kit, then what is Azure's own."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from tensorbay_azure import AzureProvider

from tensorbay_core.errors import InvalidArgument, InvalidConfig, NotFound, StorageError
from tensorbay_core.storage import create_provider, get_plugins
from tensorbay_core.storage.testing import ProviderConformance
from tests.servers.azure import AzureContainer

#: What a client must send with a signed PUT: Azure refuses a Put Blob without a blob type.
BLOCK_BLOB = {"x-ms-blob-type": "BlockBlob"}


def make(container: AzureContainer, file_path: str = "", **overrides: Any) -> AzureProvider:
    """A provider on ``container`` through the plugin registry, as the core builds it."""
    azurite = container.azurite
    values = {
        "account_type": "Global",
        "account_name": azurite.account_name,
        "account_key": azurite.account_key,
        "container_name": container.name,
        "endpoint": azurite.endpoint,
        **overrides,
    }
    provider = create_provider(
        "azure", "test-azure", file_path, {k: v for k, v in values.items() if v is not None}
    )
    assert isinstance(provider, AzureProvider)
    return provider


def container_sas(container: AzureContainer, permission: str = "racwdl") -> str:
    """A SAS token for ``container`` allowing ``permission`` (by default everything but
    deleting the container)."""
    from azure.storage.blob import generate_container_sas

    return generate_container_sas(
        container.azurite.account_name,
        container.name,
        account_key=container.azurite.account_key,
        permission=permission,
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )


def copy_properties(container: AzureContainer, blob: str) -> Any:
    """The Copy Blob record Azure keeps on a blob (empty when it was not copied)."""
    return container.client.get_blob_client(blob).get_blob_properties().copy


class TestAzureConformance(ProviderConformance):
    sdk_modules = ("adlfs", "azure", "aiohttp")

    @pytest.fixture
    def provider(self, azure_container: AzureContainer) -> Iterator[AzureProvider]:
        yield make(azure_container)

    @pytest.fixture
    def wrong_credentials(self, azure_container: AzureContainer) -> Iterator[AzureProvider]:
        yield make(azure_container, "datasets", account_key="d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=")

    @pytest.fixture
    def missing_root(self, azure_container: AzureContainer) -> Iterator[AzureProvider]:
        yield make(azure_container, container_name="no-such-container")

    @pytest.fixture
    def no_permission(self, azure_container: AzureContainer) -> Iterator[AzureProvider]:
        yield make(azure_container, account_key=None, sas_token=container_sas(azure_container, "r"))

    @pytest.fixture
    def unreachable(self, azure_container: AzureContainer) -> Iterator[AzureProvider]:
        yield make(azure_container, endpoint="http://127.0.0.1:9/devstoreaccount1")


# -- registration and config ------------------------------------------------------------------


def test_registered_through_the_entry_point() -> None:
    described = {d["type"]: d for d in get_plugins().describe()}
    assert described["azure"]["distribution"] == "tensorbay-azure"
    fields = {f["name"]: f for f in described["azure"]["fields"]}
    assert set(fields) == {
        "account_type",
        "account_name",
        "account_key",
        "container_name",
        "endpoint",
        "sas_token",
        "connection_string",
    }
    assert all(fields[name]["secret"] for name in ("account_key", "sas_token", "connection_string"))
    assert fields["container_name"]["required"] and not fields["endpoint"]["required"]


BASE = {"account_name": "acct", "account_key": "a2V5", "container_name": "data"}


@pytest.mark.parametrize(
    ("account_type", "endpoint"),
    [
        ("Global", "https://acct.blob.core.windows.net"),
        ("China", "https://acct.blob.core.chinacloudapi.cn"),
        ("china", "https://acct.blob.core.chinacloudapi.cn"),
        (None, "https://acct.blob.core.windows.net"),
    ],
)
def test_account_type_picks_the_cloud(account_type: str | None, endpoint: str) -> None:
    values = {**BASE, "account_type": account_type} if account_type else BASE
    provider = create_provider("azure", "c", "", values)
    assert isinstance(provider, AzureProvider)
    assert provider.blob_endpoint() == endpoint
    assert f"BlobEndpoint={endpoint}" in provider.connection_string()


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({**BASE, "account_type": "Mars"}, "account_type"),
        ({**BASE, "account_key": None}, "needs account_key, sas_token or connection_string"),
        ({**BASE, "connection_string": "AccountName=acct;AccountKey=a2V5"}, "replaces"),
        ({**BASE, "account_key": None, "connection_string": "no-equals-sign-here"}, "malformed"),
        (
            {**BASE, "account_key": None, "connection_string": "AccountName=other;AccountKey=eA=="},
            "another account",
        ),
        ({**BASE, "container_name": "a/b"}, "container_name"),
        ({**BASE, "container_name": "../x"}, "container_name"),
        ({**BASE, "endpoint": "ftp://host"}, "endpoint"),
        ({**BASE, "account_key": "not base64!"}, "base64"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(InvalidConfig, match=complaint) as caught:
        create_provider("azure", "bad", "", {k: v for k, v in values.items() if v is not None})
    for secret in ("a2V5", "no-equals-sign-here", "not base64!"):
        assert secret not in str(caught.value)


# -- check_connection --------------------------------------------------------------------------


def test_missing_container_is_named(azure_container: AzureContainer) -> None:
    with pytest.raises(InvalidConfig, match="'no-such-container' of storage config"):
        make(azure_container, container_name="no-such-container").check_connection()


def test_connection_string_config(azure_container: AzureContainer) -> None:
    provider = make(
        azure_container,
        account_key=None,
        endpoint=None,
        connection_string=azure_container.azurite.connection_string,
    )
    provider.check_connection()
    provider.put_stream(io.BytesIO(b"through a connection string"), "cs/object")
    assert [info.path for info in provider.iter_objects("")] == ["cs/object"]
    url = provider.sign_url("cs/object", "GET", 60)
    assert requests.get(url, timeout=30).content == b"through a connection string"


def test_sas_token_config(azure_container: AzureContainer) -> None:
    provider = make(azure_container, account_key=None, sas_token=container_sas(azure_container))
    provider.check_connection()
    provider.put_stream(io.BytesIO(b"through a SAS"), "sas/object")
    copied = provider.copy("sas/object", "sas/copy")
    assert copied.size == len(b"through a SAS")
    assert copy_properties(azure_container, "sas/copy").status == "success"
    assert provider.signs == frozenset()
    with pytest.raises(StorageError, match="account key"):
        provider.sign_url("sas/object", "GET", 60)


# -- listing -----------------------------------------------------------------------------------


def test_listing_streams_page_by_page(azure_container: AzureContainer) -> None:
    keys = sorted(f"many/{i:05d}" for i in range(2500))
    provider = make(azure_container)

    def put(key: str) -> None:
        azure_container.client.upload_blob(key, key.encode())

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, keys))
    listing = provider.iter_objects("many/")
    first = next(listing)
    assert (first.path, first.size) == (keys[0], len(keys[0]))
    # A blob added now shows up only if later pages are fetched after the first one was used.
    azure_container.client.upload_blob("many/99999", b"late")
    assert [first.path] + [info.path for info in listing] == [*keys, "many/99999"]
    assert provider.list_page_size < len(keys)
    resumed = [info.path for info in provider.iter_objects("many/", keys[1500])]
    assert resumed == [*keys[1501:], "many/99999"]


def test_listing_skips_blobs_the_contract_cannot_name(azure_container: AzureContainer) -> None:
    for name in ("ok", "folder/", "a//b", "x?versionid=1"):
        azure_container.client.upload_blob(name, b"x")
    assert [info.path for info in make(azure_container).iter_objects("")] == ["ok"]


def test_version_marker_is_refused_before_io(azure_container: AzureContainer) -> None:
    provider = make(azure_container)
    provider.put_stream(io.BytesIO(b"must survive"), "x")
    with pytest.raises(InvalidArgument, match="versionid"):
        provider.put_stream(io.BytesIO(b"overwrite"), "x?versionid=1")
    assert provider.open("x").read() == b"must survive"


# -- copy --------------------------------------------------------------------------------------


def test_copy_is_server_side_and_awaited(azure_container: AzureContainer) -> None:
    provider = make(azure_container)
    data = os.urandom(300_000)
    provider.put_stream(io.BytesIO(data), "src/blob.bin")
    copied = provider.copy("src/blob.bin", "dst/blob.bin")
    record = copy_properties(azure_container, "dst/blob.bin")
    assert record.status == "success" and f"/{azure_container.name}/src/blob.bin" in record.source
    assert copied.size == len(data)
    assert azure_container.client.download_blob("dst/blob.bin").readall() == data


def test_copy_between_containers_is_server_side(azure_container: AzureContainer) -> None:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azure_container.azurite.connection_string)
    other = service.create_container("other-" + azure_container.name[3:])
    try:
        source = make(azure_container, container_name=other.container_name)
        target = make(azure_container)
        source.put_stream(io.BytesIO(b"from the other container"), "photos/1.jpg")
        assert source.copy_scope() == target.copy_scope()
        target.copy("photos/1.jpg", "dataset/1.jpg", source=source)
        record = copy_properties(azure_container, "dataset/1.jpg")
        assert record.status == "success" and other.container_name in record.source
    finally:
        other.delete_container()


def test_copy_with_other_credentials_streams(azure_container: AzureContainer) -> None:
    source = make(azure_container, account_key=None, sas_token=container_sas(azure_container))
    target = make(azure_container)
    source.put_stream(io.BytesIO(b"streamed"), "in")
    assert source.copy_scope() != target.copy_scope()
    target.copy("in", "out", source=source)
    assert copy_properties(azure_container, "out").id is None
    assert target.open("out").read() == b"streamed"


def test_copy_missing_source_names_the_key(azure_container: AzureContainer) -> None:
    with pytest.raises(NotFound, match="'nothing/here'"):
        make(azure_container).copy("nothing/here", "dst")


# -- signed URLs -------------------------------------------------------------------------------


def test_signed_put_then_signed_get(azure_container: AzureContainer) -> None:
    provider = make(azure_container, "datasets")
    data = os.urandom(123_456)
    put_url = provider.sign_url("datasets/up.bin", "PUT", 600)
    assert azure_container.azurite.account_key not in put_url
    requests.put(put_url, data=data, headers=BLOCK_BLOB, timeout=30).raise_for_status()
    assert provider.info("datasets/up.bin").size == len(data)
    got = requests.get(provider.sign_url("datasets/up.bin", "GET", 600), timeout=30)
    got.raise_for_status()
    assert got.content == data


def test_signed_put_needs_the_blob_type_header(azure_container: AzureContainer) -> None:
    url = make(azure_container).sign_url("no-header", "PUT", 600)
    assert requests.put(url, data=b"x", timeout=30).status_code == 400


def test_signed_urls_grant_only_their_blob_and_method(azure_container: AzureContainer) -> None:
    provider = make(azure_container)
    provider.put_stream(io.BytesIO(b"private"), "private")
    get_url = provider.sign_url("private", "GET", 600)
    assert requests.get(get_url.replace("/private?", "/other?"), timeout=30).status_code == 403
    assert requests.put(get_url, data=b"x", headers=BLOCK_BLOB, timeout=30).status_code == 403
    assert provider.open("private").read() == b"private"


# -- errors ------------------------------------------------------------------------------------


def test_sas_signatures_are_scrubbed(azure_container: AzureContainer) -> None:
    provider = make(azure_container)
    url = provider.sign_url("k", "GET", 60)
    error = provider.translate_error(RuntimeError(f"copy from {url} failed"), "k")
    assert "sig=********" in error.message and url not in error.message
