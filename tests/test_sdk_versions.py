"""Local uploads, drafts and commits, byte-exact versions, deletion — in both modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import AlreadyExists, Conflict, DataChanged, InvalidArgument, NotFound, StatusError
from tensorbay_core.label import Classification

from .sdk_data import make_bucket, read_all


def local_dataset(folder: Path, name: str, contents: dict[str, bytes], segment: str = "train") -> Dataset:
    folder.mkdir(parents=True, exist_ok=True)
    dataset = Dataset(name)
    seg = dataset.create_segment(segment)
    for file_name, body in contents.items():
        path = folder / file_name
        path.write_bytes(body)
        data = Data(str(path))
        data.label.classification = Classification.loads({"category": file_name.split(".")[0]})
        seg.append(data)
    return dataset


def test_versions_stay_byte_exact(gas: GAS, tmp_path: Path) -> None:
    gas.create_dataset("Versions")
    first = local_dataset(tmp_path / "v1", "Versions", {"a.bin": b"first a", "b.bin": b"first b"})
    client = gas.upload_dataset(first, jobs=2, quiet=True)
    commit1 = client.commit("v1")

    second = local_dataset(tmp_path / "v2", "Versions", {"a.bin": b"second a", "c.bin": b"third c"})
    client2 = gas.upload_dataset(second, jobs=2, quiet=True, commit="v2")
    assert client2.commit_id != commit1

    assert read_all(gas, "Versions", revision=commit1) == {
        "train/a.bin": b"first a",
        "train/b.bin": b"first b",
    }
    assert read_all(gas, "Versions") == {
        "train/a.bin": b"second a",
        "train/b.bin": b"first b",
        "train/c.bin": b"third c",
    }
    assert [c["title"] for c in gas.get_dataset("Versions").list_commits()] == ["v2", "v1"]
    labels = {d.path: d.label.classification.category for d in Dataset("Versions", gas)[0]}
    assert labels == {"a.bin": "a", "b.bin": "b", "c.bin": "c"}


def test_reads_default_to_latest_commit_and_warn_about_drafts(gas: GAS, tmp_path: Path) -> None:
    gas.create_dataset("Pending")
    client = gas.upload_dataset(local_dataset(tmp_path, "Pending", {"x.bin": b"x"}), quiet=True)
    with pytest.warns(UserWarning, match=r"no commit yet.*draft"):
        assert gas.get_dataset("Pending").list_segment_names() == []
    reader = gas.get_dataset("Pending")
    reader.checkout(draft_number=client.draft_number)
    assert reader.list_segment_names() == ["train"]
    with pytest.raises(StatusError):
        gas.get_dataset("Pending").create_segment("other")


def test_commit_conflict_when_branch_moved(gas: GAS) -> None:
    client = gas.create_dataset("Racing")
    first = client.create_draft("one")
    other = gas.get_dataset("Racing")
    other.create_draft("two")
    other.commit("two wins")
    client.checkout(draft_number=first)
    with pytest.raises(Conflict, match="moved"):
        client.commit("one loses")


def test_in_place_object_changed_underneath_fails_to_read(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    bucket = make_bucket(tmp_path / "bucket", 3)
    images = bucket / "data" / "images"
    gas.create_local_storage_config("images", str(images), endpoint=endpoint)
    gas.create_dataset("Fragile", config_name="images")
    dataset = Dataset("Fragile")
    segment = dataset.create_segment()
    for auth_data in gas.get_cloud_client("images").list_auth_data():
        segment.append(auth_data)
    gas.upload_dataset(dataset, quiet=True, commit="in place")
    (images / "0001.png").write_bytes(b"something else entirely")
    data = list(Dataset("Fragile", gas)[0])
    with data[0].open() as fp:
        assert fp.read()
    with pytest.raises(DataChanged, match=r"0001\.png"):
        data[1].open()


def test_delete_dataset_keeps_originals(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    bucket = make_bucket(tmp_path / "bucket", 5)
    gas.create_local_storage_config("cfg", str(bucket), endpoint=endpoint)
    gas.create_dataset("Doomed", config_name="cfg")
    dataset = Dataset("Doomed")
    segment = dataset.create_segment()
    for auth_data in gas.get_cloud_client("cfg").list_auth_data("data/images/"):
        segment.append(auth_data)
    gas.upload_dataset(dataset, quiet=True, commit="copy")
    assert (bucket / "0002.png").exists()
    with pytest.raises(Conflict, match="Doomed"):
        gas.delete_storage_config("cfg")
    gas.delete_dataset("Doomed")
    assert not (bucket / "0002.png").exists(), "copied objects go with the dataset"
    assert len(list((bucket / "data" / "images").iterdir())) == 5, "originals stay"
    assert "Doomed" not in gas.list_dataset_names()
    gas.delete_storage_config("cfg")
    assert [c.name for c in gas.list_auth_storage_configs()] == []


def test_catalog_and_notes_round_trip(gas: GAS, tmp_path: Path) -> None:
    catalog_file = tmp_path / "catalog.json"
    catalog = {"CLASSIFICATION": {"categories": [{"name": "a"}, {"name": "b"}]}}
    catalog_file.write_text(json.dumps(catalog))
    gas.create_dataset("Cataloged")
    dataset = local_dataset(tmp_path / "files", "Cataloged", {"a.bin": b"1", "b.bin": b"2"})
    dataset.load_catalog(str(catalog_file))
    gas.upload_dataset(dataset, quiet=True, commit="with catalog")
    read = Dataset("Cataloged", gas)
    assert read.catalog.dumps() == catalog


def test_a_tag_names_its_commit_wherever_a_revision_is_read(gas: GAS, tmp_path: Path) -> None:
    gas.create_dataset("Tagged")
    first = gas.upload_dataset(local_dataset(tmp_path / "1", "Tagged", {"a.bin": b"one"}), quiet=True)
    commit1 = first.commit("first")
    first.create_tag("v1.0")
    gas.upload_dataset(
        local_dataset(tmp_path / "2", "Tagged", {"a.bin": b"two"}), quiet=True, commit="second"
    )

    client = gas.get_dataset("Tagged")
    assert client.get_tag("v1.0")["commitId"] == commit1
    assert read_all(gas, "Tagged", revision="v1.0") == {"train/a.bin": b"one"}
    assert read_all(gas, "Tagged") == {"train/a.bin": b"two"}
    client.create_tag("latest")  # default: the current commit, the head of main
    assert [(t["name"], t["commitId"] == commit1) for t in client.list_tags()] == [
        ("latest", False),
        ("v1.0", True),
    ]
    with pytest.raises(AlreadyExists):
        client.create_tag("v1.0")
    with pytest.raises(AlreadyExists, match="branch"):
        client.create_tag("main")
    with pytest.raises(AlreadyExists, match="tag"):
        client.create_branch("v1.0")

    client.delete_tag("v1.0")
    with pytest.raises(NotFound):
        client.get_tag("v1.0")
    with pytest.raises(NotFound):
        client.delete_tag("v1.0")
    assert read_all(gas, "Tagged", revision=commit1) == {"train/a.bin": b"one"}  # the commit stays


def test_a_branch_is_deleted_only_without_open_drafts_and_never_the_default(gas: GAS, tmp_path: Path) -> None:
    gas.create_dataset("Branched")
    gas.upload_dataset(local_dataset(tmp_path / "1", "Branched", {"a.bin": b"one"}), quiet=True, commit="c1")
    client = gas.get_dataset("Branched")
    client.create_branch("dev")
    draft = client.create_draft("on dev", branch_name="dev")
    with pytest.raises(Conflict, match=f"#{draft}"):
        client.delete_branch("dev")
    client.close_draft(draft)
    client.delete_branch("dev")
    assert [b["name"] for b in client.list_branches()] == ["main"]
    with pytest.raises(NotFound):
        client.delete_branch("dev")
    with pytest.raises(InvalidArgument, match="default branch"):
        client.delete_branch("main")
    assert read_all(gas, "Branched") == {"train/a.bin": b"one"}
