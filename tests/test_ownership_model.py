"""The ownership invariants as a stateful property test, on a local disk and on S3 (moto).

Two datasets share one storage config whose ``file_path`` is the bucket root, next to the
user's own files. Hypothesis runs random sequences of imports (changed sources, colliding
names, in-place references), uploads of local files, commits, drafts, deletes of data,
segments, drafts and whole datasets. After every step:

- I1: every file the user had is there with the user's bytes;
- I2: every commit of every dataset, and every open draft, reads back byte-exact;
- I3: once every dataset is deleted, the storage holds exactly the user's files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tensorbay_core import GAS
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import NotFound

DATASETS = ("alpha", "beta")
SOURCES = ("src/a.bin", "src/b.bin", "src/c.bin")
#: The user's own files, named so that imports collide with them: "" + "notes.txt" lands on
#: the root's notes.txt, "seg" + "x.txt" is exactly seg/x.txt (an in-place reference).
USER_FILES = {"notes.txt": b"the user's notes", "seg/x.txt": b"the user's x", "seg/keep.txt": b"keep me"}
TARGETS = [("", "notes.txt"), ("", "a.bin"), ("seg", "y.txt"), ("seg", "notes.txt"), ("other", "a.bin")]
SEGMENTS = ("", "seg", "other")


@dataclass
class Bucket:
    """The user's side of the storage: what they can see and change without us."""

    put: Callable[[str, bytes], None]
    get: Callable[[str], bytes | None]
    keys: Callable[[], set[str]]
    create_config: Callable[[GAS], None]


@dataclass
class Model:
    """What one dataset must hold."""

    commits: dict[str, dict[tuple[str, str], bytes]] = field(default_factory=dict)
    head: dict[tuple[str, str], bytes] = field(default_factory=dict)
    draft: dict[tuple[str, str], bytes] | None = None


def read_version(
    gas: GAS, name: str, revision: str | None = None, draft: int | None = None
) -> dict[Any, bytes]:
    client = gas.get_dataset(name)
    if draft is not None:
        client.checkout(draft_number=draft)
    elif revision is not None:
        client.checkout(revision)
    found = {}
    for segment in client.list_segment_names():
        for data in client.get_segment(segment).list_data():
            with data.open() as fp:
                found[(segment, data.path)] = fp.read()
    return found


class Ownership(RuleBasedStateMachine):
    """One storage config, two datasets, the user's files, and random operations."""

    bucket: Bucket

    def __init__(self) -> None:
        super().__init__()
        self.home = tempfile.mkdtemp(prefix="tb-ownership-")
        self.gas = GAS("Accesskey-model", home=os.path.join(self.home, "home"))
        self.work = Path(self.home) / "local-files"
        self.work.mkdir()
        self.user = dict(USER_FILES)
        self.models: dict[str, Model] = {}
        self.serial = 0

    @initialize()
    def set_up(self) -> None:
        for key, body in self.user.items():
            self.bucket.put(key, body)
        for index, key in enumerate(SOURCES):
            self.user[key] = f"source {key} version 0 {index}".encode()
            self.bucket.put(key, self.user[key])
        self.bucket.create_config(self.gas)
        for name in DATASETS:
            self.gas.create_dataset(name, config_name="cfg")
            self.models[name] = Model()

    def teardown(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    # -- the user ----------------------------------------------------------------------------

    @rule(source=st.sampled_from(SOURCES), size=st.integers(0, 40))
    def user_changes_a_source(self, source: str, size: int) -> None:
        self.serial += 1
        self.user[source] = f"{source} v{self.serial} ".encode() + b"x" * size
        self.bucket.put(source, self.user[source])

    # -- writes ------------------------------------------------------------------------------

    def _upload(self, name: str, segment: str, data: Any, body: bytes) -> None:
        dataset = Dataset(name)
        dataset.create_segment(segment).append(data)
        model = self.models[name]
        self.gas.upload_dataset(dataset, jobs=2, quiet=True)
        if model.draft is None:
            model.draft = dict(model.head)
        model.draft[(segment, data.path)] = body

    @rule(name=st.sampled_from(DATASETS), source=st.sampled_from(SOURCES), where=st.sampled_from(TARGETS))
    def import_a_source(self, name: str, source: str, where: tuple[str, str]) -> None:
        auth = self._listed(source)
        auth.path = where[1]
        self._upload(name, where[0], auth, self.user[source])

    @rule(name=st.sampled_from(DATASETS))
    def import_in_place(self, name: str) -> None:
        self._upload(name, "seg", self._listed("seg/x.txt"), self.user["seg/x.txt"])

    def _listed(self, key: str) -> Any:
        [auth] = [a for a in self.gas.get_cloud_client("cfg").list_auth_data(key) if a.cloud_path == key]
        return auth

    @rule(
        name=st.sampled_from(DATASETS),
        where=st.sampled_from(TARGETS),
        body=st.sampled_from([b"", b"same bytes", b"other bytes", b"x" * 70]),
    )
    def upload_a_local_file(self, name: str, where: tuple[str, str], body: bytes) -> None:
        self.serial += 1
        local = self.work / f"{self.serial}.bin"
        local.write_bytes(body)
        self._upload(name, where[0], Data(str(local), target_remote_path=where[1]), body)

    @precondition(lambda self: any(m.draft is not None for m in self.models.values()))
    @rule(data=st.data())
    def commit(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from([n for n, m in self.models.items() if m.draft is not None]))
        model = self.models[name]
        client = self.gas.get_dataset(name)
        client.checkout(draft_number=client.list_drafts()[0]["number"])
        commit_id = client.commit(f"commit {self.serial}")
        assert model.draft is not None
        model.commits[commit_id] = model.head = model.draft
        model.draft = None

    @precondition(lambda self: any(m.draft for m in self.models.values()))
    @rule(data=st.data())
    def delete_data(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from([n for n, m in self.models.items() if m.draft]))
        model = self.models[name]
        assert model.draft is not None
        segment, path = data.draw(st.sampled_from(sorted(model.draft)))
        client = self._draft_client(name)
        client.get_segment(segment).delete_data(path)
        del model.draft[(segment, path)]

    @precondition(lambda self: any(m.draft is not None for m in self.models.values()))
    @rule(data=st.data(), segment=st.sampled_from(SEGMENTS))
    def delete_segment(self, data: st.DataObject, segment: str) -> None:
        name = data.draw(st.sampled_from([n for n, m in self.models.items() if m.draft is not None]))
        model = self.models[name]
        assert model.draft is not None
        self._draft_client(name).delete_segment(segment)
        model.draft = {k: v for k, v in model.draft.items() if k[0] != segment}

    @precondition(lambda self: any(m.draft is not None for m in self.models.values()))
    @rule(data=st.data())
    def close_draft(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from([n for n, m in self.models.items() if m.draft is not None]))
        client = self.gas.get_dataset(name)
        client.close_draft(client.list_drafts()[0]["number"])
        self.models[name].draft = None

    @rule(name=st.sampled_from(DATASETS))
    def delete_and_recreate_dataset(self, name: str) -> None:
        self.gas.delete_dataset(name)
        self.gas.create_dataset(name, config_name="cfg")
        self.models[name] = Model()

    def _draft_client(self, name: str) -> Any:
        client = self.gas.get_dataset(name)
        client.checkout(draft_number=client.list_drafts()[0]["number"])
        return client

    # -- the invariants ----------------------------------------------------------------------------

    @invariant()
    def users_files_are_untouched(self) -> None:
        for key, body in self.user.items():
            assert self.bucket.get(key) == body, f"the user's {key} was changed"

    @invariant()
    def every_version_reads_back_byte_exact(self) -> None:
        for name, model in self.models.items():
            for commit_id, contents in model.commits.items():
                assert read_version(self.gas, name, revision=commit_id) == contents, (name, commit_id)
            if model.draft is not None:
                number = self.gas.get_dataset(name).list_drafts()[0]["number"]
                assert read_version(self.gas, name, draft=number) == model.draft, (name, "draft")

    def check_nothing_left_behind(self) -> None:
        for name in DATASETS:
            self.gas.delete_dataset(name)
        with pytest.raises(NotFound):
            self.gas.get_dataset(DATASETS[0])
        leftover = self.bucket.keys() - set(self.user)
        assert not leftover, f"objects left behind after every dataset was deleted: {sorted(leftover)}"


def run_model(fresh_bucket: Callable[[], Bucket], examples: int, steps: int) -> None:
    """Run the state machine, each example on a new bucket; at its end every dataset is
    deleted and nothing but the user's files may remain."""

    class Machine(Ownership):
        def __init__(self) -> None:
            self.bucket = fresh_bucket()
            super().__init__()

        def teardown(self) -> None:
            try:
                if self.models:
                    self.users_files_are_untouched()
                    self.check_nothing_left_behind()
            finally:
                super().teardown()

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_ownership_invariants_on_a_local_disk(tmp_path: Path) -> None:
    def fresh_bucket() -> Bucket:
        root = Path(tempfile.mkdtemp(prefix="bucket-", dir=tmp_path))

        def put(key: str, body: bytes) -> None:
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(body)

        def get(key: str) -> bytes | None:
            return (root / key).read_bytes() if (root / key).is_file() else None

        def keys() -> set[str]:
            return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

        return Bucket(put, get, keys, lambda gas: gas.create_local_storage_config("cfg", str(root)))

    run_model(fresh_bucket, examples=25, steps=25)


def test_ownership_invariants_on_s3(s3_bucket: Any) -> None:
    client = s3_bucket.client

    def fresh_bucket() -> Bucket:
        name = f"tb-model-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=name)

        def put(key: str, body: bytes) -> None:
            client.put_object(Bucket=name, Key=key, Body=body)

        def get(key: str) -> bytes | None:
            try:
                return bytes(client.get_object(Bucket=name, Key=key)["Body"].read())
            except client.exceptions.NoSuchKey:
                return None

        def keys() -> set[str]:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
            return {item["Key"] for page in pages for item in page.get("Contents", ())}

        def create_config(gas: GAS) -> None:
            gas.create_s3_storage_config(
                "cfg",
                "",
                endpoint=s3_bucket.endpoint,
                accesskey_id=s3_bucket.key_id,
                accesskey_secret=s3_bucket.secret,
                bucket_name=name,
            )

        return Bucket(put, get, keys, create_config)

    run_model(fresh_bucket, examples=10, steps=20)
