"""Several processes on one store: what one process changes, another sees.

Two notebooks on one ``$TENSORBAY_HOME``, or several ``gas serve`` processes on one
database, each keep their own cache of storage providers. A config deleted and another
created by a different process may get the same row id (SQLite reuses the highest one);
a process that cached the first must not write the second's data to the first's storage.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset

from .processes import in_fresh_process

KEY = "Accesskey-" + "s" * 32
DB_NAME = "tensorbay.db"


def _upload(gas: GAS, name: str, local: Path) -> None:
    dataset = Dataset(name)
    dataset.create_segment().append(Data(str(local)))
    gas.upload_dataset(dataset, quiet=True, commit="one file")


def _replace_config(ready: object, home: str, old: str, new: str, root: str) -> None:
    """In another process: delete dataset and config ``old``, create config ``new`` on ``root``
    and a dataset on it; the new config's row id."""
    gas = GAS(KEY, home=home)
    gas.delete_dataset(old)
    gas.delete_storage_config(old)
    gas.create_local_storage_config(new, root)
    gas.create_dataset(new, config_name=new)


def _config_id(home: Path, name: str) -> int:
    with sqlite3.connect(home / DB_NAME) as db:
        return int(db.execute("SELECT id FROM storage_configs WHERE name = ?", (name,)).fetchone()[0])


def test_a_config_made_in_another_process_is_never_served_by_a_cached_one(tmp_path: Path) -> None:
    home, first, second = tmp_path / "home", tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    local = tmp_path / "photo.bin"
    local.write_bytes(b"bytes of a photo")
    gas = GAS(KEY, home=str(home))
    gas.create_local_storage_config("one", str(first))
    gas.create_dataset("one", config_name="one")
    _upload(gas, "one", local)  # this process now holds a provider for config "one"

    one = _config_id(home, "one")
    outcome = in_fresh_process(_replace_config, str(home), "one", "two", str(second))
    assert outcome.ok, outcome
    assert _config_id(home, "two") == one  # the row id was reused: the case this test is about

    _upload(gas, "two", local)
    written = [p for p in first.rglob("*") if p.is_file()]
    assert written == [], f"config 'two' wrote into config 'one''s deleted root: {written}"
    assert [p.read_bytes() for p in second.rglob("*") if p.is_file()] == [b"bytes of a photo"]
    assert Dataset("two", gas)[0][0].open().read() == b"bytes of a photo"
