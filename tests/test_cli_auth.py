"""``gas auth`` and ``gas -p``: the same commands on the embedded default and on a server."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import GasCli


def test_auth_profiles(gas_cli: GasCli, gas_server: Any, tmp_path: Path) -> None:
    shown = json.loads(gas_cli("auth", "--get", "--json").stdout)
    assert shown == [{"profile": "default", "url": gas_cli.url, "accessKey": shown[0]["accessKey"]}]
    # A second profile on the server: the same command, elsewhere.
    key = gas_server.new_user(f"{tmp_path.name}-team")
    gas_cli("-p", "team", "auth", key, "--url", gas_server.url)
    assert stat.S_IMODE(gas_cli.gasconfig.stat().st_mode) == 0o600
    gas_cli("-p", "team", "dataset", "tb:Shared")
    assert gas_cli("-p", "team", "ls").stdout == "tb:Shared\n"
    assert "tb:Shared" not in gas_cli("ls").stdout
    listed = gas_cli("auth", "--get", "--all").stdout
    assert "team" in listed and gas_server.url in listed and key not in listed
    # A wrong key is refused and not saved.
    refused = gas_cli("-p", "bad", "auth", "Accesskey-wrong", "--url", gas_server.url, status=1)
    assert refused.stderr.startswith("Error: ") and "[profile bad]" not in gas_cli.gasconfig.read_text()
    assert "no profile 'bad'" in gas_cli("-p", "bad", "ls", status=1).stderr
    gas_cli("-p", "team", "auth", "--unset")
    assert "[profile team]" not in gas_cli.gasconfig.read_text()


def test_auth_with_a_prompted_key_and_unset_all(gas_cli: GasCli) -> None:
    """The key asked for (not echoed) when not given; unsetting every profile goes back to
    the embedded default."""
    gas_cli("dataset", "tb:Default")
    key = "Accesskey-prompted-0123456789abcdef"
    done = gas_cli("-p", "local", "auth", input=key + "\n")
    assert key not in done.stdout + done.stderr
    assert "embedded" in gas_cli("-p", "local", "auth", "--get").stdout
    gas_cli("auth", "--unset", "--all")
    assert not gas_cli.gasconfig.read_text().strip()
    embedded = gas_cli.url == ""
    assert ("tb:Default" in gas_cli("dataset").stdout) == embedded


def test_config_settings(gas_cli: GasCli) -> None:
    gas_cli("config", "editor", "nano")
    assert gas_cli("config", "editor").stdout == "nano\n"
    assert gas_cli("config").stdout == "editor  nano\n"
    assert "unknown setting 'colour'" in gas_cli("config", "colour", "on", status=2).stderr
    gas_cli("config", "-u", "editor")
    assert gas_cli("config").stdout == ""


def test_a_command_against_a_server_does_not_load_the_service(gas_cli: GasCli, gas_server: Any) -> None:
    """The commands import the SDK when they run, and the SDK imports the service only in
    embedded mode: `gas ls` against a server pays for neither the service nor SQLAlchemy."""
    key = gas_server.new_user(f"{gas_cli.home.parent.name}-remote")
    gas_cli("-p", "remote", "auth", key, "--url", gas_server.url)
    code = (
        "import sys\n"
        "from tensorbay_core.cli import main\n"
        "try:\n    main(['-p', 'remote', 'ls'])\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tensorbay_core.service', 'sqlalchemy'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=gas_cli.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
