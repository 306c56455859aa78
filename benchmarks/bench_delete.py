"""delete_dataset against the number of entries that share one stored object.

Uploads N local files with the same bytes (stored once, referenced N times) into a new
dataset, commits, and times ``delete_dataset``, for growing N. A delete that is linear in
its entries takes about twice as long for twice the entries; the first build's took four
times as long (it compared every entry with every other entry sharing its key).

    python benchmarks/bench_delete.py [--sizes 2500,5000,10000,20000] [--jobs 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

from interleave import timed

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2500,5000,10000,20000")
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tensorbay-bench-")
    gas = GAS("Accesskey-bench", home=os.path.join(work, "home"))
    local = os.path.join(work, "same.bin")
    with open(local, "wb") as fp:
        fp.write(b"the same bytes in every file")
    previous = None
    print(f"{'entries':>8} {'delete s':>9} {'per 1k entries':>15} {'vs half as many':>16}")
    for size in (int(n) for n in args.sizes.split(",")):
        name = f"Shared{size}"
        gas.create_dataset(name)
        dataset = Dataset(name)
        dataset.create_segment().extend(Data(local, target_remote_path=f"{i:07d}.bin") for i in range(size))
        gas.upload_dataset(dataset, jobs=args.jobs, quiet=True, commit="shared")
        seconds = timed(lambda name=name: gas.delete_dataset(name))
        growth = f"{seconds / previous:.2f}x" if previous else "-"
        print(f"{size:>8} {seconds:>9.3f} {seconds / size * 1000:>15.4f} {growth:>16}")
        previous = seconds
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
