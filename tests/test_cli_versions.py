"""``gas dataset``, ``draft``, ``commit``, ``log`` and ``branch``: real ``gas`` processes, in
both modes (embedded, and a ``gas serve`` after ``gas auth --url``)."""

from __future__ import annotations

import json
from pathlib import Path

from tensorbay_core.dataset import Data, Dataset

from .conftest import GasCli


def _commit(cli: GasCli, tmp_path: Path, name: str, title: str, branch: str = "main") -> str:
    """A commit of one file on ``branch``, made with the SDK (setup, not what is tested)."""
    file = tmp_path / f"{title}.txt"
    file.write_text(title)
    dataset = Dataset(name)
    dataset.create_segment("").append(Data(str(file)))
    return cli.sdk.upload_dataset(dataset, branch_name=branch, quiet=True, commit=title).commit_id or ""


def test_dataset_lists_creates_and_deletes(gas_cli: GasCli) -> None:
    assert gas_cli("dataset", "tb:Pets").stdout == "Created dataset tb:Pets on the default storage\n"
    gas_cli("dataset", "tb:Cars")
    assert gas_cli("dataset").stdout == "tb:Cars\ntb:Pets\n"
    assert json.loads(gas_cli("dataset", "--json").stdout) == ["Cars", "Pets"]
    assert "Deleted dataset tb:Cars" in gas_cli("dataset", "-d", "-y", "tb:Cars").stdout
    assert gas_cli.sdk.list_dataset_names() == ["Pets"]
    refused = gas_cli("dataset", "-d", "tb:Pets", input="n\n", status=1)
    assert "Aborted" in refused.stderr
    assert gas_cli.sdk.list_dataset_names() == ["Pets"]


def test_draft_create_list_edit_close_and_commit(gas_cli: GasCli, tmp_path: Path) -> None:
    gas_cli.sdk.create_dataset("Pets")
    assert gas_cli("draft", "tb:Pets", "-t", "first").stdout == "Created draft tb:Pets#1\n"
    gas_cli("draft", "tb:Pets", "-t", "second")
    gas_cli("draft", "tb:Pets#2", "-e", "-t", "renamed", "--description", "why")
    assert gas_cli("draft", "tb:Pets#2", "--close").stdout == "Closed draft tb:Pets#2\n"
    listed = gas_cli("draft", "-l", "tb:Pets").stdout.split()
    assert listed[:3] == ["#1", "OPEN", "main"] and listed[-1] == "first" and "#2" not in listed
    every = json.loads(gas_cli("draft", "-l", "--all", "--json", "tb:Pets").stdout)
    assert [(d["number"], d["status"], d["title"], d["description"]) for d in every] == [
        (1, "OPEN", "first", ""),
        (2, "CLOSED", "renamed", "why"),
    ]
    committed = gas_cli("commit", "tb:Pets#1", "-m", "initial").stdout
    commit_id = gas_cli.sdk.get_dataset("Pets").commit_id
    assert committed == f"Committed tb:Pets#1 as tb:Pets@{commit_id}\n"
    # Without -m and without a terminal there is no editor to ask: a usage error.
    gas_cli("draft", "tb:Pets", "-t", "third")
    assert "give the commit message with -m" in gas_cli("commit", "tb:Pets#3", status=2).stderr


def test_log_and_branch(gas_cli: GasCli, tmp_path: Path) -> None:
    gas_cli.sdk.create_dataset("Pets")
    first = _commit(gas_cli, tmp_path, "Pets", "initial")
    assert gas_cli("branch", "tb:Pets", "dev").stdout == "Created branch tb:Pets@dev at main\n"
    dev = _commit(gas_cli, tmp_path, "Pets", "on-dev", branch="dev")
    main = _commit(gas_cli, tmp_path, "Pets", "on-main")
    assert gas_cli("branch", "tb:Pets").stdout.split() == ["dev", dev[:7], "main", main[:7]]
    assert (
        gas_cli("log", "--oneline", "tb:Pets").stdout == f"{main[:7]} (main) on-main\n{first[:7]} initial\n"
    )
    assert gas_cli("log", "--oneline", "-n", "1", "tb:Pets@dev").stdout == f"{dev[:7]} (dev) on-dev\n"
    graph = gas_cli("log", "--all", "--graph", "--oneline", "tb:Pets").stdout
    assert graph.splitlines() == [
        f"* {main[:7]} (main) on-main",
        f"| * {dev[:7]} (dev) on-dev",
        "|/",
        f"* {first[:7]} initial",
    ]
    full = gas_cli("log", "tb:Pets").stdout
    assert f"commit {main} (main)" in full and "    on-main" in full and f"commit {first}\n" in full
    history = json.loads(gas_cli("log", "--json", "tb:Pets@dev").stdout)
    assert [c["commitId"] for c in history] == [dev, first]


def test_errors_are_one_line(gas_cli: GasCli) -> None:
    missing = gas_cli("log", "tb:Nope", status=1)
    assert missing.stderr.count("\n") == 1 and "'Nope'" in missing.stderr
    malformed = gas_cli("log", "Pets", status=2)
    assert "is not a TBRN: write tb:<dataset>" in malformed.stderr
    gas_cli.sdk.create_dataset("Pets")
    assert "commit changes a draft" in gas_cli("commit", "tb:Pets", "-m", "x", status=2).stderr
