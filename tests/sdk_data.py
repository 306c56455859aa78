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
