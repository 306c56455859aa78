"""kill -9 of ``gas serve`` in the middle of an upload, restart, resume: every file exactly once."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path

from tensorbay_core import GAS
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import TensorBayError

FILES = 200
KILL_AFTER = 50


def make_files(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    contents = {}
    for i in range(FILES):
        body = hashlib.sha256(str(i).encode()).digest() * (64 + i)
        (folder / f"{i:04d}.bin").write_bytes(body)
        contents[f"{i:04d}.bin"] = body
    return contents


def local_dataset(folder: Path) -> Dataset:
    dataset = Dataset("Resumed")
    segment = dataset.create_segment("s")
    for name in sorted(os.listdir(folder)):
        segment.append(Data(str(folder / name)))
    return dataset


def test_kill_restart_resume(gas_server, tmp_path: Path) -> None:
    contents = make_files(tmp_path / "files")
    key = gas_server.new_user()
    gas = GAS(key, url=gas_server.url)
    gas.create_dataset("Resumed")
    watcher = HTTPTransport(gas_server.url, key)
    seen_at_kill: list[int] = []
    restart_errors: list[BaseException] = []

    def kill_midway() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                count = watcher.call("count_data", dataset="Resumed", segment="s", version="#1")
            except TensorBayError:  # the draft does not exist yet
                count = 0
            if count >= KILL_AFTER:
                seen_at_kill.append(count)
                try:
                    gas_server.restart()  # kill -9, then start on the same port and database
                except BaseException as exc:
                    restart_errors.append(exc)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_midway)
    killer.start()
    with contextlib.suppress(TensorBayError):  # batches in flight at the kill fail; the resume finishes them
        gas.upload_dataset(local_dataset(tmp_path / "files"), jobs=2, quiet=True)
    killer.join()
    assert not restart_errors, f"the server did not come back: {restart_errors[0]!r}"
    assert seen_at_kill and seen_at_kill[0] < FILES, "the server was not killed in the middle of the upload"

    gas = GAS(key, url=gas_server.url)
    client = gas.upload_dataset(
        local_dataset(tmp_path / "files"), draft_number=1, jobs=4, skip_uploaded_files=True, quiet=True
    )
    client.checkout(draft_number=1)
    data = list(client.get_segment("s").list_data())
    assert [d.path for d in data] == sorted(contents), "every file must be in the draft exactly once"
    for remote in data:
        with remote.open() as fp:
            assert fp.read() == contents[remote.path]
