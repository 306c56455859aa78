"""Local storage through ``gas serve``: signed GET/PUT URLs, and nothing else gets in or out."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from tensorbay_core.builtins.local.provider import LocalProvider
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.errors import PermissionDenied
from tensorbay_core.storage import create_provider

CONTENT = b"object bytes \x00\x01\x02" * 100


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    root = tmp_path / "bucket"
    (root / "dir").mkdir(parents=True)
    (root / "dir" / "obj.bin").write_bytes(CONTENT)
    (tmp_path / "outside.txt").write_text("outside the root")
    return root


@pytest.fixture
def transport(gas_server, bucket: Path, tmp_path: Path) -> HTTPTransport:
    """A user (whose local area is ``tmp_path``) with a local config ``cfg`` on ``bucket``."""
    transport = HTTPTransport(gas_server.url, gas_server.new_user(tmp_path.name))
    transport.call("create_storage_config", type="local", name="cfg", file_path=str(bucket), values={})
    return transport


@pytest.fixture
def signing_key(gas_server, transport: HTTPTransport, tmp_path: Path) -> str:
    """The key the server made for ``cfg``, read from its database."""
    return str(gas_server.stored_values(tmp_path.name, "cfg")["signing_key"])


def signed(signing_key: str, bucket: Path, key: str, method: str, deadline: int) -> str:
    """A URL signed with the config's key, as someone holding that key could make it (any key text)."""
    provider = create_provider("local", "cfg", str(bucket), {"signing_key": signing_key})
    assert isinstance(provider, LocalProvider)
    signature = hmac.new(
        signing_key.encode(), f"{method}\n{deadline}\n{key}".encode(), hashlib.sha256
    ).hexdigest()
    query = urlencode(
        {"method": method, "expires": deadline, "kid": provider.key_id(), "signature": signature}
    )
    return f"/storage/{key}?{query}"


def raw_request(gas_server, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
    """Send ``target`` byte-for-byte (no client-side ``..`` normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", gas_server.port, timeout=30)
    try:
        conn.request(method, target, body=body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def replace_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    query = {k: v for k, v in query.items() if v != ""}
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_signed_get_and_head(transport: HTTPTransport) -> None:
    url = transport.call("get_cloud_file_url", config_name="cfg", path="dir/obj.bin")["url"]
    got = requests.get(url, timeout=30)
    assert got.status_code == 200 and got.content == CONTENT
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(CONTENT)
    with transport.open_cloud_file("cfg", "dir/obj.bin") as fp:
        assert fp.read() == CONTENT


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "0" * 64},
        {"signature": ""},
        {"expires": str(int(time.time()) + 7200)},
        {"kid": "0123456789abcdef"},
        {"kid": ""},
        {"method": "PUT"},
    ],
    ids=["bad-signature", "no-signature", "other-expiry", "unknown-kid", "no-kid", "other-method"],
)
def test_tampered_urls_are_refused(transport: HTTPTransport, change: dict[str, str]) -> None:
    url = transport.call("get_cloud_file_url", config_name="cfg", path="dir/obj.bin")["url"]
    refused = requests.get(replace_query(url, **change), timeout=30)
    assert refused.status_code == 403
    assert refused.json()["code"] == "Forbidden"
    assert CONTENT not in refused.content


def test_signature_is_bound_to_the_key(transport: HTTPTransport, bucket: Path) -> None:
    (bucket / "dir" / "other.bin").write_bytes(b"other")
    url = transport.call("get_cloud_file_url", config_name="cfg", path="dir/obj.bin")["url"]
    assert requests.get(url.replace("dir/obj.bin", "dir/other.bin"), timeout=30).status_code == 403


def test_expired_url_is_refused(gas_server, signing_key: str, bucket: Path) -> None:
    fresh = signed(signing_key, bucket, "dir/obj.bin", "GET", int(time.time()) + 600)
    assert raw_request(gas_server, "GET", fresh) == (200, CONTENT)
    expired = signed(signing_key, bucket, "dir/obj.bin", "GET", int(time.time()) - 1)
    status, body = raw_request(gas_server, "GET", expired)
    assert status == 403 and CONTENT not in body


def test_put_then_confirm_then_read(gas_server, transport: HTTPTransport, tmp_path: Path) -> None:
    local = tmp_path / "up.bin"
    local.write_bytes(b"uploaded through a signed PUT" * 1000)
    checksum, size = hashlib.sha1(local.read_bytes()).hexdigest(), local.stat().st_size
    transport.call("create_dataset", name="ds")
    transport.call("create_draft", dataset="ds", title="draft")
    files = [{"remotePath": "up.bin", "checksum": checksum, "size": size}]
    [upload] = transport.call("prepare_uploads", dataset="ds", draft_number=1, files=files, sign=True)[
        "uploads"
    ]
    assert upload["status"] == "upload" and upload["url"].startswith(gas_server.storage_url + "/")

    assert requests.get(upload["url"], timeout=30).status_code == 403  # a PUT URL does not read
    transport.put_object("ds", upload, str(local))
    confirm = [{**files[0], "key": upload["key"]}]
    [result] = transport.call("confirm_uploads", dataset="ds", draft_number=1, files=confirm)["results"]
    assert result["status"] == "uploaded"
    with transport.open_data("ds", "up.bin", version="#1") as fp:
        assert fp.read() == local.read_bytes()
    # this dataset's folder only: a kill -9 in another test may leave its own partial file
    dataset_id = transport.call("get_dataset", name="ds")["id"]
    assert not list(gas_server.home.glob(f"storage/datasets/{dataset_id}/**/.tensorbay-partial-*"))


def test_get_url_does_not_write(transport: HTTPTransport, bucket: Path) -> None:
    url = transport.call("get_cloud_file_url", config_name="cfg", path="dir/obj.bin")["url"]
    assert requests.put(url, data=b"overwrite", timeout=30).status_code == 403
    assert (bucket / "dir" / "obj.bin").read_bytes() == CONTENT


@pytest.mark.parametrize(
    "key", ["../outside.txt", "dir/../../outside.txt", "%2e%2e/outside.txt", "/etc/hostname"]
)
def test_dot_dot_never_escapes_the_root(gas_server, signing_key: str, bucket: Path, key: str) -> None:
    outside = bucket.parent / "outside.txt"
    deadline = int(time.time()) + 600
    for method in ("GET", "PUT"):
        status, body = raw_request(
            gas_server,
            method,
            signed(signing_key, bucket, key, method, deadline),
            b"escaped" if method == "PUT" else None,
        )
        assert status in (403, 404), (method, status, body)
        assert b"outside the root" not in body
    assert outside.read_text() == "outside the root"
    assert not (bucket.parent.parent / "outside.txt").exists()


def test_symlink_out_of_the_root_is_refused(gas_server, signing_key: str, bucket: Path) -> None:
    (bucket / "link.txt").symlink_to(bucket.parent / "outside.txt")
    status, body = raw_request(
        gas_server, "GET", signed(signing_key, bucket, "link.txt", "GET", int(time.time()) + 600)
    )
    assert status == 403 and b"outside the root" not in body


def test_local_configs_stay_in_the_allowed_roots(gas_server, tmp_path: Path) -> None:
    transport = HTTPTransport(gas_server.url, gas_server.new_user(tmp_path.name))
    for forbidden in (str(gas_server.home), str(gas_server.home / "storage"), "/etc"):
        with pytest.raises(PermissionDenied, match="--local-root"):
            transport.call("create_storage_config", type="local", name="x", file_path=forbidden, values={})
    assert transport.call("list_storage_configs")["totalCount"] == 0


def test_local_config_gets_the_server_endpoint(gas_server, tmp_path: Path) -> None:
    transport = HTTPTransport(gas_server.url, gas_server.new_user(tmp_path.name))
    config = transport.call(
        "create_storage_config", type="local", name="x", file_path=str(tmp_path), values={}
    )
    assert config["fields"]["endpoint"] == gas_server.storage_url
