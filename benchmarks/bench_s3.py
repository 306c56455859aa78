"""S3 import and listing against the raw libraries, on the same moto server, in interleaved rounds.

moto runs as its own process (``python -m moto.server``), so neither side shares an
interpreter lock with the server. Measured:
- importing N objects with ``upload_dataset(jobs)`` (list_auth_data + server-side copies +
  metadata) vs a raw ``ThreadPoolExecutor(jobs)`` of boto3 ``copy_object`` calls;
- listing M keys with ``list_auth_data`` vs s3fs ``find``.
A ratio is raw throughput / ours: 1.0 means as fast as the raw library, above 1 slower.

    python benchmarks/bench_s3.py [--objects 2000] [--keys 20000] [--jobs 16] [--rounds 3]

Rounds run interleaved (see ``interleave.py``); each import round copies into a new
dataset and segment, so every object is copied again.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import requests
import s3fs
from botocore.config import Config
from interleave import interleaved, ratios, spread, timed

from tensorbay_core import GAS
from tensorbay_core.dataset import Dataset

KEY_ID, SECRET, BUCKET = "AKIABENCHMARK0000001", "bench-secret", "bench"


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(endpoint, timeout=1)
            return process, endpoint
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("moto did not start")


def client(endpoint: str, pool: int) -> object:
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
        region_name="us-east-1", config=Config(max_pool_connections=pool),
    )  # fmt: skip


def put_many(s3: object, prefix: str, count: int, jobs: int) -> None:
    with ThreadPoolExecutor(jobs) as pool:
        list(
            pool.map(
                lambda i: s3.put_object(Bucket=BUCKET, Key=f"{prefix}{i:06d}.bin", Body=b"x" * 512),
                range(count),
            )
        )  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=20000)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    process, endpoint = start_moto()
    try:
        s3 = client(endpoint, args.jobs)
        s3.create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
        put_many(s3, "src/", args.objects, args.jobs)
        put_many(s3, "many/", args.keys, args.jobs)
        gas = GAS("Accesskey-bench", home=tempfile.mkdtemp(prefix="tensorbay-bench-"))
        gas.create_s3_storage_config(
            "bench", "ours", endpoint=endpoint, accesskey_id=KEY_ID, accesskey_secret=SECRET,
            bucket_name=BUCKET,
        )  # fmt: skip
        fs = s3fs.S3FileSystem(
            key=KEY_ID, secret=SECRET, client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True
        )

        def raw_import(round_number: int) -> float:
            def copy(i: int) -> None:
                source = {"Bucket": BUCKET, "Key": f"src/{i:06d}.bin"}
                key = f"raw{round_number}/{i:06d}.bin"
                s3.copy_object(Bucket=BUCKET, Key=key, CopySource=source)  # type: ignore[attr-defined]

            with ThreadPoolExecutor(args.jobs) as pool:
                return timed(lambda: list(pool.map(copy, range(args.objects))))

        def ours_import(round_number: int) -> float:
            name = f"Imported{round_number}"
            gas.create_dataset(name, config_name="bench")

            def run() -> None:
                dataset = Dataset(name)
                dataset.create_segment(f"round{round_number}").extend(
                    gas.get_cloud_client("bench").list_auth_data("src/")
                )
                gas.upload_dataset(dataset, jobs=args.jobs, quiet=True)

            return timed(run)

        def raw_list(_round: int) -> float:
            return timed(lambda: len(fs.find(f"{BUCKET}/many/")))

        def ours_list(_round: int) -> float:
            return timed(lambda: sum(1 for _ in gas.get_cloud_client("bench").list_auth_data("many/")))

        imports = interleaved({"ours": ours_import, "raw": raw_import}, args.rounds)
        listings = interleaved({"ours": ours_list, "raw": raw_list}, args.rounds)
    finally:
        process.terminate()
        process.wait()

    print(f"moto in its own process; jobs={args.jobs}; {args.rounds} interleaved rounds; s: median [min-max]")
    for label, count, samples, raw_name in (
        (f"import {args.objects:,}", args.objects, imports, "boto3 copy_object pool"),
        (f"list {args.keys:,}", args.keys, listings, "s3fs find"),
    ):
        throughput = [1 / r for r in ratios(samples["ours"], samples["raw"])]
        print(
            f"{label:<14} tensorbay {spread(samples['ours'])} s "
            f"({count / statistics.median(samples['ours']):,.0f}/s) | {raw_name} {spread(samples['raw'])} s"
            f" | ours/raw throughput {spread(throughput)}"
        )


if __name__ == "__main__":
    main()
