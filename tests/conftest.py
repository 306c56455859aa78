"""Fixtures for the SDK test suite, which runs in both modes: embedded and HTTP."""

from __future__ import annotations

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
