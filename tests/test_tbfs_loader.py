"""The training loaders in real worker processes, forked and spawned, in both modes: every
worker opens its own connection and reads the pinned commit byte-exact."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.fs import SegmentFiles, SegmentStream
from tensorbay_core.label import Label
from tests.sdk_data import image_bytes, label_json, publish

WORKERS = 4
COUNT = 40
FILES = {f"train/{i:03d}.png": image_bytes(i) for i in range(COUNT)}
LABELS = {f"train/{i:03d}.png": {"CLASSIFICATION": label_json(i)} for i in range(COUNT)}


def head_and_size(data: bytes) -> tuple[bytes, int]:
    """A decoder: what a sample becomes (module-level, so spawned workers can load it)."""
    return data[:8], len(data)


def drain(stream: SegmentStream) -> list[tuple[bytes, dict[str, Any]]]:
    """One worker's share of a stream, labels as JSON."""
    return [(data, label.dumps()) for data, label in stream]


def expected() -> list[tuple[bytes, dict[str, Any]]]:
    return sorted((FILES[key], Label.loads(LABELS[key]).dumps()) for key in FILES)


@pytest.fixture
def published(gas: GAS, tmp_path: Path) -> str:
    """``Loader`` with FILES and LABELS committed; its commit id."""
    return publish(gas, "Loader", FILES, tmp_path, LABELS)


def overwrite_head(gas: GAS, tmp_path: Path) -> None:
    """Commit other bytes for every file: a loader made before must not see them."""
    client = gas.get_dataset("Loader")
    client.create_draft("later")
    dataset = Dataset("Loader")
    segment = dataset.create_segment("train")
    for key in FILES:
        local = tmp_path / f"later-{key.replace('/', '-')}"
        local.write_bytes(b"later")
        segment.append(Data(str(local), target_remote_path=key.split("/", 1)[1]))
    gas.upload_dataset(dataset, draft_number=client.draft_number, quiet=True, commit="later")


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_map_style_reads_the_pinned_commit_in_worker_processes(
    start: str, published: str, gas: GAS, gas_options: dict[str, str], tmp_path: Path
) -> None:
    files = SegmentFiles("tb://Loader/train", storage_options=gas_options)
    assert len(files) == COUNT and files.path == f"Loader@{published}/train"
    assert files[3][0] == FILES["train/003.png"]  # the parent has connected: a fork inherits it
    overwrite_head(gas, tmp_path)
    with multiprocessing.get_context(start).Pool(WORKERS) as pool:
        samples = pool.map(files.__getitem__, range(COUNT), chunksize=1)
    assert sorted((data, label.dumps()) for data, label in samples) == expected()

    decoded = SegmentFiles(
        "tb://Loader@" + published + "/train", storage_options=gas_options, decode=head_and_size
    )
    with multiprocessing.get_context(start).Pool(WORKERS) as pool:
        heads = pool.map(decoded.__getitem__, range(COUNT), chunksize=3)
    assert [head for head, _ in heads] == [head_and_size(FILES[key]) for key in sorted(FILES)]


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_stream_shards_read_every_file_once_in_worker_processes(
    start: str, published: str, gas: GAS, gas_options: dict[str, str], tmp_path: Path
) -> None:
    stream = SegmentStream("tb://Loader/train", storage_options=gas_options)
    assert next(iter(stream))[0] == FILES["train/000.png"]
    overwrite_head(gas, tmp_path)
    with multiprocessing.get_context(start).Pool(WORKERS) as pool:
        parts = pool.map(drain, [stream.shard(i, WORKERS) for i in range(WORKERS)])
    assert all(len(part) == COUNT // WORKERS for part in parts)
    assert sorted(sample for part in parts for sample in part) == expected()
    with pytest.raises(ValueError, match="shard index"):
        stream.shard(4, 4)
