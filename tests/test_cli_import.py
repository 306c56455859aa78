"""``gas import``: the seed's whole import flow as one command, in both modes."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import GasCli
from .sdk_data import image_bytes, label_json, make_bucket, read_all


def test_import_with_labels_and_commit(gas_cli: GasCli, tmp_path: Path) -> None:
    bucket = make_bucket(tmp_path / "bucket", 4)
    (bucket / "data" / "labels" / "0003.json").unlink()
    gas_cli("storage", "create", "local", "bucket", "--file-path", str(bucket))
    imported = gas_cli(
        "import",
        "bucket:data/images/",
        "tb:Seed",
        "--labels",
        "bucket:data/labels/",
        "-j",
        "2",
        "-m",
        "initial",
    )
    commit_id = gas_cli.sdk.get_dataset("Seed").commit_id
    assert imported.stdout == (
        f"Created dataset tb:Seed on storage config 'bucket'\nImported 4 files into tb:Seed@{commit_id}\n"
    )
    assert "warning: 1 file without a label file of the same stem" in imported.stderr
    assert read_all(gas_cli.sdk, "Seed") == {f"/{i:04d}.png": image_bytes(i) for i in range(4)}
    listed = json.loads(gas_cli("ls", "-a", "--json", "tb:Seed").stdout)
    assert [row["label"] for row in listed] == [{"CLASSIFICATION": label_json(i)} for i in range(3)] + [{}]


def test_import_into_a_draft_then_resume(gas_cli: GasCli, tmp_path: Path) -> None:
    bucket = make_bucket(tmp_path / "bucket", 3)
    (bucket / "bad").mkdir()
    (bucket / "bad" / "0001.json").write_text("{not json")
    gas_cli("storage", "create", "local", "bucket", "--file-path", str(bucket))
    gas_cli.sdk.create_dataset("Seed")
    malformed = gas_cli("import", "bucket:data/images/", "tb:Seed", "--labels", "bucket:bad/", status=1)
    assert malformed.stderr.startswith("Error: label file bad/0001.json: ")
    first = gas_cli("import", "bucket:data/images/", "tb:Seed", "-s", "train")
    assert first.stdout == "Imported 3 files into tb:Seed#1\n"
    assert "Publish them with: gas commit tb:Seed#1 -m MESSAGE" in first.stderr
    again = gas_cli("import", "bucket:data/images/", "tb:Seed#1", "-s", "train", "--skip-uploaded-files")
    assert again.stdout == "Imported 3 files into tb:Seed#1\n"
    assert (
        "no files under bucket:nothing/" in gas_cli("import", "bucket:nothing/", "tb:Seed", status=1).stderr
    )
    assert "write CONFIG:PREFIX" in gas_cli("import", "bucket", "tb:Seed", status=2).stderr
    gas_cli("commit", "tb:Seed#1", "-m", "import")
    assert sorted(read_all(gas_cli.sdk, "Seed")) == ["train/0000.png", "train/0001.png", "train/0002.png"]
