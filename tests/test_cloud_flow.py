"""The TensorBay flow on each cloud, against its real server, in both modes.

Objects and label files are put in a bucket under data/images/ and data/labels/, a config
is created with the TensorBay helper, listed with list_auth_data, labelled, uploaded with
upload_dataset(jobs=8), committed and read back (bytes through signed URLs), and a config
whose path is the original directory imports without a single server-side copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.label import Classification

from .sdk_data import image_bytes, label_json

COUNT = 12


@dataclass
class Cloud:
    """One bucket on one cloud's test server, as a test sees it."""

    create_config: Callable[[GAS, str, str], Any]
    put: Callable[[str, bytes], None]
    copies: Callable[[], int]


@pytest.fixture(params=["s3", "oss", "azure"])
def cloud(request: pytest.FixtureRequest) -> Cloud:
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        log = request.getfixturevalue("s3_requests")
        return Cloud(
            lambda gas, name, path: gas.create_s3_storage_config(
                name, path, endpoint=bucket.endpoint, accesskey_id=bucket.key_id,
                accesskey_secret=bucket.secret, bucket_name=bucket.name,
            ),
            lambda key, body: bucket.client.put_object(Bucket=bucket.name, Key=key, Body=body),
            lambda: sum(1 for r in log if "x-amz-copy-source" in r.headers),
        )  # fmt: skip
    if request.param == "oss":
        server = request.getfixturevalue("oss_server")
        name = request.getfixturevalue("oss_bucket")
        start = server.service.calls["CopyObject"]
        return Cloud(
            lambda gas, cfg, path: gas.create_oss_storage_config(cfg, path, **server.config(name)),
            lambda key, body: server.service.put(name, key, body),
            lambda: server.service.calls["CopyObject"] - start,
        )
    container = request.getfixturevalue("azure_container")
    return Cloud(
        lambda gas, name, path: gas.create_azure_storage_config(
            name, path, account_type="Global", account_name=container.azurite.account_name,
            account_key=container.azurite.account_key, container_name=container.name,
            endpoint=container.azurite.endpoint,
        ),
        lambda key, body: container.client.upload_blob(key, body, overwrite=True),
        lambda: sum(1 for b in container.client.list_blobs() if b.copy and b.copy.id),
    )  # fmt: skip


def fill(cloud: Cloud) -> None:
    for i in range(COUNT):
        cloud.put(f"data/images/{i:04d}.png", image_bytes(i))
        cloud.put(f"data/labels/{i:04d}.json", json.dumps(label_json(i)).encode())


def labelled(gas: GAS, config: str, name: str, images: str, labels: str) -> Dataset:
    cloud_client = gas.get_cloud_client(config)
    dataset = Dataset(name)
    segment = dataset.create_segment()
    label_files = gas.get_cloud_client(labels[0]).list_auth_data(labels[1])
    for auth_data, label in zip(cloud_client.list_auth_data(images), label_files, strict=True):
        with label.open() as fp:
            auth_data.label.classification = Classification.loads(json.load(fp))
        segment.append(auth_data)
    return dataset


def check_read_back(gas: GAS, name: str) -> None:
    data = list(Dataset(name, gas)[0])
    assert [d.path for d in data] == [f"{i:04d}.png" for i in range(COUNT)]
    for i, remote in enumerate(data):
        assert remote.label.classification.dumps() == label_json(i)
        with remote.open() as fp:
            assert fp.read() == image_bytes(i)
    url = data[3].get_url()
    assert url.startswith("http")
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, response.text[:300]
    assert response.content == image_bytes(3)


def test_import_copies_server_side_and_reads_back(gas: GAS, cloud: Cloud) -> None:
    fill(cloud)
    cloud.create_config(gas, "bucket", "datasets/pets")
    gas.create_dataset("Pets", config_name="bucket")
    dataset = labelled(gas, "bucket", "Pets", "data/images/", ("bucket", "data/labels/"))
    gas.upload_dataset(dataset, jobs=8, quiet=True).commit("initial import")
    assert cloud.copies() == COUNT
    check_read_back(gas, "Pets")


def test_config_at_the_original_directory_copies_nothing(gas: GAS, cloud: Cloud) -> None:
    fill(cloud)
    cloud.create_config(gas, "images", "data/images")
    cloud.create_config(gas, "labels", "data/labels")
    gas.create_dataset("InPlace", config_name="images")
    dataset = labelled(gas, "images", "InPlace", "data/images/", ("labels", "data/labels/"))
    gas.upload_dataset(dataset, jobs=8, quiet=True, commit="in place")
    assert cloud.copies() == 0
    check_read_back(gas, "InPlace")


def test_local_files_upload_to_the_cloud(gas: GAS, cloud: Cloud, tmp_path: Path) -> None:
    cloud.put("placeholder", b"")
    cloud.create_config(gas, "bucket", "datasets/local")
    gas.create_dataset("Uploaded", config_name="bucket")
    dataset = Dataset("Uploaded")
    segment = dataset.create_segment()
    for i in range(COUNT):
        path = tmp_path / f"{i:04d}.png"
        path.write_bytes(image_bytes(i))
        data = Data(str(path))
        data.label.classification = Classification.loads(label_json(i))
        segment.append(data)
    gas.upload_dataset(dataset, jobs=4, quiet=True, commit="local files")
    check_read_back(gas, "Uploaded")
