"""The TensorBay flow end to end on a local config, in both modes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Dataset
from tensorbay_core.errors import UploadError
from tensorbay_core.label import Classification

from .sdk_data import image_bytes, label_json, make_bucket


def build_dataset(
    cloud_client, name: str, images: str = "data/images/", labels: str = "data/labels/"
) -> Dataset:
    dataset = Dataset(name)
    segment = dataset.create_segment()
    for auth_data, label in zip(
        cloud_client.list_auth_data(images), cloud_client.list_auth_data(labels), strict=True
    ):
        with label.open() as fp:
            auth_data.label.classification = Classification.loads(json.load(fp))
        segment.append(auth_data)
    return dataset


def test_tensorbay_snippet_round_trip(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    bucket = make_bucket(tmp_path / "bucket", 30)
    gas.create_dataset("Plain")
    gas.create_local_storage_config("config_name", str(bucket), endpoint=endpoint)
    gas.create_dataset("DatasetName", config_name="config_name")
    cloud_client = gas.get_cloud_client("config_name")
    dataset = build_dataset(cloud_client, "DatasetName")
    dataset_client = gas.upload_dataset(dataset, jobs=8, quiet=True)
    dataset_client.commit("initial import")

    read = Dataset("DatasetName", gas)
    assert [s.name for s in read] == [""]
    data = list(read[0])
    assert [d.path for d in data] == [f"{i:04d}.png" for i in range(30)]
    for i, remote in enumerate(data):
        with remote.open() as fp:
            assert fp.read() == image_bytes(i)
        assert remote.label.classification.dumps() == label_json(i)
    assert gas.list_dataset_names() == ["DatasetName", "Plain"]
    # the originals are untouched and the copies sit at the dataset path (config root + path)
    assert (bucket / "data" / "images" / "0000.png").read_bytes() == image_bytes(0)
    assert (bucket / "0007.png").read_bytes() == image_bytes(7)


def test_zero_copy_when_config_path_is_the_original_directory(
    gas: GAS, tmp_path: Path, endpoint: str
) -> None:
    bucket = make_bucket(tmp_path / "bucket", 12)
    images = bucket / "data" / "images"
    before = {p.name: os.stat(p).st_ino for p in images.iterdir()}
    gas.create_local_storage_config("images", str(images), endpoint=endpoint)
    gas.create_local_storage_config("labels", str(bucket / "data" / "labels"), endpoint=endpoint)
    gas.create_dataset("InPlace", config_name="images")
    dataset = Dataset("InPlace")
    segment = dataset.create_segment()
    labels = gas.get_cloud_client("labels").list_auth_data()
    for auth_data, label in zip(gas.get_cloud_client("images").list_auth_data(), labels, strict=True):
        with label.open() as fp:
            auth_data.label.classification = Classification.loads(json.load(fp))
        segment.append(auth_data)
    gas.upload_dataset(dataset, jobs=4, quiet=True, commit="in place")

    after = {p.name: os.stat(p).st_ino for p in images.iterdir()}
    assert after == before, "importing objects already at their target must copy nothing"
    read = list(Dataset("InPlace", gas)[0])
    assert len(read) == 12
    with read[5].open() as fp:
        assert fp.read() == image_bytes(5)


def test_failed_files_then_resume_copies_nothing_twice(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    bucket = make_bucket(tmp_path / "bucket", 40)
    gas.create_local_storage_config("cfg", str(bucket), endpoint=endpoint)
    gas.create_dataset("Resumable", config_name="cfg")
    dataset = build_dataset(gas.get_cloud_client("cfg"), "Resumable")
    missing = [bucket / "data" / "images" / f"{i:04d}.png" for i in (3, 17, 31)]
    for path in missing:
        path.rename(path.with_suffix(".bak"))

    with pytest.raises(UploadError) as failed:
        gas.upload_dataset(dataset, jobs=4, quiet=True)
    assert sorted(p for p, _ in failed.value.failures) == ["0003.png", "0017.png", "0031.png"]
    assert "skip_uploaded_files=True" in str(failed.value)
    draft = gas.get_dataset("Resumable").list_drafts()[0]["number"]
    copied = {p.name: os.stat(p).st_ino for p in bucket.glob("*.png")}
    assert len(copied) == 37

    for path in missing:
        path.with_suffix(".bak").rename(path)
    client = gas.upload_dataset(dataset, draft_number=draft, jobs=4, skip_uploaded_files=True, quiet=True)
    again = {p.name: os.stat(p).st_ino for p in bucket.glob("*.png")}
    assert {k: again[k] for k in copied} == copied, "a resumed upload must not copy finished files again"
    assert len(again) == 40
    client.commit("complete")
    paths = list(Dataset("Resumable", gas)[0])
    assert [d.path for d in paths] == [f"{i:04d}.png" for i in range(40)]
    with paths[17].open() as fp:
        assert fp.read() == image_bytes(17)
