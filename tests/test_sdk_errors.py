"""Bad input gets a clear error and leaves the dataset as it was — in both modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import AlreadyExists, InvalidArgument, InvalidConfig, LabelError, NotFound
from tensorbay_core.label import Classification

from .sdk_data import make_bucket


def assert_untouched(gas: GAS, name: str) -> None:
    client = gas.get_dataset(name)
    assert client.list_drafts(status="ALL") == []
    assert client.commit_id is None


def test_unknown_config_name(gas: GAS) -> None:
    with pytest.raises(NotFound, match="'nope'"):
        gas.create_dataset("X", config_name="nope")
    with pytest.raises(NotFound):
        gas.get_cloud_client("nope")
    assert gas.list_dataset_names() == []


def test_dataset_name_taken_and_invalid_names(gas: GAS) -> None:
    gas.create_dataset("Taken")
    with pytest.raises(AlreadyExists, match="Taken"):
        gas.create_dataset("Taken")
    for bad in ("", "has space", "../up", "a/b", "x" * 200):
        with pytest.raises(InvalidArgument, match="invalid dataset name"):
            gas.create_dataset(bad)
    assert gas.list_dataset_names() == ["Taken"]


def test_upload_into_missing_dataset_says_to_create_it(gas: GAS, tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(b"1")
    dataset = Dataset("Ghost")
    dataset.create_segment().append(Data(str(tmp_path / "f.bin")))
    with pytest.raises(NotFound, match=r"create_dataset\('Ghost'.*config_name"):
        gas.upload_dataset(dataset, quiet=True)
    assert gas.list_dataset_names() == []


def test_missing_local_file_uploads_nothing(gas: GAS, tmp_path: Path) -> None:
    gas.create_dataset("Partial")
    (tmp_path / "here.bin").write_bytes(b"here")
    dataset = Dataset("Partial")
    segment = dataset.create_segment()
    segment.append(Data(str(tmp_path / "here.bin")))
    segment.append(Data(str(tmp_path / "gone.bin")))
    with pytest.raises(InvalidArgument, match=r"gone\.bin.*does not exist"):
        gas.upload_dataset(dataset, quiet=True)
    assert_untouched(gas, "Partial")


def test_colliding_names_fail_before_anything_is_copied(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    bucket = make_bucket(tmp_path / "bucket", 2)
    (bucket / "other").mkdir()
    (bucket / "other" / "0000.png").write_bytes(b"same basename")
    gas.create_local_storage_config("cfg", str(bucket), endpoint=endpoint)
    gas.create_dataset("Clash", config_name="cfg")
    dataset = Dataset("Clash")
    segment = dataset.create_segment()
    cloud = gas.get_cloud_client("cfg")
    for prefix in ("data/images/", "other/"):
        for auth_data in cloud.list_auth_data(prefix):
            segment.append(auth_data)
    with pytest.raises(InvalidArgument, match=r"0000\.png"):
        gas.upload_dataset(dataset, quiet=True)
    assert not (bucket / "0000.png").exists()
    assert_untouched(gas, "Clash")


def test_label_failing_its_catalog(gas: GAS, tmp_path: Path) -> None:
    gas.create_dataset("Strict")
    (tmp_path / "catalog.json").write_text(json.dumps({"CLASSIFICATION": {"categories": [{"name": "cat"}]}}))
    (tmp_path / "f.bin").write_bytes(b"1")
    dataset = Dataset("Strict")
    dataset.load_catalog(str(tmp_path / "catalog.json"))
    data = Data(str(tmp_path / "f.bin"))
    data.label.classification = Classification.loads({"category": "zebra"})
    dataset.create_segment("s").append(data)
    with pytest.raises(LabelError, match="zebra"):
        gas.upload_dataset(dataset, quiet=True)
    assert_untouched(gas, "Strict")
    gas.upload_dataset(dataset, quiet=True, validate=False, commit="unchecked")
    assert len(Dataset("Strict", gas)[0]) == 1


def test_local_config_errors(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    with pytest.raises(InvalidConfig, match="does not exist"):
        gas.create_local_storage_config("missing", str(tmp_path / "nowhere"), endpoint=endpoint)
    with pytest.raises(InvalidConfig, match="bogus"):
        gas.create_storage_config("local", "odd", str(tmp_path), bogus="1")
    with pytest.raises(InvalidConfig, match="pip install tensorbay-ftp"):
        gas.create_storage_config("ftp", "ftp", "/x")
    gas.create_local_storage_config("ok", str(tmp_path), endpoint=endpoint)
    with pytest.raises(AlreadyExists):
        gas.create_local_storage_config("ok", str(tmp_path), endpoint=endpoint)
    listed = gas.list_auth_storage_configs()
    assert [(c.name, c.type) for c in listed] == [("ok", "local")]
    assert "signing_key" not in listed[0].fields


def test_paths_cannot_escape_the_root(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    (tmp_path / "secret.txt").write_text("outside")
    root = tmp_path / "root"
    root.mkdir()
    gas.create_local_storage_config("cfg", str(root), endpoint=endpoint)
    with pytest.raises(InvalidArgument, match=r"\.\."):
        list(gas.get_cloud_client("cfg").list_auth_data("../"))


def test_mask_files_are_refused_clearly(gas: GAS, tmp_path: Path) -> None:
    from tensorbay_core.label import SemanticMask

    gas.create_dataset("Masked")
    (tmp_path / "img.png").write_bytes(b"img")
    (tmp_path / "mask.png").write_bytes(b"mask")
    data = Data(str(tmp_path / "img.png"))
    data.label.semantic_mask = SemanticMask(str(tmp_path / "mask.png"))
    dataset = Dataset("Masked")
    dataset.create_segment().append(data)
    with pytest.raises(InvalidArgument, match="mask files cannot be uploaded yet"):
        gas.upload_dataset(dataset, quiet=True)
    assert_untouched(gas, "Masked")
