"""Small files uploaded through the fault proxy: exactly once, with few or no resumes.

Every request through the proxy may be reset before it reaches the other side, lose its
answer, be cut after its headers or in its body, or get a 503, at a seeded rate: between
the SDK and ``gas serve`` (API calls and signed PUTs to its storage route), or between
``gas serve`` and moto (the server's S3 calls, and the SDK's presigned PUTs to the bucket).
Exactly once: the draft lists each path once, and each reads back with its bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.client.dataset import DatasetClient
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import TensorBayError
from tests.servers.faults import REQUEST_FAULTS, FaultProxy, ProxiedGas
from tests.servers.s3 import S3Bucket

FILES = 1000
S3_FILES = 300
MAX_RESUMES = 3


def _files(folder: Path, count: int = FILES) -> dict[str, bytes]:
    folder.mkdir()
    contents = {}
    for i in range(count):
        body = hashlib.sha256(f"file {i}".encode()).digest() * (1 + i % 4)
        contents[f"{i:04d}.bin"] = body
        (folder / f"{i:04d}.bin").write_bytes(body)
    return contents


def _dataset(folder: Path, name: str) -> Dataset:
    dataset = Dataset(name)
    segment = dataset.create_segment("s")
    for path in sorted(folder.iterdir()):
        segment.append(Data(str(path)))
    return dataset


def upload_with_resumes(gas: GAS, folder: Path, name: str, draft: int) -> int:
    """Upload, then resume as the error says until it finishes; how many resumes it took."""
    resumes = 0
    while True:
        try:
            gas.upload_dataset(
                _dataset(folder, name), draft_number=draft, skip_uploaded_files=resumes > 0, quiet=True
            )
            return resumes
        except TensorBayError as exc:
            resumes += 1
            if resumes > MAX_RESUMES:
                raise AssertionError(f"still failing after {MAX_RESUMES} resumes: {exc}") from exc


def assert_exactly_once(client: DatasetClient, contents: dict[str, bytes]) -> None:
    data = list(client.get_segment("s").list_data())
    assert [d.path for d in data] == sorted(contents), "each file must be in the draft exactly once"

    def read(index: int) -> bool:
        with data[index].open() as fp:
            return bool(fp.read() == contents[data[index].path])

    with ThreadPoolExecutor(8) as pool:
        wrong = [data[i].path for i, ok in enumerate(pool.map(read, range(len(data)))) if not ok]
    assert wrong == [], f"{len(wrong)} files read back other bytes"


@pytest.mark.parametrize(("rate", "seed", "allowed_resumes"), [(0.05, 1, 0), (0.20, 2, MAX_RESUMES)])
def test_upload_through_faults_is_exactly_once(
    faulty_gas: ProxiedGas, tmp_path: Path, rate: float, seed: int, allowed_resumes: int
) -> None:
    contents = _files(tmp_path / "files")
    gas = GAS(faulty_gas.server.new_user(), url=faulty_gas.url)
    client = gas.create_dataset("Faulty")
    draft = client.create_draft("through faults")

    faulty_gas.proxy.randomize(rate, REQUEST_FAULTS, seed=seed)
    resumes = upload_with_resumes(gas, tmp_path / "files", "Faulty", draft)
    injected = sum(faulty_gas.proxy.counts.values())
    faulty_gas.proxy.reset()

    print(f"rate {rate:.0%} seed {seed}: {injected} faults injected, {resumes} resumes")
    assert injected > rate * FILES / 2, "the proxy did not inject the faults it should have"
    assert resumes <= allowed_resumes
    client.checkout(draft_number=draft)
    assert_exactly_once(client, contents)


def test_upload_to_s3_and_back_through_faults_on_both_sides(
    faulty_gas: ProxiedGas, fault_proxy: Callable[[str], FaultProxy], s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    """SDK -> gas serve and gas serve (and presigned URLs) -> S3 both faulted at 20%, reads too."""
    contents = _files(tmp_path / "files", S3_FILES)
    to_s3 = fault_proxy(s3_bucket.endpoint)
    gas = GAS(faulty_gas.server.new_user(), url=faulty_gas.url)
    gas.create_s3_storage_config(
        "faulty-s3",
        "datasets",
        endpoint=to_s3.url,
        accesskey_id=s3_bucket.key_id,
        accesskey_secret=s3_bucket.secret,
        bucket_name=s3_bucket.name,
    )
    client = gas.create_dataset("OnS3", config_name="faulty-s3")
    draft = client.create_draft("through faults to S3")

    faulty_gas.proxy.randomize(0.20, REQUEST_FAULTS, seed=4)
    to_s3.randomize(0.20, REQUEST_FAULTS, seed=3)
    resumes = upload_with_resumes(gas, tmp_path / "files", "OnS3", draft)
    client.checkout(draft_number=draft)
    assert_exactly_once(client, contents)

    injected = (sum(faulty_gas.proxy.counts.values()), sum(to_s3.counts.values()))
    print(f"S3 at 20% both sides: {injected} faults injected (to gas, to S3), {resumes} resumes")
    assert min(injected) > 0.2 * S3_FILES / 2, "the proxies did not inject the faults they should have"
    assert to_s3.counts["cut_body"] > 0
    assert resumes <= MAX_RESUMES
