"""Listing a local tree: LocalProvider.iter_objects against os.scandir and fsspec, in one run.

Creates N files in 100 folders under a temporary directory, then lists the tree fully
with each method in interleaved rounds (see ``interleave.py``) and reports each method's
median time with its spread, the per-round ratios to ours, and each method's peak traced
memory (tracemalloc, in separate runs so tracing does not skew the times). Every method
stats every file, as the provider does for sizes.

    python benchmarks/bench_listing.py [--files 100000] [--dirs 100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from fsspec.implementations.local import LocalFileSystem
from interleave import interleaved, ratios, spread, timed

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
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds (default 5)")
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
        counted: dict[str, tuple[int, int]] = {}

        def side(name: str, run: Callable[[], tuple[int, int]]) -> Callable[[int], float]:
            def measured(_round: int) -> float:
                return timed(lambda: counted.__setitem__(name, run()))

            return measured

        samples = interleaved({name: side(name, run) for name, run in methods.items()}, args.rounds)
        for name, (count, _) in counted.items():
            assert count == args.files, f"{name} listed {count} files, not {args.files}"
        assert len({total for _, total in counted.values()}) == 1, f"the methods disagree: {counted}"
        peaks = {name: peak_memory(run) for name, run in methods.items()}

    ours = samples["LocalProvider.iter_objects"]
    print(f"{args.files:,} files, {args.rounds} interleaved rounds; seconds: median [min-max]")
    print(f"{'method':<30} {'seconds':>24} {'files/s':>10} {'ours / it':>24} {'peak MiB':>9}")
    for name, times in samples.items():
        rate = args.files / statistics.median(times)
        print(
            f"{name:<30} {spread(times):>24} {rate:>10,.0f} {spread(ratios(ours, times)):>24}"
            f" {peaks[name] / 2**20:>9.2f}"
        )


if __name__ == "__main__":
    main()
