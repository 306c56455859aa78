"""Local storage knows an object by its content, not its mtime (issue "Exactly-once",
finding 2), in both modes.

Uploads are stored content-addressed, so files with the same bytes meet at one place:
batches of one upload with repeated content, and two uploads (two processes) of the same
content at once, must leave every committed file readable byte-exact. A ``touch`` of a
stored object changes nothing a reader cares about; new bytes written over it with the old
mtime put back (``cp -p``, ``rsync -t``) must be caught (``DataChanged``), never returned.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import DataChanged

from .processes import Racers

SEGMENT = "s"
CHANGED = "DataChanged"


@dataclass(frozen=True)
class Place:
    """A ``GAS``'s arguments (access key, URL, home) and the default storage's folder."""

    who: tuple[str, str, str | None]
    storage: Path

    def gas(self) -> GAS:
        key, url, home = self.who
        return GAS(key, url, home=home)

    def stored(self, body: bytes) -> list[Path]:
        """The stored objects holding ``body`` (uploads are named by their SHA-1)."""
        return sorted(self.storage.rglob(hashlib.sha1(body).hexdigest()))


@pytest.fixture
def place(mode: str, tmp_path: Path, request: pytest.FixtureRequest) -> Place:
    if mode == "embedded":
        home = tmp_path / "home"
        return Place(("Accesskey-embedded", "", str(home)), home / "storage")
    server = request.getfixturevalue("gas_server")
    return Place((server.new_user(), server.url, None), server.home / "storage")


@pytest.fixture(scope="module")
def two_racers() -> Iterator[Racers]:
    racers = Racers(2)
    yield racers
    racers.close()


def write_files(folder: Path, count: int, distinct: int) -> dict[str, bytes]:
    """``count`` files with ``distinct`` contents among them; ``{remote path: bytes}``."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {f"{i:04d}.bin": f"content {i % distinct}\n".encode() * 20 for i in range(count)}
    for path, body in contents.items():
        (folder / path).write_bytes(body)
    return contents


def local_dataset(name: str, folder: Path, paths: list[str]) -> Dataset:
    dataset = Dataset(name)
    segment = dataset.create_segment(SEGMENT)
    for path in paths:
        segment.append(Data(str(folder / path)))
    return dataset


def read_head(gas: GAS, name: str) -> dict[str, bytes | str]:
    """Every file of the dataset's latest commit, read back; ``CHANGED`` for a file that
    cannot be read byte-exact (``DataChanged``)."""
    found: dict[str, bytes | str] = {}
    for data in gas.get_dataset(name).get_segment(SEGMENT).list_data():
        try:
            with data.open() as fp:
                found[data.path] = fp.read()
        except DataChanged:
            found[data.path] = CHANGED
    return found


def unreadable(found: dict[str, bytes | str]) -> str:
    return f"{sum(body == CHANGED for body in found.values())} of {len(found)} files raise DataChanged"


def upload(
    ready: Callable[[], None],
    who: tuple[str, str, str | None],
    name: str,
    draft: int,
    folder: str,
    paths: list[str],
) -> None:
    """A racer's upload into a draft (the racers share it)."""
    gas = GAS(who[0], who[1], home=who[2])
    dataset = local_dataset(name, Path(folder), paths)
    gas.get_dataset(name)
    ready()
    gas.upload_dataset(dataset, draft, jobs=4, quiet=True)


def test_a_thousand_files_of_fifty_contents_read_back(place: Place, tmp_path: Path) -> None:
    gas = place.gas()
    gas.create_dataset("Repeated")
    contents = write_files(tmp_path / "files", 1000, distinct=50)
    gas.upload_dataset(
        local_dataset("Repeated", tmp_path / "files", sorted(contents)), jobs=8, quiet=True, commit="v1"
    )
    found = read_head(gas, "Repeated")
    assert found == contents, unreadable(found)


def test_two_uploads_of_the_same_content_at_once(place: Place, two_racers: Racers, tmp_path: Path) -> None:
    name = f"Twice-{uuid.uuid4().hex[:8]}"
    gas = place.gas()
    client = gas.create_dataset(name)
    draft = client.create_draft("both uploads")
    expected: dict[str, bytes] = {}
    args = []
    for racer in range(2):
        folder = tmp_path / f"racer{racer}"
        contents = {f"{racer}-{p}": body for p, body in write_files(folder, 100, distinct=20).items()}
        for path, body in contents.items():
            (folder / path).write_bytes(body)
        expected.update(contents)
        args.append((place.who, name, draft, str(folder), sorted(contents)))
    outcomes = two_racers.race(upload, args)
    assert all(o.ok for o in outcomes), outcomes
    client.commit("both uploads")
    found = read_head(gas, name)
    assert found == expected, unreadable(found)


def stored_file(place: Place, tmp_path: Path, name: str) -> tuple[GAS, bytes, Path]:
    """A committed dataset of one file: its bytes (of this test alone) and the object holding them."""
    body = f"the recorded bytes of {tmp_path.name}\n".encode() * 50
    gas = place.gas()
    gas.create_dataset(name)
    (tmp_path / "x.bin").write_bytes(body)
    gas.upload_dataset(local_dataset(name, tmp_path, ["x.bin"]), quiet=True, commit="v1")
    [stored] = place.stored(body)
    return gas, body, stored


def test_a_touched_object_still_reads(place: Place, tmp_path: Path) -> None:
    gas, body, stored = stored_file(place, tmp_path, "Touched")
    os.utime(stored)
    assert read_head(gas, "Touched") == {"x.bin": body}


def test_new_bytes_under_the_old_mtime_are_caught(place: Place, tmp_path: Path) -> None:
    gas, body, stored = stored_file(place, tmp_path, "Overwritten")
    before = stored.stat()
    with open(stored, "r+b") as fp:  # as `cp -p` does: the same file, new bytes, the old mtime back
        fp.write(b"X" * len(body))
    os.utime(stored, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert stored.stat().st_size == len(body)
    assert read_head(gas, "Overwritten") == {"x.bin": CHANGED}
