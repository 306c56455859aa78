"""Schemathesis, stateful: chains of operations through the schema's OpenAPI links find no 5xx.

The links (``server.api.openapi_links``) carry a created dataset's name, config's name and
draft's number into the operations that take them, so the calls reach real resources
instead of stopping at 404s.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests


def run_schemathesis(
    gas_server: Any, tmp_path: Path, key: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """Schemathesis against the server's OpenAPI as the user of ``key``: no 5xx, answers as
    the schema says, a fixed seed."""
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st, "schemathesis is not installed"
    return subprocess.run(
        [
            st,
            "run",
            f"{gas_server.url}/openapi.json",
            "--header",
            f"X-Token: {key}",
            *options,
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--generation-database",
            "none",
            "--seed",
            "20240601",
            "--no-color",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )


def test_schemathesis_finds_no_server_error(gas_server, tmp_path: Path) -> None:
    key = gas_server.new_user()
    run = run_schemathesis(gas_server, tmp_path, key, "--max-examples", "20")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert key not in gas_server.log_text()


def test_stateful_schemathesis_finds_no_server_error(gas_server, tmp_path: Path) -> None:
    key = gas_server.new_user()
    run = run_schemathesis(
        gas_server, tmp_path, key, "--phases", "stateful", "--max-examples", "100", "--workers", "1"
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    covered = re.search(r"API Links:\s+(\d+) covered", run.stdout)
    assert covered and int(covered.group(1)) > 0, (
        "the stateful phase should follow links:\n" + run.stdout[-3000:]
    )
    assert key not in gas_server.log_text()


def test_the_schema_links_creations_to_their_users(gas_server) -> None:
    schema = requests.get(f"{gas_server.url}/openapi.json", timeout=30).json()
    links = schema["paths"]["/api/v1/datasets/{dataset}/drafts"]["post"]["responses"]["200"]["links"]
    assert links["commit"] == {
        "operationId": "commit",
        "parameters": {"path.dataset": "$request.path.dataset"},
        "requestBody": {"draft_number": "$response.body#/number"},
    }
    created = schema["paths"]["/api/v1/datasets"]["post"]["responses"]["200"]["links"]
    assert created["get_dataset"]["parameters"] == {"path.name": "$response.body#/name"}
