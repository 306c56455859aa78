"""Generated test data: a bucket-like folder of images and TensorBay label files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATEGORIES = ("cat", "dog", "bird")


def image_bytes(index: int) -> bytes:
    """Distinct, deterministic bytes standing in for an image."""
    return b"\x89PNG\r\n" + index.to_bytes(4, "big") + bytes(range(index % 251)) * 3


def label_json(index: int) -> dict[str, object]:
    """A Classification label in TensorBay's JSON form."""
    return {"category": CATEGORIES[index % 3], "attributes": {"index": index, "occluded": index % 2 == 0}}


def make_bucket(root: Path, count: int) -> Path:
    """``root/data/images/NNNN.png`` and ``root/data/labels/NNNN.json``."""
    images = root / "data" / "images"
    labels = root / "data" / "labels"
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (images / f"{i:04d}.png").write_bytes(image_bytes(i))
        (labels / f"{i:04d}.json").write_text(json.dumps(label_json(i)))
    return root


def read_all(gas: Any, name: str, revision: str | None = None) -> dict[str, bytes]:
    """Every data of a dataset version as ``{"segment/path": bytes}`` (default: its latest commit)."""
    from tensorbay_core.dataset import Dataset

    result = {}
    for segment in Dataset(name, gas, revision=revision):
        for data in segment:
            with data.open() as fp:
                result[f"{segment.name}/{data.path}"] = fp.read()
    return result


def publish(
    gas: Any, name: str, files: dict[str, bytes], root: Path, labels: dict[str, Any] | None = None
) -> str:
    """Upload ``{"segment/remote/path": bytes}`` (segment ``.`` is the default one) with
    optional TensorBay JSON labels by the same keys into a new dataset, commit it, and return
    the commit id."""
    from tensorbay_core.dataset import Data, Dataset
    from tensorbay_core.label import Label

    gas.create_dataset(name)
    dataset = Dataset(name)
    segments: dict[str, Any] = {}
    for number, (key, content) in enumerate(sorted(files.items())):
        segment, _, remote_path = key.partition("/")
        segment = "" if segment == "." else segment
        if segment not in segments:
            segments[segment] = dataset.create_segment(segment)
        local = root / f"{name}-{number}"
        local.write_bytes(content)
        data = Data(str(local), target_remote_path=remote_path)
        if labels and key in labels:
            data.label = Label.loads(labels[key])
        segments[segment].append(data)
    client = gas.upload_dataset(dataset, quiet=True, commit="published")
    return str(client.commit_id)
