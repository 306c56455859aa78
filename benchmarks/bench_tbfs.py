"""Reading small files through ``tb://`` against reading the same objects straight from S3.

A dataset of N small files is uploaded (embedded mode) onto an S3 storage config on a moto
server in its own process. Each round reads all N files with ``threads`` threads, once
through ``tb://`` (``TensorBayFileSystem.cat_file``: the entry's version lookup, the
object's check, the bytes, the SHA-1 check) and once with s3fs ``cat_file`` on the stored
keys (the bytes only). Rounds run interleaved (``interleave.py``); the ratio is s3fs time /
tb:// time per round, so 1.0 means as fast as reading the provider directly.

    python benchmarks/bench_tbfs.py [--files 2000] [--size 2048] [--threads 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import s3fs
from bench_s3 import BUCKET, KEY_ID, SECRET, client, start_moto
from interleave import interleaved, ratios, spread, timed

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.fs import TensorBayFileSystem


def publish(gas: GAS, files: int, size: int, root: str) -> None:
    """Dataset ``Small`` on config ``bench``: segment ``train`` of ``files`` files of ``size`` bytes."""
    gas.create_dataset("Small", config_name="bench")
    dataset = Dataset("Small")
    segment = dataset.create_segment("train")
    for i in range(files):
        local = os.path.join(root, f"{i:06d}.bin")
        with open(local, "wb") as fp:
            fp.write(i.to_bytes(4, "big") * (size // 4))
        segment.append(Data(local))
    gas.upload_dataset(dataset, jobs=16, quiet=True, commit="small files")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    process, endpoint = start_moto()
    try:
        client(endpoint, args.threads).create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
        home = tempfile.mkdtemp(prefix="tensorbay-bench-")
        gas = GAS("Accesskey-bench", home=home)
        gas.create_s3_storage_config(
            "bench", "ours", endpoint=endpoint, accesskey_id=KEY_ID, accesskey_secret=SECRET,
            bucket_name=BUCKET,
        )  # fmt: skip
        publish(gas, args.files, args.size, tempfile.mkdtemp(prefix="tensorbay-bench-files-"))

        tb = TensorBayFileSystem(home=home)
        tb_paths = tb.find("tb://Small/train")
        raw = s3fs.S3FileSystem(
            key=KEY_ID, secret=SECRET, client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True
        )
        keys = raw.find(f"{BUCKET}/ours/")  # the dataset's objects: nothing else is in the bucket
        assert len(keys) == len(tb_paths) == args.files, (len(keys), len(tb_paths))
        # a warm-up that checks both sides read the same bytes
        assert sorted(map(tb.cat_file, tb_paths)) == sorted(map(raw.cat_file, keys))

        def read_all(fs: object, paths: list[str]) -> float:
            with ThreadPoolExecutor(args.threads) as pool:
                return timed(lambda: sum(len(b) for b in pool.map(fs.cat_file, paths)))  # type: ignore[attr-defined]

        samples = interleaved(
            {"tb://": lambda _r: read_all(tb, tb_paths), "s3fs": lambda _r: read_all(raw, keys)}, args.rounds
        )
    finally:
        process.terminate()
        process.wait()

    throughput = ratios(samples["s3fs"], samples["tb://"])
    print(
        f"{args.files:,} files of {args.size:,} B, {args.threads} threads, moto in its own process, "
        f"{args.rounds} interleaved rounds; s: median [min-max]"
    )
    print(f"tb:// {spread(samples['tb://'])} s | s3fs {spread(samples['s3fs'])} s")
    print(f"tb:// / s3fs throughput {spread(throughput)} (aim >= 0.8)")


if __name__ == "__main__":
    main()
