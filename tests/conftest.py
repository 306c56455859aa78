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
def gas(mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> GAS:
    """A GAS with a fresh namespace: its own TENSORBAY_HOME, or its own user on `gas serve`
    (named after ``tmp_path``, which is therefore the user's local area)."""
    if mode == "embedded":
        return GAS("Accesskey-embedded", home=str(tmp_path / "home"))
    server = request.getfixturevalue("gas_server")
    return GAS(server.new_user(tmp_path.name), url=server.url)


@pytest.fixture
def endpoint(mode: str, request: pytest.FixtureRequest) -> str:
    """The endpoint a local storage config names: none in embedded mode (file:// URLs), the
    server's storage route in HTTP mode."""
    if mode == "embedded":
        return ""
    return str(request.getfixturevalue("gas_server").storage_url)
