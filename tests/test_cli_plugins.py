"""``gas plugins``: what is installed, where it comes from, and the fields a config takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tensorbay_core import __version__
from tensorbay_core.cli import main


def test_lists_the_builtin_local_provider() -> None:
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"local  (tensorbay-core {__version__})" in lines
    start = lines.index(f"local  (tensorbay-core {__version__})")
    block = "\n".join(lines[start : start + 5])
    assert "file_path    required            the absolute path of the directory" in block
    assert "endpoint     optional            base URL where `gas serve` serves this directory" in block
    assert "signing_key  optional, secret, made by the service  key for signing URLs" in block


def test_json_output() -> None:
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listed = {p["type"]: p for p in json.loads(result.stdout)["providers"]}
    local = listed["local"]
    assert (local["distribution"], local["version"]) == ("tensorbay-core", __version__)
    assert local["fields"] == [
        {
            "name": "endpoint",
            "required": False,
            "secret": False,
            "type": "str",
            "help": "base URL where `gas serve` serves this directory",
            "generated": False,
        },
        {
            "name": "signing_key",
            "required": False,
            "secret": True,
            "type": "str",
            "help": "key for signing URLs",
            "generated": True,
        },
    ]


def test_the_console_script_runs() -> None:
    script = Path(sys.executable).with_name("gas")
    command = [str(script)] if script.exists() else ["gas"]
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120, check=True)
    assert "plugins" in result.stdout
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120, check=True)
    assert __version__ in version.stdout
