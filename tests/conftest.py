"""Fixtures for the SDK test suite, which runs in both modes: embedded and HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tensorbay_core import GAS


@pytest.fixture(params=["embedded", "http"])
def mode(request: pytest.FixtureRequest) -> str:
    """Which transport the test's GAS uses."""
    return str(request.param)


@pytest.fixture
def gas_options(mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """What reaches a fresh namespace: its own TENSORBAY_HOME (``home``), or the ``access_key``
    and ``url`` of its own user on `gas serve` (named after ``tmp_path``, which is therefore
    the user's local area). Also the ``storage_options`` of ``tb://``."""
    if mode == "embedded":
        return {"home": str(tmp_path / "home")}
    server = request.getfixturevalue("gas_server")
    return {"access_key": server.new_user(tmp_path.name), "url": server.url}


@pytest.fixture
def gas(gas_options: dict[str, str]) -> GAS:
    """A GAS with a fresh namespace (see ``gas_options``)."""
    if "url" in gas_options:
        return GAS(gas_options["access_key"], url=gas_options["url"])
    return GAS("Accesskey-embedded", home=gas_options["home"])


@pytest.fixture
def endpoint(mode: str, request: pytest.FixtureRequest) -> str:
    """The endpoint a local storage config names: none in embedded mode (file:// URLs), the
    server's storage route in HTTP mode."""
    if mode == "embedded":
        return ""
    return str(request.getfixturevalue("gas_server").storage_url)


@dataclass
class GasCli:
    """The real ``gas`` command in a subprocess, with its own HOME (so its own ~/.gasconfig)
    and TENSORBAY_HOME; ``sdk`` is a GAS on the same namespace, to set up and check state."""

    home: Path
    env: dict[str, str]
    sdk: GAS
    url: str = ""

    def __call__(
        self, *args: str, input: str | None = None, status: int = 0
    ) -> subprocess.CompletedProcess[str]:
        """Run ``gas ARGS``; fail unless it exits with ``status``."""
        script = Path(sys.executable).with_name("gas")
        done = subprocess.run(
            [str(script), *args], input=input, capture_output=True, text=True, env=self.env, timeout=300
        )
        assert done.returncode == status, (
            f"gas {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
        return done

    @property
    def gasconfig(self) -> Path:
        return self.home / ".gasconfig"


@pytest.fixture
def gas_cli(mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> GasCli:
    """``gas`` on the embedded default, or on the session's ``gas serve`` after
    ``gas auth KEY --url URL`` (a user named after ``tmp_path``, whose local area it is)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "TENSORBAY_HOME": str(tmp_path / "tensorbay")}
    if mode == "embedded":
        return GasCli(home, env, GAS("Accesskey-embedded", home=env["TENSORBAY_HOME"]))
    server = request.getfixturevalue("gas_server")
    key = server.new_user(tmp_path.name)
    cli = GasCli(home, env, GAS(key, url=server.url), server.url)
    cli("auth", key, "--url", server.url)
    return cli
