"""Listing a local tree: LocalProvider.iter_objects against os.scandir and fsspec, in one run.

Creates N files in 100 folders under a temporary directory, then lists the tree fully
with each method and reports the best of a few timed rounds, the ratios, and each
method's peak traced memory (tracemalloc, in separate rounds so tracing does not skew
the times). Every method stats every file, as the provider does for sizes.

    python benchmarks/bench_listing.py [--files 100000] [--dirs 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from fsspec.implementations.local import LocalFileSystem

from tensorbay_core.storage import create_provider


def make_tree(root: str, files: int, dirs: int) -> None:
    """``files`` small files spread over ``dirs`` folders."""
    per_dir = -(-files // dirs)
    for n in range(files):
        folder = os.path.join(root, f"dir{n // per_dir:04d}")
        if n % per_dir == 0:
            os.mkdir(folder)
        with open(os.path.join(folder, f"file{n:07d}.bin"), "wb") as fp:
            fp.write(b"x" * (n % 64))


def provider_listing(root: str) -> Callable[[], tuple[int, int]]:
    provider = create_provider("local", "bench", root, {})

    def run() -> tuple[int, int]:
        count = total = 0
        for info in provider.iter_objects(""):
            count += 1
            total += info.size
        return count, total

    return run


def scandir_walk(root: str) -> Callable[[], tuple[int, int]]:
    def run() -> tuple[int, int]:
        count = total = 0
        stack = [root]
        while stack:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    if entry.is_dir():
                        stack.append(entry.path)
                    else:
                        count += 1
                        total += entry.stat().st_size
        return count, total

    return run


def fsspec_find(root: str) -> Callable[[], tuple[int, int]]:
    fs = LocalFileSystem(skip_instance_cache=True)

    def run() -> tuple[int, int]:
        found = fs.find(root, detail=True)
        return len(found), sum(info["size"] for info in found.values())

    return run


def best_time(run: Callable[[], tuple[int, int]], rounds: int) -> tuple[float, tuple[int, int]]:
    times, result = [], (0, 0)
    for _ in range(rounds):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_memory(run: Callable[[], tuple[int, int]]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=100_000, help="number of files (default 100000)")
    parser.add_argument("--dirs", type=int, default=100, help="number of folders (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per method; the best counts")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-listing-") as root:
        start = time.perf_counter()
        make_tree(root, args.files, args.dirs)
        print(f"tree: {args.files} files in {args.dirs} folders, made in {time.perf_counter() - start:.1f} s")
        methods = {
            "LocalProvider.iter_objects": provider_listing(root),
            "os.scandir walk": scandir_walk(root),
            "fsspec LocalFileSystem.find": fsspec_find(root),
        }
        results = {}
        for name, run in methods.items():
            seconds, (count, total) = best_time(run, args.rounds)
            assert count == args.files, f"{name} listed {count} files, not {args.files}"
            results[name] = (seconds, peak_memory(run), total)
        sizes = {total for _, _, total in results.values()}
        assert len(sizes) == 1, f"the methods disagree on the total size: {sizes}"

    ours = results["LocalProvider.iter_objects"][0]
    print(f"{'method':<30} {'best s':>8} {'files/s':>10} {'vs ours':>8} {'peak MiB':>9}")
    for name, (seconds, peak, _) in results.items():
        rate = args.files / seconds
        print(f"{name:<30} {seconds:>8.3f} {rate:>10,.0f} {seconds / ours:>7.2f}x {peak / 2**20:>9.2f}")
    print(
        "ratios: iter_objects takes "
        f"{ours / results['os.scandir walk'][0]:.2f}x the time of a bare os.scandir walk and "
        f"{ours / results['fsspec LocalFileSystem.find'][0]:.2f}x that of fsspec find"
    )


if __name__ == "__main__":
    main()
