"""The API contract (``tensorbay_core.api``): implemented by the service, typed for the client,
and all an HTTP-only client needs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tensorbay_core.api import implementation_problems, operations
from tensorbay_core.service import Service

REPO = Path(__file__).resolve().parents[1]


def test_the_service_implements_every_operation_as_declared() -> None:
    assert implementation_problems(Service) == []
    assert len(operations()) >= 37


def test_a_service_that_drifts_from_the_contract_is_caught() -> None:
    class Drifted(Service):
        def get_dataset(self, user: int, dataset_name: str) -> None:  # type: ignore[override]
            raise AssertionError

    assert implementation_problems(Drifted) == [
        "get_dataset: parameters [('dataset_name', <class 'inspect._empty'>)] are not the contract's "
        "[('name', <class 'inspect._empty'>)]"
    ]


HTTP_ONLY = """
import sys
from tensorbay_core.client.http import HTTPTransport

transport = HTTPTransport(sys.argv[1], sys.argv[2])
transport.api.create_dataset("only-http")
assert transport.api.list_dataset_names()["names"] == ["only-http"]
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "fastapi", "cryptography", "uvicorn"})
print(",".join(loaded) or "none")
"""


def test_an_http_only_client_imports_no_service_or_server_library(gas_server) -> None:
    done = subprocess.run(
        [sys.executable, "-c", HTTP_ONLY, gas_server.url, gas_server.new_user()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


@pytest.mark.parametrize(
    ("call", "wrong"),
    [
        ('api.create_dataset("ok", alias="x")', False),
        ('api.create_dataset(nme="x")', True),  # a parameter the operation does not have
        ('api.create_datasets("x")', True),  # an operation the contract does not have
        ('api.list_data("ds", version=3)', True),  # a parameter of the wrong type
        ('x: int = api.get_dataset("ds")["name"]', True),  # a record key of another type
    ],
)
def test_calls_are_checked_by_mypy_against_the_contract(tmp_path: Path, call: str, wrong: bool) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        textwrap.dedent(
            f"""
            from tensorbay_core.client.transport import Transport


            def use(transport: Transport) -> None:
                api = transport.api
                {call}
            """
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--config-file",
            str(REPO / "pyproject.toml"),
            str(snippet),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        check=False,
    )
    assert (done.returncode != 0) == wrong, done.stdout


def test_gas_serve_without_the_server_extra_says_what_to_install(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    (blocked / "fastapi").mkdir(parents=True)
    (blocked / "fastapi" / "__init__.py").write_text("raise ImportError('not installed', name='fastapi')\n")
    gas = Path(sys.executable).with_name("gas")
    env = {**os.environ, "PYTHONPATH": str(blocked)}
    help_text = subprocess.run([str(gas), "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert help_text.returncode == 0 and "serve" in help_text.stdout
    served = subprocess.run(
        [str(gas), "serve", "--home", str(tmp_path / "home")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert served.returncode == 1
    assert "pip install 'tensorbay-core[server]'" in served.stderr
