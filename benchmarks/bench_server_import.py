"""Importing objects from an S3 config: through ``gas serve`` vs embedded, on the same moto server.

In one run: N objects are put in a moto bucket (``ThreadedMotoServer`` in this process);
each mode lists them with ``list_auth_data`` and imports them with
``upload_dataset(jobs)`` into a dataset on the same config (server-side copies into the
config's file_path). The ratio is HTTP time / embedded time; above 1 means team mode is
slower. The server runs on SQLite like embedded mode, or on a fresh PostgreSQL database
with ``--postgres``.

    python benchmarks/bench_server_import.py [--objects 2000] [--jobs 16] [--postgres]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from tensorbay_core import GAS
from tensorbay_core.dataset import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.servers.gas
from tests.servers.gas import GasServer, fresh_postgres_database

KEY_ID, SECRET, BUCKET = "AKIABENCHMARK0000001", "bench-secret", "bench"


def fill_bucket(endpoint: str, count: int) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=BUCKET)
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda i: s3.put_object(Bucket=BUCKET, Key=f"src/{i:06d}.bin", Body=os.urandom(1024)),
                range(count),
            )
        )


def run_import(gas: GAS, endpoint: str, prefix: str, jobs: int) -> tuple[float, float, int]:
    """(list seconds, upload seconds, imported count) for one mode."""
    gas.create_s3_storage_config(
        "bench", prefix, endpoint=endpoint, accesskey_id=KEY_ID, accesskey_secret=SECRET, bucket_name=BUCKET
    )
    gas.create_dataset("Imported", config_name="bench")
    started = time.perf_counter()
    dataset = Dataset("Imported")
    segment = dataset.create_segment()
    for auth_data in gas.get_cloud_client("bench").list_auth_data("src/"):
        segment.append(auth_data)
    listed = time.perf_counter()
    client = gas.upload_dataset(dataset, jobs=jobs, quiet=True)
    done = time.perf_counter()
    client.checkout(draft_number=client.draft_number)
    return listed - started, done - listed, len(client.get_segment("").list_data())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument(
        "--postgres", action="store_true", help="run gas serve on a fresh PostgreSQL database"
    )
    args = parser.parse_args()
    for name, value in {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}.items():
        os.environ.setdefault(name, value)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
    work = Path(tempfile.mkdtemp(prefix="tensorbay-bench-"))
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    drop = None
    db_url = "sqlite:///" + str(work / "server" / "gas.db")
    if args.postgres:
        created = fresh_postgres_database()
        if created is None:
            raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432")
        db_url, drop = created
    (work / "server").mkdir()
    (work / "roots").mkdir()
    server = GasServer(db_url, work / "server", work / "roots")
    try:
        fill_bucket(endpoint, args.objects)
        embedded = run_import(
            GAS("Accesskey-bench", home=str(work / "embedded")), endpoint, "embedded", args.jobs
        )
        server.start()
        http = run_import(GAS(server.new_user(), url=server.url), endpoint, "http", args.jobs)
    finally:
        server.stop()
        if drop is not None:
            drop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)

    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.objects:,} S3 objects (moto), upload_dataset(jobs={args.jobs}); server on {database}")
    for mode, (listing, upload, count) in (("embedded", embedded), ("gas serve", http)):
        assert count == args.objects, f"{mode} imported {count} of {args.objects}"
        rate = args.objects / upload
        print(f"{mode:>10}: list {listing:6.2f} s | import {upload:6.2f} s ({rate:,.0f} objects/s)")
    print(f"ratio gas serve / embedded: import {http[1] / embedded[1]:.2f}, list {http[0] / embedded[0]:.2f}")


if __name__ == "__main__":
    main()
