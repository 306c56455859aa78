"""The SDK is a library: it prints nothing of its own and logs what a caller may want to see.

Its output belongs to the program that uses it. What a user must act on is a warning
(reading a dataset that has only drafts); the rest goes to the ``tensorbay_core`` logger.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset


def test_upload_into_a_draft_logs_instead_of_printing(
    gas: GAS, tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tensorbay_core")
    (tmp_path / "cat.png").write_bytes(b"\x89PNG not really")
    gas.create_dataset("Quiet")
    dataset = Dataset("Quiet")
    dataset.create_segment().append(Data(str(tmp_path / "cat.png")))

    gas.upload_dataset(dataset, jobs=1)  # not quiet: only the progress bar may show

    out, err = capfd.readouterr()
    assert out == ""
    assert "draft" not in err
    [record] = [r for r in caplog.records if "draft #1" in r.getMessage()]
    assert record.name.startswith("tensorbay_core") and record.levelno == logging.INFO
    assert "'Quiet'" in record.getMessage() and "commit" in record.getMessage()
