"""Import and upload on the local provider, against a plain thread pool of fsspec copies.

On the same files, in interleaved rounds (see ``interleave.py``):
- import N AuthData with ``upload_dataset(jobs)`` (into a new dataset and segment each
  round, so every file is copied, to its readable key) vs ``ThreadPoolExecutor(jobs)`` mapping fsspec
  ``LocalFileSystem.copy`` over the same objects;
- upload N small local files with ``upload_dataset(jobs)`` (a fresh dataset each round) vs
  the same pool mapping fsspec ``put_file``.
Times are medians with [min-max] over the rounds; ratios are ours / raw per round, so
above 1 means tensorbay-core took longer than the raw loop. With ``--server``, team mode
joins the rounds: the same import and upload through a local ``gas serve`` (SQLite, the
files in the user's local area, uploads through its signed ``/storage`` URLs), reported
as its ratio to embedded mode.

    python benchmarks/bench_local_upload.py [--files 10000] [--jobs 8] [--rounds 5] [--server]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

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
    parser.add_argument("--server", action="store_true", help="also through a local gas serve")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tensorbay-bench-")
    roots = os.path.join(work, "roots")
    bucket = os.path.join(roots, "bench", "bucket")  # inside user "bench"'s local area
    sources = make_files(os.path.join(bucket, "src"), args.files)
    local = make_files(os.path.join(work, "local"), args.files)
    with ExitStack() as stack:
        modes = {"ours": GAS("Accesskey-bench", home=os.path.join(work, "home"))}
        if args.server:
            modes["team"] = stack.enter_context(team_mode(work, roots))
        imports, uploads = measure(modes, bucket, sources, local, work, args.jobs, args.rounds)
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
        if "team" in samples:
            print(
                f"{'':<16} gas serve {spread(samples['team'])} s"
                f" | ratio to embedded {spread(ratios(samples['team'], samples['ours']))}"
            )
    shutil.rmtree(work, ignore_errors=True)


@contextmanager
def team_mode(work: str, roots: str) -> Iterator[GAS]:
    """A GAS of user "bench" on a ``gas serve`` (SQLite) whose local root is ``roots``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.servers.gas
    from tests.servers.gas import GasServer

    home = Path(work, "server")
    home.mkdir()
    server = GasServer("sqlite:///" + str(home / "gas.db"), home, Path(roots))
    server.start()
    try:
        yield GAS(server.new_user("bench"), url=server.url)
    finally:
        server.stop()


def measure(
    modes: dict[str, GAS],
    bucket: str,
    sources: list[str],
    local: list[str],
    work: str,
    jobs: int,
    rounds: int,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Interleaved rounds of import and of upload for each mode and the raw pool."""
    listed = {}
    for mode, gas in modes.items():
        gas.create_local_storage_config("bucket", bucket)
        listed[mode] = list(gas.get_cloud_client("bucket").list_auth_data("src/"))

    def ours_import(mode: str) -> Callable[[int], float]:
        def run(round_number: int) -> float:
            gas, name = modes[mode], f"Imported{round_number}"  # a new dataset copies every file again
            gas.create_dataset(name, config_name="bucket")
            dataset = Dataset(name)
            dataset.create_segment(f"{mode}{round_number}").extend(listed[mode])
            return timed(lambda: gas.upload_dataset(dataset, jobs=jobs, quiet=True))

        return run

    def ours_upload(mode: str) -> Callable[[int], float]:
        def run(round_number: int) -> float:
            gas, name = modes[mode], f"Uploaded{round_number}"
            gas.create_dataset(name)
            dataset = Dataset(name)
            dataset.create_segment().extend(Data(path) for path in local)
            return timed(lambda: gas.upload_dataset(dataset, jobs=jobs, quiet=True))

        return run

    def raw(kind: str, paths: list[str], put: bool) -> Callable[[int], float]:
        def run(round_number: int) -> float:
            target = os.path.join(work, f"raw-{kind}-{round_number}")
            return raw_copies([(s, os.path.join(target, os.path.basename(s))) for s in paths], jobs, put)

        return run

    imports = interleaved({**{m: ours_import(m) for m in modes}, "raw": raw("copy", sources, False)}, rounds)
    uploads = interleaved({**{m: ours_upload(m) for m in modes}, "raw": raw("put", local, True)}, rounds)
    return imports, uploads


if __name__ == "__main__":
    main()
