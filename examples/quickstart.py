"""The TensorBay flow on the embedded default: no server, nothing to configure.

Generates a folder of images and label files (a stand-in for your bucket), registers it as a
local storage config, imports it as a labelled dataset, commits, and reads it back. Metadata
lives under $TENSORBAY_HOME (default ~/.tensorbay), the sample folder under the system's
temporary directory. At the end the dataset, its config and the folder are removed again;
with --keep they stay, and the script prints how to remove them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import tempfile
import time

from tensorbay_core import GAS
from tensorbay_core.dataset import Dataset
from tensorbay_core.label import Classification

CATEGORIES = ["cat", "dog", "bird"]
ACCESS_KEY = "Accesskey-*****"  # embedded mode accepts any non-empty key


def make_bucket(root: str, count: int) -> None:
    """``root/data/images/*.png`` with ``root/data/labels/*.json`` beside them."""
    for sub in ("images", "labels"):
        os.makedirs(os.path.join(root, "data", sub), exist_ok=True)
    rng = random.Random(7)
    for i in range(count):
        with open(os.path.join(root, "data", "images", f"{i:04d}.png"), "wb") as fp:
            fp.write(b"\x89PNG\r\n\x1a\n" + rng.randbytes(256))
        with open(os.path.join(root, "data", "labels", f"{i:04d}.json"), "w") as fp:
            json.dump({"category": rng.choice(CATEGORIES), "attributes": {"quality": rng.randint(1, 5)}}, fp)


def removal(home: str, name: str, config: str, bucket: str) -> str:
    """Shell commands that remove what a kept run left."""
    python = f"from tensorbay_core import GAS; gas = GAS({json.dumps(ACCESS_KEY)}, home={json.dumps(home)}); "
    python += f"gas.delete_dataset({json.dumps(name)}); gas.delete_storage_config({json.dumps(config)})"
    return f"  python -c {shlex.quote(python)}\n  rm -r {shlex.quote(bucket)}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the dataset, its storage config and the sample folder (and print how to remove them)",
    )
    parser.add_argument(
        "--files", type=int, default=200, metavar="N", help="images to generate (default 200)"
    )
    args = parser.parse_args()

    home = os.path.abspath(os.path.expanduser(os.environ.get("TENSORBAY_HOME") or "~/.tensorbay"))
    bucket = tempfile.mkdtemp(prefix="tensorbay-bucket-")
    make_bucket(bucket, args.files)
    suffix = time.strftime("%Y%m%d%H%M%S")
    name, config = f"Quickstart-{suffix}", f"bucket-{suffix}"

    gas = GAS(ACCESS_KEY, home=home)
    gas.create_local_storage_config(config, bucket)  # no endpoint: embedded reads give file:// URLs
    gas.create_dataset(name, config_name=config)
    cloud_client = gas.get_cloud_client(config)

    dataset = Dataset(name)
    segment = dataset.create_segment()
    for auth_data, label in zip(
        cloud_client.list_auth_data("data/images/"), cloud_client.list_auth_data("data/labels/"), strict=True
    ):
        with label.open() as fp:
            auth_data.label.classification = Classification.loads(json.load(fp))
        segment.append(auth_data)

    dataset_client = gas.upload_dataset(dataset, jobs=8, quiet=True)
    commit_id = dataset_client.commit("initial import")

    read = Dataset(name, gas)
    data = list(read[0])
    counts: dict[str, int] = {}
    for item in data:
        category = item.label.classification.category
        counts[category] = counts.get(category, 0) + 1
    with data[0].open() as fp:
        first = fp.read()
    print(f"Imported {len(data)} files from {bucket} into dataset {name!r} (commit {commit_id[:8]}).")
    print(f"Categories: {', '.join(f'{k}={v}' for k, v in sorted(counts.items()))}")
    print(f"First file: {data[0].path}, {len(first)} bytes, label {data[0].label.classification.dumps()}")
    print(f"Its URL: {data[0].get_url()}")
    print(f"Configs and datasets are recorded in {home} (TENSORBAY_HOME).")

    if args.keep:
        print(f"Kept dataset {name!r}, storage config {config!r} and the sample folder {bucket}.")
        print(f"To remove them:\n{removal(home, name, config, bucket)}", end="")
        return
    gas.delete_dataset(name)
    gas.delete_storage_config(config)
    shutil.rmtree(bucket)
    print(f"Removed dataset {name!r}, storage config {config!r} and the sample folder (--keep keeps them).")


if __name__ == "__main__":
    main()
