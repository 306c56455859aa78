"""S3 import and listing against the raw libraries, on the same moto server, in one run.

moto runs as its own process (``python -m moto.server``), so neither side shares an
interpreter lock with the server. Measured:
- importing N objects with ``upload_dataset(jobs)`` (list_auth_data + server-side copies +
  metadata) vs a raw ``ThreadPoolExecutor(jobs)`` of boto3 ``copy_object`` calls;
- listing M keys with ``list_auth_data`` vs s3fs ``find``.
A ratio is raw throughput / ours: 1.0 means as fast as the raw library, above 1 slower.

    python benchmarks/bench_s3.py [--objects 2000] [--keys 20000] [--jobs 16]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import requests
import s3fs
from botocore.config import Config

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=20000)
    parser.add_argument("--jobs", type=int, default=16)
    args = parser.parse_args()
    process, endpoint = start_moto()
    try:
        s3 = client(endpoint, args.jobs)
        s3.create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
        put_many(s3, "src/", args.objects, args.jobs)

        def copy(i: int) -> None:
            source = {"Bucket": BUCKET, "Key": f"src/{i:06d}.bin"}
            s3.copy_object(Bucket=BUCKET, Key=f"raw/{i:06d}.bin", CopySource=source)  # type: ignore[attr-defined]

        started = time.perf_counter()
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(copy, range(args.objects)))
        raw_copy = time.perf_counter() - started

        gas = GAS("Accesskey-bench", home=tempfile.mkdtemp(prefix="tensorbay-bench-"))
        gas.create_s3_storage_config(
            "bench", "ours", endpoint=endpoint, accesskey_id=KEY_ID, accesskey_secret=SECRET,
            bucket_name=BUCKET,
        )  # fmt: skip
        gas.create_dataset("Imported", config_name="bench")
        started = time.perf_counter()
        dataset = Dataset("Imported")
        segment = dataset.create_segment()
        for auth_data in gas.get_cloud_client("bench").list_auth_data("src/"):
            segment.append(auth_data)
        gas.upload_dataset(dataset, jobs=args.jobs, quiet=True)
        ours_copy = time.perf_counter() - started

        put_many(s3, "many/", args.keys, args.jobs)
        fs = s3fs.S3FileSystem(
            key=KEY_ID, secret=SECRET, client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True
        )
        started = time.perf_counter()
        raw_count = len(fs.find(f"{BUCKET}/many/"))
        raw_list = time.perf_counter() - started
        started = time.perf_counter()
        ours_count = sum(1 for _ in gas.get_cloud_client("bench").list_auth_data("many/"))
        ours_list = time.perf_counter() - started
        assert raw_count == ours_count == args.keys, (raw_count, ours_count)
    finally:
        process.terminate()
        process.wait()

    print(f"moto in its own process; jobs={args.jobs}")
    print(
        f"import {args.objects:,}: tensorbay {ours_copy:6.2f} s ({args.objects / ours_copy:,.0f}/s) | "
        f"boto3 copy_object pool {raw_copy:6.2f} s ({args.objects / raw_copy:,.0f}/s) | "
        f"ours/raw throughput {raw_copy / ours_copy:.2f}"
    )
    print(
        f"list {args.keys:,}:   tensorbay {ours_list:6.2f} s ({args.keys / ours_list:,.0f}/s) | "
        f"s3fs find {raw_list:6.2f} s ({args.keys / raw_list:,.0f}/s) | "
        f"ours/raw throughput {raw_list / ours_list:.2f}"
    )


if __name__ == "__main__":
    main()
