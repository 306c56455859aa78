"""Ctrl-C in the middle of an upload, then a resume: every file exactly once, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset

#: Enough that the upload outlasts the parent's polling on a busy machine (one job: ~1 ms a file).
FILES = 3000

UPLOAD = textwrap.dedent(
    """
    import os, signal, sys
    from tensorbay_core import GAS
    from tensorbay_core.dataset import Data, Dataset

    folder, home = sys.argv[1], sys.argv[2]
    dataset = Dataset("Interrupted")
    segment = dataset.create_segment("s")
    for name in sorted(os.listdir(folder)):
        segment.append(Data(os.path.join(folder, name)))
    os.nice(19)  # on a busy machine the test, not this upload, gets the CPU first
    # Ctrl-C as on a terminal, whatever this process inherited (a SIGINT ignored or blocked
    # by the process that started it is inherited across exec)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("start", flush=True)
    GAS("Accesskey-x", home=home).upload_dataset(dataset, jobs=1, quiet=True)
    """
)


def stored_objects(home: Path) -> dict[str, int]:
    """Finished content-addressed objects (partial writes have other names) and their inodes."""
    found = {}
    for path in home.glob("storage/datasets/*/.objects/*"):
        try:
            if len(path.name) == 40:
                found[path.name] = path.stat().st_ino
        except FileNotFoundError:
            continue
    return found


def test_sigint_then_resume(tmp_path: Path) -> None:
    folder, home = tmp_path / "files", tmp_path / "home"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"{i:05d}.bin").write_bytes(f"file {i} ".encode() * 50)
    gas = GAS("Accesskey-x", home=str(home))
    gas.create_dataset("Interrupted")

    child = subprocess.Popen(
        [sys.executable, "-c", UPLOAD, str(folder), str(home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stdout.readline() == b"start\n"
    deadline = time.monotonic() + 60
    while len(stored_objects(home)) < FILES // 50 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    assert child.returncode != 0, "the upload should have been interrupted before it finished"
    assert b"skip_uploaded_files=True" in err

    client = gas.get_dataset("Interrupted")
    draft = client.list_drafts()[0]["number"]
    client.checkout(draft_number=draft)
    recorded = list(client.get_segment("s").list_data())
    assert 0 < len(recorded) < FILES
    for data in recorded:  # nothing half-recorded: every recorded entry reads back whole
        with data.open() as fp:
            assert fp.read() == (folder / data.path).read_bytes()
    before = stored_objects(home)

    dataset = Dataset("Interrupted")
    segment = dataset.create_segment("s")

    for name in sorted(os.listdir(folder)):
        segment.append(Data(str(folder / name)))
    gas.upload_dataset(dataset, draft_number=draft, skip_uploaded_files=True, quiet=True, commit="resumed")

    after = stored_objects(home)
    assert len(after) == FILES
    assert {k: after[k] for k in before} == before, "objects stored before the interrupt were written again"
    paths = [d.path for d in Dataset("Interrupted", gas)[0]]
    assert paths == sorted(os.listdir(folder))
