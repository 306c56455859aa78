"""``gas storage``: configs from the command line, in both modes, and their secrets kept out of
everything the CLI writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import GasCli


def test_storage_commands(gas_cli: GasCli, tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "0001.png").write_bytes(b"png")
    created = gas_cli("storage", "create", "local", "raw", "--file-path", str(folder))
    assert created.stdout == f"Created storage config 'raw' (local, {folder})\n"
    assert gas_cli("storage", "list").stdout.split() == ["raw", "local", str(folder), "ok"]
    shown = json.loads(gas_cli("storage", "show", "--json", "raw").stdout)
    assert (shown["name"], shown["type"], shown["file_path"], shown["available"]) == (
        "raw",
        "local",
        str(folder),
        True,
    )
    assert "signing_key" not in shown["fields"]
    assert gas_cli("storage", "check", "raw").stdout == "Storage config 'raw' (local) is reachable\n"
    assert "unknown setting" not in gas_cli("storage", "show", "nope", status=1).stderr
    unknown = gas_cli(
        "storage", "create", "local", "bad", "--file-path", str(folder), "--colour", "red", status=1
    )
    assert unknown.stderr.startswith("Error: ") and "colour" in unknown.stderr
    gas_cli("storage", "delete", "raw", input="n\n", status=1)
    assert gas_cli("storage", "delete", "-y", "raw").stdout == "Deleted storage config 'raw'\n"
    assert json.loads(gas_cli("storage", "list", "--json").stdout) == []


def test_a_secret_never_appears(gas_cli: GasCli, s3_bucket: Any, request: Any) -> None:
    """Given at the prompt, in the environment or (with a warning) as a flag, the secret is in
    no output, not in ~/.gasconfig nor any other file under HOME (history files included),
    and not in the server's log."""
    secret = s3_bucket.secret
    base = ["storage", "create", "s3"]
    fields = ["--file-path", "tb", "--endpoint", s3_bucket.endpoint, "--bucket-name", s3_bucket.name]
    fields += ["--accesskey-id", s3_bucket.key_id]
    outputs = []
    prompted = gas_cli(*base, "prompted", *fields, input=secret + "\n")
    assert "accesskey_secret (not shown)" in prompted.stderr
    outputs.append(prompted)
    gas_cli.env["GAS_STORAGE_ACCESSKEY_SECRET"] = secret
    outputs.append(gas_cli(*base, "from-env", *fields))
    del gas_cli.env["GAS_STORAGE_ACCESSKEY_SECRET"]
    flagged = gas_cli(*base, "flagged", *fields, "--accesskey-secret", secret)
    assert "warning: --accesskey_secret on the command line is visible" in flagged.stderr
    outputs.append(flagged)
    outputs += [gas_cli("storage", "list", "--json"), gas_cli("storage", "show", "prompted")]
    outputs.append(gas_cli("storage", "check", "from-env"))
    for done in outputs:
        assert secret not in done.stdout + done.stderr
    assert gas_cli.gasconfig.exists() == bool(gas_cli.url)
    for file in gas_cli.home.rglob("*"):
        if file.is_file():
            assert secret.encode() not in file.read_bytes(), file
    if gas_cli.url:
        assert secret not in request.getfixturevalue("gas_server").log_text()
