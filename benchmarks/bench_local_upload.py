"""Import and upload on the local provider, against a plain thread pool of fsspec copies.

In one run, on the same files:
- import N AuthData with ``upload_dataset(jobs)`` vs ``ThreadPoolExecutor(jobs)`` mapping
  fsspec ``LocalFileSystem.copy`` over the same objects;
- upload N small local files with ``upload_dataset(jobs)`` vs the same pool mapping
  fsspec ``put_file``.
Ratios above 1 mean tensorbay-core took longer than the raw loop.

    python benchmarks/bench_local_upload.py [--files 10000] [--jobs 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from fsspec.implementations.local import LocalFileSystem

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset


def make_files(folder: str, count: int) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i in range(count):
        path = os.path.join(folder, f"{i:06d}.bin")
        with open(path, "wb") as fp:
            fp.write(i.to_bytes(4, "big") * 256)
        paths.append(path)
    return paths


def raw_copies(pairs: list[tuple[str, str]], jobs: int, put: bool) -> float:
    fs = LocalFileSystem()
    os.makedirs(os.path.dirname(pairs[0][1]), exist_ok=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda p: (fs.put_file if put else fs.copy)(p[0], p[1]), pairs))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tensorbay-bench-")
    bucket = os.path.join(work, "bucket")
    sources = make_files(os.path.join(bucket, "src"), args.files)
    gas = GAS("Accesskey-bench", home=os.path.join(work, "home"))

    raw_import = raw_copies(
        [(s, os.path.join(work, "raw-copy", os.path.basename(s))) for s in sources], args.jobs, False
    )
    gas.create_local_storage_config("bucket", bucket)
    gas.create_dataset("Imported", config_name="bucket")
    dataset = Dataset("Imported")
    segment = dataset.create_segment()
    for auth_data in gas.get_cloud_client("bucket").list_auth_data("src/"):
        segment.append(auth_data)
    started = time.perf_counter()
    gas.upload_dataset(dataset, jobs=args.jobs, quiet=True)
    ours_import = time.perf_counter() - started

    local = make_files(os.path.join(work, "local"), args.files)
    raw_upload = raw_copies(
        [(s, os.path.join(work, "raw-put", os.path.basename(s))) for s in local], args.jobs, True
    )
    gas.create_dataset("Uploaded")
    dataset = Dataset("Uploaded")
    segment = dataset.create_segment()
    for path in local:
        segment.append(Data(path))
    started = time.perf_counter()
    gas.upload_dataset(dataset, jobs=args.jobs, quiet=True)
    ours_upload = time.perf_counter() - started

    print(f"{args.files:,} files, jobs={args.jobs}")
    print(
        f"import AuthData: tensorbay {ours_import:6.2f} s ({args.files / ours_import:,.0f}/s) | "
        f"raw fsspec copy pool {raw_import:6.2f} s ({args.files / raw_import:,.0f}/s) | "
        f"ratio {ours_import / raw_import:.2f}"
    )
    print(
        f"upload Data:     tensorbay {ours_upload:6.2f} s ({args.files / ours_upload:,.0f}/s) | "
        f"raw fsspec put pool  {raw_upload:6.2f} s ({args.files / raw_upload:,.0f}/s) | "
        f"ratio {ours_upload / raw_upload:.2f}"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
