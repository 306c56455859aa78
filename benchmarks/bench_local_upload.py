"""Import and upload on the local provider, against a plain thread pool of fsspec copies.

On the same files, in interleaved rounds (see ``interleave.py``):
- import N AuthData with ``upload_dataset(jobs)`` (into a new dataset and segment each
  round, so every file is copied, to its readable key) vs ``ThreadPoolExecutor(jobs)`` mapping fsspec
  ``LocalFileSystem.copy`` over the same objects;
- upload N small local files with ``upload_dataset(jobs)`` (a fresh dataset each round) vs
  the same pool mapping fsspec ``put_file``.
Times are medians with [min-max] over the rounds; ratios are ours / raw per round, so
above 1 means tensorbay-core took longer than the raw loop.

    python benchmarks/bench_local_upload.py [--files 10000] [--jobs 8] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fsspec.implementations.local import LocalFileSystem
from interleave import interleaved, ratios, spread, timed

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
    with ThreadPoolExecutor(jobs) as pool:
        return timed(lambda: list(pool.map(lambda p: (fs.put_file if put else fs.copy)(p[0], p[1]), pairs)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tensorbay-bench-")
    bucket = os.path.join(work, "bucket")
    sources = make_files(os.path.join(bucket, "src"), args.files)
    local = make_files(os.path.join(work, "local"), args.files)
    gas = GAS("Accesskey-bench", home=os.path.join(work, "home"))
    gas.create_local_storage_config("bucket", bucket)
    listed = list(gas.get_cloud_client("bucket").list_auth_data("src/"))

    def ours_import(round_number: int) -> float:
        name = f"Imported{round_number}"  # a new dataset copies every file again
        gas.create_dataset(name, config_name="bucket")
        dataset = Dataset(name)
        dataset.create_segment(f"round{round_number}").extend(listed)
        return timed(lambda: gas.upload_dataset(dataset, jobs=args.jobs, quiet=True))

    def ours_upload(round_number: int) -> float:
        name = f"Uploaded{round_number}"
        gas.create_dataset(name)
        dataset = Dataset(name)
        dataset.create_segment().extend(Data(path) for path in local)
        return timed(lambda: gas.upload_dataset(dataset, jobs=args.jobs, quiet=True))

    def raw(kind: str, paths: list[str], put: bool) -> Callable[[int], float]:
        def run(round_number: int) -> float:
            target = os.path.join(work, f"raw-{kind}-{round_number}")
            return raw_copies([(s, os.path.join(target, os.path.basename(s))) for s in paths], args.jobs, put)

        return run

    imports = interleaved({"ours": ours_import, "raw": raw("copy", sources, False)}, args.rounds)
    uploads = interleaved({"ours": ours_upload, "raw": raw("put", local, True)}, args.rounds)
    print(
        f"{args.files:,} files, jobs={args.jobs}, {args.rounds} interleaved rounds; seconds: median [min-max]"
    )
    for label, samples in (("import AuthData", imports), ("upload Data", uploads)):
        ratio = ratios(samples["ours"], samples["raw"])
        rate = args.files / statistics.median(samples["ours"])
        print(
            f"{label:<16} tensorbay {spread(samples['ours'])} s ({rate:,.0f}/s)"
            f" | raw pool {spread(samples['raw'])} s | ratio {spread(ratio)}"
            f" (throughput {1 / statistics.median(ratio):.2f} of raw)"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
