"""A disk that fills during an upload (issue "Exactly-once", finding 1): the upload fails
loudly and names exactly the files it did not record, nothing is committed, and once space
is freed a resume finishes the upload exactly once.

The disk is a small tmpfs (the tests run as root; they skip where mounting is refused).
Embedded mode: the SQLite database alone on it (the storage bind-mounted from a roomy
disk), or the whole TENSORBAY_HOME. Team mode: a ``gas serve`` whose home is on it. Every
upload and every look afterwards runs in a fresh process, as a user's next run would.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset

from .processes import Outcome, in_fresh_process
from .servers.gas import GasServer

FILES = 1000
NAME = "Full"
SEGMENT = "s"
#: Sizes of the small disk. With the database alone on it: room for the schema and a few
#: hundred entries, not a thousand (the database and its WAL take ~5 MB for 1000). With the
#: whole home, the stored files take room too (a page each).
DATABASE_DISK = "1500k"
HOME_DISK = "3m"
ROOMY = "256m"


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def unmount(where: Path) -> None:
    if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@dataclass
class SmallDisk:
    """A tmpfs at ``path``; ``grow()`` gives it room (``mount -o remount``)."""

    path: Path

    def grow(self) -> None:
        mount("-o", f"remount,size={ROOMY}", str(self.path))


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[SmallDisk]:
    """A tmpfs of ``size`` mounted at ``path`` (made here) while the block runs."""
    path.mkdir()
    try:
        mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root or CAP_SYS_ADMIN): {exc}")
    try:
        yield SmallDisk(path)
    finally:
        unmount(path)


@dataclass
class Home:
    """Where an upload goes, on a small disk: ``who`` is a ``GAS``'s arguments (access key,
    URL, home); ``server``, in team mode, the ``gas serve`` whose home is on the disk."""

    disk: SmallDisk
    who: tuple[str, str, str | None]
    server: GasServer | None = None


@pytest.fixture(params=["embedded-database", "embedded-home", "team-home"])
def full_home(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Home]:
    """A home on a small disk: embedded, with the database alone on it (the storage is on a
    roomy disk) or all of it; or a ``gas serve``'s home (SQLite database and storage)."""
    mode, what = request.param.split("-")
    with small_disk(tmp_path / "home", HOME_DISK if what == "home" else DATABASE_DISK) as disk:
        if mode == "team":
            (tmp_path / "roots").mkdir()
            server = GasServer(f"sqlite:///{disk.path}/gas.db", disk.path, tmp_path / "roots")
            server.log_path = tmp_path / "server.log"  # the log must not need the full disk
            server.start()
            try:
                yield Home(disk, (server.new_user(), server.url, None), server)
            finally:
                server.stop()
        elif what == "home":
            yield Home(disk, ("Accesskey-embedded", "", str(disk.path)))
        else:
            roomy = tmp_path / "storage"
            roomy.mkdir()
            (disk.path / "storage").mkdir()
            mount("--bind", str(roomy), str(disk.path / "storage"))
            try:
                yield Home(disk, ("Accesskey-embedded", "", str(disk.path)))
            finally:
                unmount(disk.path / "storage")


#: What the HTTP client tries again (``client/retry.py``): a full disk must be none of them.
RETRIED = {408, 425, 429, 502, 503, 504}


def statuses(log: str) -> set[int]:
    """The statuses of the responses in a server log (its access log lines)."""
    return {int(status) for status in re.findall(r'HTTP/1\.1" (\d{3})', log)}


def write_files(folder: Path, count: int) -> dict[str, bytes]:
    """``count`` small files of distinct contents; ``{remote path: bytes}``."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {f"{i:04d}.bin": f"file {i}\n".encode() * (1 + i % 5) for i in range(count)}
    for path, body in contents.items():
        (folder / path).write_bytes(body)
    return contents


# -- what the fresh processes do -----------------------------------------------------------------


def upload(
    _ready: Callable[[], None],
    access_key: str,
    url: str,
    home: str | None,
    folder: str,
    paths: list[str],
    draft: int | None,
) -> int | None:
    """``upload_dataset`` of ``folder``'s ``paths``, committing at the end; the client's draft
    number after it (None once it committed)."""
    gas = GAS(access_key, url, home=home)
    dataset = Dataset(NAME)
    segment = dataset.create_segment(SEGMENT)
    for path in paths:
        segment.append(Data(str(Path(folder) / path)))
    return gas.upload_dataset(
        dataset, draft, jobs=8, quiet=True, skip_uploaded_files=draft is not None, commit="all files"
    ).draft_number


def create(_ready: Callable[[], None], access_key: str, url: str, home: str | None) -> None:
    GAS(access_key, url, home=home).create_dataset(NAME)


def state(_ready: Callable[[], None], access_key: str, url: str, home: str | None) -> dict[str, Any]:
    """The dataset's drafts (number, status, paths) and commits, as the service has them."""
    client = GAS(access_key, url, home=home).get_dataset(NAME)
    drafts = {}
    for draft in client.list_drafts(status="ALL"):
        client.checkout(draft_number=draft["number"])
        paths = list(client.get_segment(SEGMENT).list_data_paths())
        drafts[draft["number"]] = (draft["status"], paths)
    return {"drafts": drafts, "commits": client.list_commits(revision="main")}


def read_head(_ready: Callable[[], None], access_key: str, url: str, home: str | None) -> dict[str, Any]:
    """The commits, and every file of the latest one read back."""
    client = GAS(access_key, url, home=home).get_dataset(NAME)
    found = {}
    for data in client.get_segment(SEGMENT).list_data():
        assert data.path not in found, f"{data.path} is listed twice"
        with data.open() as fp:
            found[data.path] = fp.read()
    return {"commits": client.list_commits(), "files": found}


# -- the tests -----------------------------------------------------------------------------------


def check_failure(outcome: Outcome, seen: dict[str, Any], paths: list[str]) -> int:
    """The upload failed, named exactly the files its draft lacks, and committed nothing;
    the draft's number."""
    [(number, (status, recorded))] = seen["drafts"].items()
    missing = sorted(set(paths) - set(recorded))
    found = f"{len(recorded)} of {len(paths)} files in draft #{number} ({status}); the upload: {outcome}"
    assert missing, "the disk never filled: make it smaller"
    assert outcome.error == "UploadError", f"the upload did not fail naming its files: {found}"
    assert status == "OPEN" and not seen["commits"], f"a commit happened although files were missing: {found}"
    assert len(recorded) == len(set(recorded))
    named = [path.removeprefix(f"{SEGMENT}/") for path in outcome.failures]
    assert set(named) <= set(missing) and len(set(named)) == len(named), f"recorded files named: {found}"
    assert len(named) + outcome.unsent == len(missing), (
        f"{len(missing)} files are missing, the error names {len(named)} and {outcome.unsent} unsent: {found}"
    )
    assert f"draft_number={number}" in outcome.message
    return int(number)


def test_upload_onto_a_full_disk_fails_exactly_then_resumes(full_home: Home, tmp_path: Path) -> None:
    contents = write_files(tmp_path / "files", FILES)
    paths = sorted(contents)
    who = full_home.who
    assert in_fresh_process(create, *who).ok

    outcome = in_fresh_process(upload, *who, str(tmp_path / "files"), paths, None)
    if full_home.server is not None:
        answers = statuses(full_home.server.log_text())
        assert not answers & RETRIED, f"the server answered {answers & RETRIED}: the client retries those"
        assert 500 not in answers
    full_home.disk.grow()
    number = check_failure(outcome, in_fresh_process(state, *who).value, paths)

    resumed = in_fresh_process(upload, *who, str(tmp_path / "files"), paths, number)
    assert resumed.ok and resumed.value is None, resumed
    head = in_fresh_process(read_head, *who).value
    assert [c["title"] for c in head["commits"]] == ["all files"]
    assert head["files"] == contents
