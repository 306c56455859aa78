"""Azurite, Microsoft's Azure Storage emulator, for tests: one blob service per session.

Azurite comes from npm: ``package.json`` beside this file pins it. It runs with
``--disableTelemetry``: a test run reaches no server but its own. When ``node_modules``
is missing the fixture installs it (``npm ci``); it skips only when npm is not there.

- ``azurite`` (session): ``Azurite`` with ``endpoint``
  (``http://127.0.0.1:<port>/devstoreaccount1``), the emulator's well-known
  ``account_name`` and ``account_key``, and a ``connection_string``.
- ``azure_container`` (function): a fresh, empty ``AzureContainer`` (``azurite``,
  ``name``, a sync azure-storage-blob ``client`` for it), deleted after the test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

HERE = Path(__file__).parent
ACCOUNT_NAME = "devstoreaccount1"
#: Azurite's documented development key; it opens nothing but the emulator.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Azurite:
    """A running Azurite blob service and its account."""

    endpoint: str
    account_name: str = ACCOUNT_NAME
    account_key: str = ACCOUNT_KEY

    @property
    def connection_string(self) -> str:
        return f"AccountName={self.account_name};AccountKey={self.account_key};BlobEndpoint={self.endpoint}"


@dataclass(frozen=True)
class AzureContainer:
    """A fresh container on Azurite."""

    azurite: Azurite
    name: str
    client: Any


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _azurite_blob() -> Path:
    """The ``azurite-blob`` command, installed from package.json first if needed."""
    command = HERE / "node_modules" / ".bin" / "azurite-blob"
    if command.exists():
        return command
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(
            "Azurite is not installed and npm is missing: install Node.js, then `npm ci` in tests/servers"
        )
    install = "ci" if (HERE / "package-lock.json").exists() else "install"
    done = subprocess.run(
        [npm, install, "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0 or not command.exists():
        raise RuntimeError(f"`npm {install}` in {HERE} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return command


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """An Azurite blob service on a free port, for the whole session."""
    command = _azurite_blob()
    location = tmp_path_factory.mktemp("azurite")
    port = _free_port()
    server = Azurite(f"http://127.0.0.1:{port}/{ACCOUNT_NAME}")
    log_path = location / "azurite.log"
    args = [
        str(command), "--skipApiVersionCheck", "--loose", "--blobHost", "127.0.0.1",
        "--blobPort", str(port), "--location", str(location), "--silent", "--disableTelemetry",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"Azurite exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            try:
                requests.get(f"{server.endpoint}?comp=list", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Azurite did not answer within {START_TIMEOUT:.0f} s") from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def azure_container(azurite: Azurite) -> Iterator[AzureContainer]:
    """A fresh, empty container; deleted after the test."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    client = service.create_container(f"tb-{uuid.uuid4().hex[:16]}")
    try:
        yield AzureContainer(azurite, client.container_name, client)
    finally:
        client.delete_container()
