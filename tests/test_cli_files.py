"""``gas ls``, ``gas cp`` and ``gas rm``: real ``gas`` processes, in both modes."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import GasCli
from .sdk_data import read_all


def _folder(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"a" * 2048)
    (root / "sub" / "b.txt").write_bytes(b"bb")
    return root


def test_cp_ls_rm(gas_cli: GasCli, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "files")
    gas_cli.sdk.create_dataset("Pets")
    gas_cli("draft", "tb:Pets", "-t", "upload")
    assert "is a directory: copy it with -r" in gas_cli("cp", str(folder), "tb:Pets#1:train", status=2).stderr
    copied = gas_cli("cp", "-r", "-j", "2", str(folder), "tb:Pets#1:train")
    assert copied.stdout == "Uploaded 2 files to tb:Pets#1:train\n"
    gas_cli("cp", str(folder / "a.txt"), "tb:Pets#1:://renamed.txt")
    # Resuming skips what the draft holds.
    gas_cli("cp", "-r", "--skip-uploaded-files", str(folder), "tb:Pets#1:train")
    assert gas_cli("ls", "tb:Pets#1").stdout == "tb:Pets#1:\ntb:Pets#1:train\n"
    long_ = gas_cli("ls", "-l", "tb:Pets#1:train").stdout.splitlines()
    assert long_[0].startswith("2.0K  ") and long_[0].endswith("  tb:Pets#1:train://a.txt")
    assert long_[1].startswith("2B    ") and long_[1].endswith("  tb:Pets#1:train://sub/b.txt")
    assert long_[2] == "2 files, 2.0K"
    assert gas_cli("ls", "tb:Pets#1:train://sub/").stdout == "tb:Pets#1:train://sub/b.txt\n"
    listed = json.loads(gas_cli("ls", "-a", "--json", "tb:Pets#1").stdout)
    assert [(row["tbrn"], row["size"]) for row in listed] == [
        ("tb:Pets#1:://renamed.txt", 2048),
        ("tb:Pets#1:train://a.txt", 2048),
        ("tb:Pets#1:train://sub/b.txt", 2),
    ]

    assert "remove it with -r" in gas_cli("rm", "tb:Pets#1:train", status=2).stderr
    assert gas_cli("rm", "tb:Pets#1:train://a.txt").stdout == "Removed 1 file from tb:Pets#1:train://a.txt\n"
    gas_cli("rm", "-r", "tb:Pets#1:")
    gas_cli("commit", "tb:Pets#1", "-m", "files")
    assert read_all(gas_cli.sdk, "Pets") == {"train/sub/b.txt": b"bb"}


def test_ls_lists_datasets_and_reads_the_latest_commit(gas_cli: GasCli, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "files")
    assert gas_cli("ls").stdout == ""
    gas_cli.sdk.create_dataset("Pets")
    gas_cli("cp", str(folder / "a.txt"), "tb:Pets:")
    # A dataset with only a draft says where its data is, instead of listing nothing.
    hint = gas_cli("ls", "tb:Pets", status=1).stderr
    assert "has no commit yet: read its draft with tb:Pets#1" in hint
    gas_cli("commit", "tb:Pets#1", "-m", "first")
    assert gas_cli("ls").stdout == "tb:Pets\n"
    assert gas_cli("ls", "-a", "tb:Pets").stdout == "tb:Pets:://a.txt\n"
    assert json.loads(gas_cli("ls", "--json").stdout) == [{"tbrn": "tb:Pets"}]
