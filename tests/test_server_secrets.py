"""What never leaves the server: config secrets, access keys, URL signatures, the secret key."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import create_engine, select

from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.errors import InvalidConfig
from tensorbay_core.service.store import metadata


def database_text(db_url: str) -> str:
    """Every row of every table of the server's database, as text."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return "\n".join(
                repr(row) for table in metadata.sorted_tables for row in conn.execute(select(table))
            )
    finally:
        engine.dispose()


@pytest.fixture
def secret() -> str:
    return f"SECRET-{uuid.uuid4().hex}"


def s3_values(s3_bucket, secret: str) -> dict[str, str]:
    """The fields of an s3 config on the test bucket whose secret key is ``secret`` (moto
    takes any credentials)."""
    return {
        "endpoint": s3_bucket.endpoint,
        "accesskey_id": s3_bucket.key_id,
        "accesskey_secret": secret,
        "bucket_name": s3_bucket.name,
    }


def test_config_secrets_are_never_returned(gas_server, s3_bucket, secret: str) -> None:
    transport = HTTPTransport(gas_server.url, gas_server.new_user())
    created = transport.call(
        "create_storage_config", type="s3", name="cfg", file_path="", values=s3_values(s3_bucket, secret)
    )
    shown = [
        created,
        transport.call("get_storage_config", name="cfg"),
        transport.call("list_storage_configs"),
    ]
    assert secret not in json.dumps(shown)
    assert "accesskey_secret" not in json.dumps(shown)
    assert created["name"] == "cfg" and created["type"] == "s3"


def test_errors_do_not_echo_secrets(gas_server, tmp_path: Path, secret: str) -> None:
    key = gas_server.new_user(tmp_path.name)
    transport = HTTPTransport(gas_server.url, key)
    for values in ({"signing_key": secret, "no_such_field": secret}, {"signing_key": secret}):
        with pytest.raises(InvalidConfig) as refused:
            transport.call(
                "create_storage_config", type="local", name="cfg", file_path=str(tmp_path), values=values
            )
        assert secret not in str(refused.value)
    # a body that does not fit the schema: the 400 names the field, never the input
    response = requests.post(
        f"{gas_server.url}/api/v1/storage-configs",
        json={"type": "local", "name": "cfg", "file_path": str(tmp_path), "values": secret},
        headers={"X-Token": key},
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["code"] == "InvalidParamsValue"
    assert secret not in response.text and "values" in response.json()["message"]


def test_nothing_secret_in_the_database_or_the_log(
    gas_server, s3_bucket, tmp_path: Path, secret: str
) -> None:
    key = gas_server.new_user(tmp_path.name)
    transport = HTTPTransport(gas_server.url, key)
    transport.call(
        "create_storage_config", type="s3", name="cfg", file_path="", values=s3_values(s3_bucket, secret)
    )
    transport.call("create_storage_config", type="local", name="disk", file_path=str(tmp_path), values={})
    signing_key = gas_server.stored_values(tmp_path.name, "disk")["signing_key"]
    (tmp_path / "f.bin").write_bytes(b"bytes")
    url = transport.call("get_cloud_file_url", config_name="disk", path="f.bin")["url"]
    assert requests.get(url, timeout=30).content == b"bytes"
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    with pytest.raises(InvalidConfig):
        transport.call(
            "create_storage_config",
            type="s3",
            name="bad",
            file_path="",
            values={**s3_values(s3_bucket, secret), "no_such_field": 1},
        )

    stored = database_text(gas_server.db_url)
    assert "cfg" in stored, "the dump should see the config row"
    for hidden in (secret, signing_key):
        assert hidden not in stored
    assert key not in stored, "access keys are stored only as hashes"
    if gas_server.db_url.startswith("sqlite"):
        for file in gas_server.home.glob("gas.db*"):
            assert secret.encode() not in file.read_bytes()

    log = gas_server.log_text()
    assert "GET /storage/" in log, "the access log should show the storage request"
    for leaked in (secret, signing_key, key, signature):
        assert leaked not in log


def test_secret_key_file_is_private(gas_server) -> None:
    key_file = gas_server.home / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().strip() not in gas_server.log_text().encode()
