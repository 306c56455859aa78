"""The TensorBay flow on the embedded default: no server, nothing to configure.

Generates a folder of images and label files (a stand-in for your bucket), registers it
as a local storage config, imports it as a labelled dataset, commits, and reads it back.
Run it again and it starts over with fresh names. Data lives under $TENSORBAY_HOME
(default ~/.tensorbay).
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time

from tensorbay_core import GAS
from tensorbay_core.dataset import Dataset
from tensorbay_core.label import Classification

CATEGORIES = ["cat", "dog", "bird"]


def make_bucket(root: str, count: int) -> None:
    """``root/data/images/*.png`` with ``root/data/labels/*.json`` beside them."""
    for sub in ("images", "labels"):
        os.makedirs(os.path.join(root, "data", sub), exist_ok=True)
    rng = random.Random(7)
    for i in range(count):
        with open(os.path.join(root, "data", "images", f"{i:04d}.png"), "wb") as fp:
            fp.write(b"\x89PNG\r\n\x1a\n" + rng.randbytes(256))
        with open(os.path.join(root, "data", "labels", f"{i:04d}.json"), "w") as fp:
            json.dump({"category": rng.choice(CATEGORIES), "attributes": {"quality": rng.randint(1, 5)}}, fp)


def main() -> None:
    bucket = tempfile.mkdtemp(prefix="tensorbay-bucket-")
    make_bucket(bucket, 200)
    suffix = time.strftime("%Y%m%d%H%M%S")
    name, config = f"Quickstart-{suffix}", f"bucket-{suffix}"

    gas = GAS("Accesskey-*****")
    gas.create_local_storage_config(config, bucket, endpoint="http://127.0.0.1:8866")
    gas.create_dataset(name, config_name=config)
    cloud_client = gas.get_cloud_client(config)

    dataset = Dataset(name)
    segment = dataset.create_segment()
    for auth_data, label in zip(
        cloud_client.list_auth_data("data/images/"), cloud_client.list_auth_data("data/labels/"), strict=True
    ):
        with label.open() as fp:
            auth_data.label.classification = Classification.loads(json.load(fp))
        segment.append(auth_data)

    dataset_client = gas.upload_dataset(dataset, jobs=8, quiet=True)
    commit_id = dataset_client.commit("initial import")

    read = Dataset(name, gas)
    data = list(read[0])
    counts: dict[str, int] = {}
    for item in data:
        category = item.label.classification.category
        counts[category] = counts.get(category, 0) + 1
    with data[0].open() as fp:
        first = fp.read()
    print(f"Imported {len(data)} files from {bucket} into dataset {name!r} (commit {commit_id[:8]}).")
    print(f"Categories: {', '.join(f'{k}={v}' for k, v in sorted(counts.items()))}")
    print(f"First file: {data[0].path}, {len(first)} bytes, label {data[0].label.classification.dumps()}")
    print(f"Datasets in this home: {', '.join(gas.list_dataset_names())}")


if __name__ == "__main__":
    main()
