"""Logs, signed URLs and files of ``gas serve`` keep secrets in (issue 11, item 7)."""

from __future__ import annotations

import hashlib
import hmac
import stat
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tensorbay_core.builtins.local.provider import LocalProvider
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.errors import InvalidArgument
from tensorbay_core.storage import create_provider

from .servers.gas import GasServer, own_server
from .test_server_api import gas_command

WEEK = 7 * 24 * 3600


def local_user(server: GasServer, area: Path) -> tuple[str, HTTPTransport]:
    """A user named after ``area`` (its directory under the local root) with config ``cfg`` on it."""
    transport = HTTPTransport(server.url, server.new_user(area.name))
    (area / "f.bin").write_bytes(b"bytes")
    transport.call("create_storage_config", type="local", name="cfg", file_path=str(area), values={})
    return area.name, transport


def test_signed_urls_live_at_most_seven_days(gas_server: GasServer, tmp_path: Path) -> None:
    name, transport = local_user(gas_server, tmp_path)
    url = transport.call("get_cloud_file_url", config_name="cfg", path="f.bin", expires=WEEK)["url"]
    assert requests.get(url, timeout=30).content == b"bytes"
    with pytest.raises(InvalidArgument, match="7 days"):
        transport.call("get_cloud_file_url", config_name="cfg", path="f.bin", expires=10**9)

    # a URL someone signed with the config's key for longer than a week is refused anyway
    key = gas_server.stored_values(name, "cfg")["signing_key"]
    provider = create_provider("local", "cfg", str(tmp_path), {"signing_key": key})
    assert isinstance(provider, LocalProvider)
    deadline = int(time.time()) + 10**9
    signature = hmac.new(key.encode(), f"GET\n{deadline}\nf.bin".encode(), hashlib.sha256).hexdigest()
    query = urlencode(
        {"method": "GET", "expires": deadline, "kid": provider.key_id(), "signature": signature}
    )
    assert requests.get(f"{gas_server.storage_url}/f.bin?{query}", timeout=30).status_code == 403


def test_debug_log_holds_no_signature_token_or_secret(
    tmp_path_factory: pytest.TempPathFactory, s3_bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("tensorbay_s3")
    token = f"TOKEN-{uuid.uuid4().hex}"
    monkeypatch.setenv("TENSORBAY_ALLOW_ENDPOINTS", "127.0.0.1")  # moto
    with own_server(tmp_path_factory, "debug-log", "--log-level", "debug") as server:
        key = server.new_user()
        transport = HTTPTransport(server.url, key)
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key="data/f.bin", Body=b"bytes")
        transport.call(
            "create_storage_config",
            type="s3",
            name="s3",
            file_path="data",
            values={
                "endpoint": s3_bucket.endpoint,
                "accesskey_id": s3_bucket.key_id,
                "accesskey_secret": s3_bucket.secret,
                "bucket_name": s3_bucket.name,
                "session_token": token,
            },
        )
        url = transport.call("get_cloud_file_url", config_name="s3", path="data/f.bin")["url"]
        assert transport.call("list_cloud_files", config_name="s3", prefix="data/")["files"]
        signature = parse_qs(urlsplit(url).query)["X-Amz-Signature"][0]
        log = server.log_text()
    assert "DEBUG" in log, "the server should log at debug level"
    for leaked in (token, s3_bucket.secret, signature, key):
        assert leaked not in log


def test_a_new_server_home_is_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    subprocess.run(
        [
            gas_command(),
            "admin",
            "create-user",
            "alice",
            "--home",
            str(home),
            "--db",
            f"sqlite:///{home}/gas.db",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for made in (home / "gas.db", home / "secret.key"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made


def test_stored_objects_are_private(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    with own_server(tmp_path_factory, "private") as server:
        transport = HTTPTransport(server.url, server.new_user())
        transport.call("create_dataset", name="ds")
        transport.call("create_draft", dataset="ds", title="draft")
        local = tmp_path / "up.bin"
        local.write_bytes(b"private bytes")
        files = [{"remotePath": "up.bin", "checksum": hashlib.sha1(b"private bytes").hexdigest(), "size": 13}]
        [upload] = transport.call("prepare_uploads", dataset="ds", draft_number=1, files=files, sign=True)[
            "uploads"
        ]
        transport.put_object("ds", upload, str(local))
        made = [server.home / "gas.db", *server.home.glob("storage/**/*")]
    assert any(p.is_file() and p.read_bytes() == b"private bytes" for p in made)
    for path in made:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
