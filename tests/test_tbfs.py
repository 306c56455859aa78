"""``tb://``: datasets read as an fsspec filesystem, in embedded mode and on a real `gas serve`."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import fsspec
import pandas
import pyarrow
import pyarrow.parquet as pq
import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import InvalidArgument
from tensorbay_core.fs import TensorBayFileSystem, export_index
from tests.conftest import GasCli
from tests.sdk_data import publish

CSV = b"name,count\ncat,3\ndog,5\n"
FILES = {
    "train/images/0001.png": b"\x89PNG one",
    "train/images/0002.png": b"\x89PNG two, longer",
    "train/table.csv": CSV,
    "test/0001.png": b"\x89PNG test",
    "./readme.txt": b"the default segment",
}
LABELS = {"train/images/0001.png": {"CLASSIFICATION": {"category": "cat"}}}


@pytest.fixture
def fs(gas_options: dict[str, str]) -> TensorBayFileSystem:
    """A fresh ``tb://`` filesystem on the test's namespace (not fsspec's cached instance)."""
    return TensorBayFileSystem(skip_instance_cache=True, **gas_options)


@pytest.fixture
def pets(gas: GAS, tmp_path: Path) -> str:
    """Dataset ``Pets`` with FILES committed; its commit id."""
    return publish(gas, "Pets", FILES, tmp_path, LABELS)


def test_fsspec_open_finds_tb_through_the_entry_point(pets: str, gas_options: dict[str, str]) -> None:
    assert fsspec.get_filesystem_class("tb") is TensorBayFileSystem
    with fsspec.open(f"tb://Pets@{pets}/train/images/0001.png", **gas_options) as fp:
        assert fp.read() == FILES["train/images/0001.png"]


def test_ls_walks_datasets_segments_and_folders(pets: str, fs: TensorBayFileSystem) -> None:
    assert fs.ls("tb://", detail=False) == ["Pets"]
    assert sorted(fs.ls("tb://Pets", detail=False)) == ["Pets/.", "Pets/test", "Pets/train"]
    assert sorted(fs.ls("Pets@main/train", detail=False)) == [
        "Pets@main/train/images",
        "Pets@main/train/table.csv",
    ]
    assert fs.ls("Pets/./readme.txt", detail=False) == ["Pets/./readme.txt"]
    assert fs.isdir("Pets/train/images") and fs.isfile("Pets/train/table.csv")
    assert not fs.exists("Pets/train/imag") and not fs.exists("Pets/valid")
    with pytest.raises(FileNotFoundError):
        fs.ls("Pets/train/missing")
    with pytest.raises(FileNotFoundError):
        fs.ls("Nothing")


def test_info_carries_size_checksum_and_label(pets: str, fs: TensorBayFileSystem) -> None:
    content = FILES["train/images/0001.png"]
    info = fs.info(f"tb://Pets@{pets}/train/images/0001.png")
    assert info["type"] == "file" and info["size"] == len(content)
    assert info["checksum"] == hashlib.sha1(content).hexdigest()
    assert info["label"] == LABELS["train/images/0001.png"]
    assert fs.ukey("Pets/train/images/0001.png") == info["checksum"]
    assert fs.info("Pets/train/table.csv")["label"] == {}


def test_find_and_glob_cover_every_segment(pets: str, fs: TensorBayFileSystem) -> None:
    assert fs.find("Pets") == sorted(f"Pets/{key}" for key in FILES)
    assert fs.find("Pets/train", maxdepth=1) == ["Pets/train/table.csv"]
    assert fs.find("Pets/train", maxdepth=1, withdirs=True) == [
        "Pets/train",
        "Pets/train/images",
        "Pets/train/table.csv",
    ]
    assert fs.glob("tb://Pets/*/*.png") == ["Pets/test/0001.png"]
    assert fs.glob("Pets/train/**/*.png") == ["Pets/train/images/0001.png", "Pets/train/images/0002.png"]
    assert fs.du("Pets/train") == sum(len(v) for k, v in FILES.items() if k.startswith("train/"))


def test_reads_whole_files_and_ranges(pets: str, fs: TensorBayFileSystem) -> None:
    content = FILES["train/images/0002.png"]
    path = "Pets/train/images/0002.png"
    assert fs.cat_file(path) == content
    assert fs.cat_file(path, 2, 9) == content[2:9]
    assert fs.cat_file(path, -6) == content[-6:]
    assert fs.cat_file(path, 5, 10_000) == content[5:]
    assert fs.cat_file(path, 100, 200) == b""
    with fs.open(path, block_size=4) as fp:
        fp.seek(3)
        assert fp.read(6) == content[3:9]
        assert fp.read() == content[9:]
    assert fs.cat(["Pets/./readme.txt", "Pets/test/0001.png"]) == {
        "Pets/./readme.txt": FILES["./readme.txt"],
        "Pets/test/0001.png": FILES["test/0001.png"],
    }


def test_it_is_read_only(pets: str, fs: TensorBayFileSystem) -> None:
    with pytest.raises(PermissionError, match="read-only"):
        fs.open("Pets/train/new.png", "wb")
    with pytest.raises(IsADirectoryError):
        fs.cat_file("Pets/train")


def test_a_path_names_a_version(gas: GAS, pets: str, fs: TensorBayFileSystem, tmp_path: Path) -> None:
    client = gas.get_dataset("Pets")
    client.create_branch("old")
    number = client.create_draft("second")
    changed = tmp_path / "changed"
    changed.write_bytes(b"changed bytes")
    dataset = Dataset("Pets")
    dataset.create_segment("train").append(Data(str(changed), target_remote_path="table.csv"))
    gas.upload_dataset(dataset, draft_number=number, quiet=True)

    assert fs.cat_file(f"tb://Pets#{number}/train/table.csv") == b"changed bytes"
    assert fs.cat_file("tb://Pets/train/table.csv") == CSV  # the head is still the first commit
    client.commit("second")
    assert fs.cat_file("tb://Pets@old/train/table.csv") == CSV
    assert fs.cat_file(f"tb://Pets@{pets[:12]}/train/table.csv") == CSV
    assert fs.cat_file("tb://Pets/train/table.csv") == CSV  # resolved once per instance ...
    assert fs.pin("Pets/train") == f"Pets@{client.commit_id}/train"  # (pinning looks now)
    fs.invalidate_cache()
    assert fs.cat_file("tb://Pets/train/table.csv") == b"changed bytes"  # ... until asked again
    assert fs.pin("Pets@old/train") == f"Pets@{pets}/train"
    with pytest.raises(InvalidArgument, match="draft number"):
        fs.info("tb://Pets#/train")


def test_pandas_reads_a_csv_from_tb(pets: str, gas_options: dict[str, str]) -> None:
    frame = pandas.read_csv(f"tb://Pets@{pets}/train/table.csv", storage_options=gas_options)
    assert frame.to_dict("list") == {"name": ["cat", "dog"], "count": [3, 5]}


def test_pyarrow_reads_a_parquet_file_from_tb(gas: GAS, fs: TensorBayFileSystem, tmp_path: Path) -> None:
    table = pyarrow.table({"id": list(range(5000)), "name": [f"n{i}" for i in range(5000)]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=1000)
    publish(gas, "Tables", {"data/t.parquet": buffer.getvalue()}, tmp_path)

    assert pq.read_table("Tables/data/t.parquet", filesystem=fs).equals(table)
    assert (
        pq.ParquetFile(fs.open("tb://Tables/data/t.parquet"))
        .read_row_group(3)
        .equals(table.slice(3000, 1000))
    )


def test_listings_go_past_a_page(gas: GAS, fs: TensorBayFileSystem, tmp_path: Path) -> None:
    files = {f"many/d{i % 3}/{i:04d}.bin": i.to_bytes(2, "big") for i in range(300)}
    publish(gas, "Many", files, tmp_path)
    assert fs.find("Many") == sorted(f"Many/{key}" for key in files)
    assert len(fs.ls("Many/many/d1")) == 100
    assert [i["name"] for i in fs.iter_files("Many/many/d2")][:2] == [
        "Many/many/d2/0002.bin",
        "Many/many/d2/0005.bin",
    ]


def test_a_version_exports_as_one_index(pets: str, gas_options: dict[str, str], tmp_path: Path) -> None:
    expected = sorted(
        (
            f"tb://Pets@{pets}/{key}",
            len(content),
            hashlib.sha1(content).hexdigest(),
            LABELS.get(key, {}),
        )
        for key, content in FILES.items()
    )
    assert export_index("tb://Pets", str(tmp_path / "i.jsonl"), storage_options=gas_options) == len(FILES)
    lines = (tmp_path / "i.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert sorted((r["path"], r["size"], r["checksum"], r["label"]) for r in rows) == expected

    assert export_index("tb://Pets", str(tmp_path / "i.parquet"), storage_options=gas_options) == len(FILES)
    table: Any = pq.read_table(tmp_path / "i.parquet").to_pylist()
    assert sorted((r["path"], r["size"], r["checksum"], json.loads(r["label"])) for r in table) == expected
    with pytest.raises(InvalidArgument, match="jsonl or"):
        export_index("tb://Pets", str(tmp_path / "i.csv"), storage_options=gas_options)


def test_tb_reads_where_gas_auth_points(gas_cli: GasCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """No storage_options: the CLI's default profile (set by the real `gas auth` on a server)
    or, with none saved, the embedded default."""
    gas_cli("dataset", "tb:FromProfile")
    monkeypatch.setenv("HOME", str(gas_cli.home))
    monkeypatch.setenv("TENSORBAY_HOME", gas_cli.env["TENSORBAY_HOME"])
    assert TensorBayFileSystem(skip_instance_cache=True).ls("tb://", detail=False) == ["FromProfile"]
    with pytest.raises(InvalidArgument, match="no gas auth profile named 'other'"):
        TensorBayFileSystem(skip_instance_cache=True, profile="other").ls("tb://")
