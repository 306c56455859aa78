"""Users are isolated by the service: another user's dataset or config simply does not exist.

Every operation of the registry is covered: one that names a dataset or config is called
by an outsider with the owner's names (NotFound, worded exactly as for a name nobody has)
and by the owner (no NotFound, so the arguments are right). An operation that names
neither must be listed in ``NAMES_NOTHING`` and is checked by hand below, so a new
operation cannot escape this test.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from tensorbay_core.api import Operation, operations
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.errors import NotFound, TensorBayError

OPERATIONS = operations()

UPLOADED = b"uploaded bytes"
IN_BUCKET = b"an object in the owner's bucket"
NAMES_NOTHING = {"create_storage_config", "list_dataset_names", "list_storage_configs"}
#: What ``name`` means for operations that do not take it from a ``{name}`` path segment.
NAME_BY_OPERATION = {
    "create_dataset": "other",
    "create_branch": "feature",
    "delete_branch": "old",
    "create_tag": "v2",
    "get_tag": "v1",
    "delete_tag": "v1",
    "create_segment": "seg",
    "delete_segment": "",
}


def names_of(op: Operation) -> dict[str, str]:
    """Which parameters of ``op`` name a dataset or a config: ``{param: "dataset" | "config"}``."""
    found = {}
    for param in op.params:
        if param.name == "dataset":
            found[param.name] = "dataset"
        elif param.name == "config_name":
            found[param.name] = "config"
        elif param.name == "name" and op.path.startswith("/datasets/{name}"):
            found[param.name] = "dataset"
        elif param.name == "name" and op.path.startswith("/storage-configs/{name}"):
            found[param.name] = "config"
    return found


def arguments(op: Operation, bucket: Path, dataset: str, config: str) -> dict[str, Any]:
    """Plausible arguments for ``op`` against the owner's world (see ``build_world``)."""
    uploaded = {"remotePath": "up.bin", "checksum": hashlib.sha1(UPLOADED).hexdigest(), "size": len(UPLOADED)}
    known: dict[str, Any] = {
        "dataset": dataset,
        "config_name": config,
        "draft_number": 2,
        "path": "obj.bin",
        "paths": ["obj.bin"],
        "title": "title",
        "version": "main",
        "items": [{"cloudPath": "obj.bin", "remotePath": "copy.bin"}],
        "files": [uploaded],
        "labels": {"obj.bin": {"CLASSIFICATION": {"category": "cat"}}},
        "catalog": {},
        "notes": {"isContinuous": False},
        "type": "local",
        "file_path": str(bucket),
        "values": {},
    }
    kinds = names_of(op)
    args: dict[str, Any] = {}
    if op.name == "confirm_uploads":  # a key prepare_uploads gave: the owner's own test fails later
        known["files"] = [{**uploaded, "key": "datasets/x/.objects/" + uploaded["checksum"]}]
    for param in op.params:
        if param.name == "name":
            if param.name in kinds:
                args["name"] = dataset if kinds["name"] == "dataset" else config
            else:
                args["name"] = NAME_BY_OPERATION.get(op.name, "fresh")
        elif param.name in known:
            args[param.name] = known[param.name]
        elif param.default is inspect.Parameter.empty:
            raise AssertionError(f"add an argument for {param.name!r} of {op.name} to this test")
    return args


def build_world(transport: HTTPTransport, bucket: Path) -> None:
    """Config ``cfg`` on ``bucket``; dataset ``ds`` on it with commit 1 (two data), branches
    main and old, tag v1, and open draft #2."""
    bucket.mkdir()
    (bucket / "obj.bin").write_bytes(IN_BUCKET)
    local = bucket.parent / "up.bin"
    local.write_bytes(UPLOADED)
    transport.call("create_storage_config", type="local", name="cfg", file_path=str(bucket), values={})
    transport.call("create_dataset", name="ds", config_name="cfg")
    transport.call("create_draft", dataset="ds", title="first")
    transport.call(
        "import_auth_data",
        dataset="ds",
        draft_number=1,
        config_name="cfg",
        items=[{"cloudPath": "obj.bin", "remotePath": "obj.bin"}],
    )
    files = [{"remotePath": "up.bin", "checksum": hashlib.sha1(UPLOADED).hexdigest(), "size": len(UPLOADED)}]
    [upload] = transport.call("prepare_uploads", dataset="ds", draft_number=1, files=files, sign=True)[
        "uploads"
    ]
    transport.put_object("ds", upload, str(local))
    transport.call(
        "confirm_uploads", dataset="ds", draft_number=1, files=[{**files[0], "key": upload["key"]}]
    )
    transport.call("commit", dataset="ds", draft_number=1, title="one")
    transport.call("create_branch", dataset="ds", name="old")
    transport.call("create_tag", dataset="ds", name="v1")
    transport.call("create_draft", dataset="ds", title="second")


def failure(transport: HTTPTransport, op: str, args: dict[str, Any]) -> TensorBayError | None:
    try:
        transport.call(op, **args)
    except TensorBayError as exc:
        return exc
    return None


def test_every_operation_is_classified() -> None:
    unclassified = {name for name, op in OPERATIONS.items() if not names_of(op)} - NAMES_NOTHING
    assert not unclassified, f"operations naming no dataset/config must be checked by hand: {unclassified}"
    assert set(OPERATIONS) >= NAMES_NOTHING


@pytest.mark.parametrize("op", sorted(name for name, op in OPERATIONS.items() if names_of(op)))
def test_outsider_gets_not_found(gas_server, tmp_path: Path, op: str) -> None:
    owner = HTTPTransport(gas_server.url, gas_server.new_user(tmp_path.name))
    outsider = HTTPTransport(gas_server.url, gas_server.new_user())
    bucket = tmp_path / "bucket"
    build_world(owner, bucket)
    operation = OPERATIONS[op]

    theirs = failure(outsider, op, arguments(operation, bucket, "ds", "cfg"))
    assert isinstance(theirs, NotFound), f"{op} by another user: {theirs!r}"
    nobodys = failure(outsider, op, arguments(operation, bucket, "no-such-ds", "no-such-cfg"))
    assert isinstance(nobodys, NotFound)
    assert theirs.message.replace("'ds'", "'X'").replace("'cfg'", "'X'") == nobodys.message.replace(
        "'no-such-ds'", "'X'"
    ).replace("'no-such-cfg'", "'X'"), "the error must not hint that the name exists for someone else"

    mine = failure(owner, op, arguments(operation, bucket, "ds", "cfg"))
    assert not isinstance(mine, NotFound), f"{op} by the owner: {mine!r} (fix this test's arguments)"


def test_lists_and_names_are_per_user(gas_server, tmp_path: Path) -> None:
    owner = HTTPTransport(gas_server.url, gas_server.new_user(tmp_path.name))
    outsider_name = f"{tmp_path.name}-outsider"
    outsider = HTTPTransport(gas_server.url, gas_server.new_user(outsider_name))
    build_world(owner, tmp_path / "bucket")
    assert owner.call("list_dataset_names")["names"] == ["ds"]
    assert outsider.call("list_dataset_names") == {"names": [], "totalCount": 0}
    assert outsider.call("list_storage_configs") == {"configs": [], "totalCount": 0}
    # the same names are free for another user (in its own local area), and stay separate
    other_bucket = gas_server.local_root / outsider_name / "other"
    other_bucket.mkdir(parents=True)
    outsider.call("create_storage_config", type="local", name="cfg", file_path=str(other_bucket), values={})
    outsider.call("create_dataset", name="ds")
    assert owner.call("get_storage_config", name="cfg")["filePath"] == str(tmp_path / "bucket")
    assert outsider.call("get_storage_config", name="cfg")["filePath"] == str(other_bucket)
    assert owner.call("get_dataset", name="ds")["configName"] == "cfg"
    assert outsider.call("get_dataset", name="ds")["configName"] is None
