"""The HTTP API of ``gas serve``: schema, authentication, error bodies, the admin commands."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tensorbay_core import GAS
from tensorbay_core.api import operations
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.errors import AlreadyExists, AuthenticationError, InvalidArgument, NotFound

from .servers.gas import GasServer


def gas_command() -> str:
    found = shutil.which("gas") or shutil.which("gas", path=str(Path(sys.executable).parent))
    assert found, "the gas command is not installed"
    return found


def test_openapi_has_one_route_per_operation(gas_server) -> None:
    schema = requests.get(f"{gas_server.url}/openapi.json", timeout=30).json()
    routes = {
        body["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, body in methods.items()
    }
    assert routes == {name: (op.method, "/api/v1" + op.path) for name, op in operations().items()}
    assert schema["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Token",
        "description": "an access key from `gas admin create-user`",
    }


def test_missing_or_wrong_key_is_refused(gas_server) -> None:
    missing = requests.get(f"{gas_server.url}/api/v1/datasets", timeout=30)
    assert missing.status_code == 401 and missing.json()["code"] == "Unauthorized"
    assert "X-Token" in missing.json()["message"]
    with pytest.raises(AuthenticationError, match=f"not accepted.*{gas_server.url}"):
        GAS("Accesskey-" + "0" * 32, url=gas_server.url)
    with pytest.raises(AuthenticationError):
        HTTPTransport(gas_server.url, "")


def test_transport_repr_hides_the_key(gas_server) -> None:
    key = gas_server.new_user()
    gas = GAS(key, url=gas_server.url)
    assert key not in repr(gas) and gas_server.url in repr(gas)


def test_error_bodies_are_json_with_a_code(gas_server) -> None:
    key = gas_server.new_user()
    api = f"{gas_server.url}/api/v1"
    headers = {"X-Token": key}
    cases = [
        (
            requests.post(f"{api}/datasets", json={"nam": "x"}, headers=headers, timeout=30),
            400,
            "InvalidParamsValue",
        ),
        (
            requests.post(
                f"{api}/datasets",
                data=b"{not json",
                headers={**headers, "Content-Type": "application/json"},
                timeout=30,
            ),
            400,
            "InvalidParamsValue",
        ),
        (
            requests.get(f"{api}/datasets", params={"limit": "many"}, headers=headers, timeout=30),
            400,
            "InvalidParamsValue",
        ),
        (
            requests.get(f"{api}/datasets", params={"offset": 10**30}, headers=headers, timeout=30),
            400,
            "InvalidParamsValue",
        ),
        (requests.get(f"{api}/datasets/a%00b", headers=headers, timeout=30), 400, "InvalidParamsValue"),
        (requests.get(f"{api}/datasets/nope", headers=headers, timeout=30), 404, "ResourceNotExist"),
        (requests.get(f"{api}/no/such/route", headers=headers, timeout=30), 404, "ResourceNotExist"),
        (requests.put(f"{api}/datasets", headers=headers, timeout=30), 405, "MethodNotAllowed"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.json()["message"]
        assert response.headers["x-request-id"]


def test_both_sides_raise_the_same_classes(gas_server) -> None:
    transport = HTTPTransport(gas_server.url, gas_server.new_user())
    transport.call("create_dataset", name="twice")
    with pytest.raises(AlreadyExists):
        transport.call("create_dataset", name="twice")
    with pytest.raises(NotFound):
        transport.call("get_dataset", name="a/b")
    with pytest.raises(InvalidArgument):
        transport.call("create_dataset", name="bad name!")
    assert transport.call("delete_dataset", name="twice") == {"name": "twice", "leftObjects": 0}


def test_unexpected_error_is_a_500_with_a_request_id(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("broken-server")
    server = GasServer("sqlite:///" + str(home / "gas.db"), home, tmp_path_factory.mktemp("broken-roots"))
    server.start()
    try:
        key = server.new_user()
        with sqlite3.connect(home / "gas.db") as db:  # break the database under the running server
            db.execute("ALTER TABLE datasets RENAME TO datasets_gone")
        response = requests.get(f"{server.url}/api/v1/datasets", headers={"X-Token": key}, timeout=30)
        assert response.status_code == 500
        request_id = response.headers["x-request-id"]
        assert response.json() == {
            "code": "InternalServerError",
            "message": f"internal error, see the server log (request id {request_id})",
        }
        log = server.log_text()
        assert f"request {request_id}: GET /api/v1/datasets failed" in log
        assert "Traceback" in log and "datasets" in log
        assert key not in log
    finally:
        server.stop()


def test_admin_commands(gas_server) -> None:
    name = f"admin-{uuid.uuid4().hex[:8]}"
    where = ["--db", gas_server.db_url, "--home", str(gas_server.home)]
    created = subprocess.run(
        [gas_command(), "admin", "create-user", name, *where],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    first = created.stdout.strip()
    assert first.startswith("Accesskey-") and "shown only this once" in created.stderr
    second = subprocess.run(
        [gas_command(), "admin", "create-key", name, *where],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert second != first
    for key in (first, second):
        assert GAS(key, url=gas_server.url).list_dataset_names() == []
    again = subprocess.run(
        [gas_command(), "admin", "create-user", name, *where], capture_output=True, text=True, timeout=120
    )
    assert again.returncode != 0 and "already exists" in again.stderr and "Accesskey-" not in again.stdout
    unknown = subprocess.run(
        [gas_command(), "admin", "create-key", "nobody-" + name, *where],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode != 0 and "does not exist" in unknown.stderr
