"""Verified reads: a reader gets the recorded bytes of a version or ``DataChanged``, never
other bytes, even while the object is being overwritten (issue "Exactly-once", finding 5).

The object is referenced in place (the config path is the original directory), so the
user can overwrite it; a thread does so over and over while the main thread reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Dataset
from tensorbay_core.errors import DataChanged

ORIGINAL = b"the recorded bytes " * 2000
OTHER = b"the other bytes!!! " * 2000
READS = 60


@pytest.fixture(params=["local", "s3"])
def place(
    request: pytest.FixtureRequest, tmp_path: Path, endpoint: str
) -> tuple[Callable[[GAS], Any], Callable[[bytes], None]]:
    """``(create_config(gas), put(body))`` for a bucket holding data/x.bin."""
    if request.param == "local":
        root = tmp_path / "bucket"
        (root / "data").mkdir(parents=True)

        def put_local(body: bytes) -> None:
            tmp = root / "data" / ".x.tmp"
            tmp.write_bytes(body)
            tmp.replace(root / "data" / "x.bin")

        return (lambda gas: gas.create_local_storage_config("cfg", str(root), endpoint=endpoint)), put_local
    bucket = request.getfixturevalue("s3_bucket")

    def put_s3(body: bytes) -> None:
        bucket.client.put_object(Bucket=bucket.name, Key="data/x.bin", Body=body)

    def create_s3(gas: GAS) -> Any:
        return gas.create_s3_storage_config(
            "cfg",
            "",
            endpoint=bucket.endpoint,
            accesskey_id=bucket.key_id,
            accesskey_secret=bucket.secret,
            bucket_name=bucket.name,
        )

    return create_s3, put_s3


def test_reads_racing_an_overwrite_never_return_other_bytes(gas: GAS, place: Any) -> None:
    create_config, put = place
    put(ORIGINAL)
    create_config(gas)
    gas.create_dataset("Raced", config_name="cfg")
    dataset = Dataset("Raced")
    [auth] = list(gas.get_cloud_client("cfg").list_auth_data("data/x.bin"))
    auth.path = "x.bin"
    dataset.create_segment("data").append(auth)  # data/x.bin is its own target: in place
    gas.upload_dataset(dataset, quiet=True, commit="in place")
    [data] = Dataset("Raced", gas)[0]
    with data.open() as fp:
        assert fp.read() == ORIGINAL

    stop = threading.Event()

    def overwrite() -> None:
        while not stop.is_set():
            put(OTHER)
            put(ORIGINAL)

    writer = threading.Thread(target=overwrite)
    writer.start()
    outcomes = {"original": 0, "changed": 0}
    try:
        for _ in range(READS):
            try:
                with data.open() as fp:
                    body = fp.read()
            except DataChanged:
                outcomes["changed"] += 1
                continue
            assert body == ORIGINAL, "a read returned bytes that are not the recorded version"
            outcomes["original"] += 1
    finally:
        stop.set()
        writer.join()
    assert sum(outcomes.values()) == READS
    put(OTHER)
    with pytest.raises(DataChanged), data.open() as fp:
        fp.read()
