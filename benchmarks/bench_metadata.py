"""A million-entry dataset through the service's metadata layer (no files are created).

Measures, in one run: metadata write rate (batches of 1,000 entries, as upload_dataset
records them), commit time, opening a new draft on top (copies the tree), a full listing
through the paged ``list_data`` operation, and peak memory of the listing.

    python benchmarks/bench_metadata.py [--entries 1000000] [--db sqlite:///...|postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc

from tensorbay_core.service import open_service

BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="tensorbay-bench-")
    service = open_service(args.db or f"sqlite:///{home}/bench.db", home)
    user = service.ensure_user("bench")
    service.create_dataset(user, "Million")
    service.create_draft(user, "Million", "load")
    service.create_segment(user, "Million", 1, "")
    label = json.dumps({"CLASSIFICATION": {"category": "cat", "attributes": {"quality": 3}}})

    started = time.perf_counter()
    for first in range(0, args.entries, BATCH):
        rows = [
            {
                "path": f"{i:08d}.jpg",
                "storage_key": f"datasets/bench/.objects/{i:040x}",
                "size": 1000 + i % 977,
                "etag": f"{i:x}",
                "checksum": f"{i:040x}",
                "object_id": None,
                "label": label,
                "timestamp": None,
            }
            for i in range(first, min(first + BATCH, args.entries))
        ]
        with service.store.begin() as conn:  # one transaction per batch, as an upload records it
            tree = service._draft_tree(conn, user, "Million", 1)
            service._record_entries(conn, tree, "", rows, {})
    write = time.perf_counter() - started

    started = time.perf_counter()
    service.commit(user, "Million", 1, "a million")
    commit = time.perf_counter() - started

    started = time.perf_counter()
    service.create_draft(user, "Million", "on top")
    new_draft = time.perf_counter() - started

    tracemalloc.start()
    started = time.perf_counter()
    count, after = 0, ""
    while True:
        page = service.list_data(user, "Million", "", start_after=after, limit=1000)
        count += len(page["data"])
        if not page["truncated"]:
            break
        after = page["data"][-1]["remotePath"]
    listing = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == args.entries, (count, args.entries)

    print(f"entries:            {args.entries:,} ({service.store.engine.url.get_backend_name()})")
    print(f"metadata write:     {write:8.2f} s  = {args.entries / write:,.0f} entries/s (batches of {BATCH})")
    print(f"commit:             {commit * 1000:8.2f} ms")
    print(f"new draft on top:   {new_draft:8.2f} s (copies the tree)")
    print(f"full listing:       {listing:8.2f} s  = {args.entries / listing:,.0f} entries/s (pages of 1,000)")
    print(f"listing peak alloc: {peak / 2**20:8.2f} MiB (tracemalloc)")
    print(f"process max RSS:    {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.1f} MiB")


if __name__ == "__main__":
    main()
