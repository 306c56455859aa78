"""Each way the first build lost or leaked data, as a test (issue "Storage ownership").

Local storage runs in both modes (the ``gas`` fixture); S3 runs against moto. The team-mode
cases use a real ``gas serve`` with two users.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tensorbay_core import GAS
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import InvalidArgument, PermissionDenied, UploadError

from .sdk_data import read_all
from .servers.gas import GasServer


@dataclass
class Store:
    """A storage config's bucket as the user sees it.

    ``create_config(gas, name, file_path)``: on S3 ``file_path`` is the folder imports land
    in; a local config's directory is the bucket itself (its ``file_path``), so there it is
    ignored. ``landing(file_path, key)`` is where an import of ``key`` lands.
    """

    create_config: Callable[[GAS, str, str], Any]
    put: Callable[[str, bytes], None]
    get: Callable[[str], bytes | None]
    landing: Callable[[str, str], str]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, endpoint: str) -> Store:
    if request.param == "local":
        root = tmp_path / "bucket"
        root.mkdir()

        def put(key: str, body: bytes) -> None:
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(body)

        def get(key: str) -> bytes | None:
            return (root / key).read_bytes() if (root / key).is_file() else None

        def create(gas: GAS, name: str, file_path: str) -> Any:
            return gas.create_local_storage_config(name, str(root), endpoint=endpoint)

        return Store(create, put, get, lambda file_path, key: key)
    bucket = request.getfixturevalue("s3_bucket")

    def s3_get(key: str) -> bytes | None:
        try:
            return bytes(bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read())
        except bucket.client.exceptions.NoSuchKey:
            return None

    def s3_create(gas: GAS, name: str, file_path: str) -> Any:
        return gas.create_s3_storage_config(
            name,
            file_path,
            endpoint=bucket.endpoint,
            accesskey_id=bucket.key_id,
            accesskey_secret=bucket.secret,
            bucket_name=bucket.name,
        )

    def s3_put(key: str, body: bytes) -> None:
        bucket.client.put_object(Bucket=bucket.name, Key=key, Body=body)

    return Store(s3_create, s3_put, s3_get, lambda file_path, key: f"{file_path}/{key}".lstrip("/"))


def import_one(
    gas: GAS, dataset: str, config: str, cloud_path: str, segment: str = "", path: str = ""
) -> Any:
    [auth] = [
        a for a in gas.get_cloud_client(config).list_auth_data(cloud_path) if a.cloud_path == cloud_path
    ]
    if path:
        auth.path = path
    ds = Dataset(dataset)
    ds.create_segment(segment).append(auth)
    return gas.upload_dataset(ds, quiet=True)


def test_reimporting_a_changed_source_keeps_the_first_commit(store: Store, gas: GAS) -> None:
    """Finding 1: the re-import overwrote the object of the earlier commit."""
    store.put("src/photo.bin", b"version 1")
    store.create_config(gas, "cfg", "datasets/pets")
    gas.create_dataset("Pets", config_name="cfg")
    first = import_one(gas, "Pets", "cfg", "src/photo.bin").commit("first")
    store.put("src/photo.bin", b"version 2, longer")
    import_one(gas, "Pets", "cfg", "src/photo.bin").commit("second")
    assert read_all(gas, "Pets", revision=first) == {"/photo.bin": b"version 1"}
    assert read_all(gas, "Pets") == {"/photo.bin": b"version 2, longer"}


def test_two_datasets_importing_the_same_name(store: Store, gas: GAS) -> None:
    """Finding 2: dataset B replaced A's committed object, and deleting B broke A."""
    store.put("a/x.bin", b"A's bytes")
    store.put("b/x.bin", b"B's bytes, other")
    store.create_config(gas, "cfg", "shared")
    for name, source in (("A", "a/x.bin"), ("B", "b/x.bin")):
        gas.create_dataset(name, config_name="cfg")
        import_one(gas, name, "cfg", source).commit("import")
    assert read_all(gas, "A") == {"/x.bin": b"A's bytes"}
    assert read_all(gas, "B") == {"/x.bin": b"B's bytes, other"}
    gas.delete_dataset("B")
    assert read_all(gas, "A") == {"/x.bin": b"A's bytes"}
    assert store.get(store.landing("shared", "x.bin")) == b"A's bytes", "A's import lands at its readable key"


def test_imports_never_land_on_the_users_files(store: Store, gas: GAS) -> None:
    """Finding 3: with file_path at the bucket root, an import overwrote the user's notes.txt and
    delete_dataset then deleted it."""
    store.put("notes.txt", b"the user's own notes")
    store.put("data/x/notes.txt", b"a file to import")
    store.create_config(gas, "root", "")
    gas.create_dataset("Docs", config_name="root")
    import_one(gas, "Docs", "root", "data/x/notes.txt").commit("import")
    assert store.get("notes.txt") == b"the user's own notes"
    assert read_all(gas, "Docs") == {"/notes.txt": b"a file to import"}
    gas.delete_dataset("Docs")
    assert store.get("notes.txt") == b"the user's own notes"
    assert store.get("data/x/notes.txt") == b"a file to import"


def test_in_place_references_are_never_deleted(store: Store, gas: GAS) -> None:
    store.put("data/img.bin", b"original")
    store.create_config(gas, "orig", "")
    gas.create_dataset("InPlace", config_name="orig")
    import_one(gas, "InPlace", "orig", "data/img.bin", segment="data", path="img.bin").commit("in place")
    assert read_all(gas, "InPlace") == {"data/img.bin": b"original"}
    gas.delete_dataset("InPlace")
    assert store.get("data/img.bin") == b"original"


def test_replaced_draft_objects_are_deleted_and_committed_ones_kept(store: Store, gas: GAS) -> None:
    """I3: an object only a draft used goes when the draft drops it; a committed one stays."""
    store.put("src/v.bin", b"one")
    store.create_config(gas, "cfg", "ds")
    gas.create_dataset("D", config_name="cfg")
    import_one(gas, "D", "cfg", "src/v.bin").commit("one")
    store.put("src/v.bin", b"two two")
    client = import_one(gas, "D", "cfg", "src/v.bin")  # lands elsewhere: ds/v.bin is committed
    store.put("src/v.bin", b"three three three")
    import_one(gas, "D", "cfg", "src/v.bin")  # replaces the draft's "two two" copy
    client.close_draft(client.draft_number)
    assert store.get(store.landing("ds", "v.bin")) == b"one"
    assert read_all(gas, "D") == {"/v.bin": b"one"}
    gas.delete_dataset("D")
    assert store.get(store.landing("ds", "v.bin")) is None
    assert store.get("src/v.bin") == b"three three three"


# -- I6: nothing lost silently ---------------------------------------------------------------------


class ExplodingData(Data):
    """A data whose own code fails in an unforeseen way while it is uploaded."""

    def get_checksum(self) -> str:
        raise RuntimeError("the user's data source broke")


def test_an_unexpected_error_in_a_worker_is_reported_and_nothing_committed(gas: GAS, tmp_path: Path) -> None:
    """Finding 5: an exception other than TensorBayError/OSError was never read from its future,
    and upload_dataset(commit=...) committed without those files."""
    gas.create_dataset("Mixed")
    dataset = Dataset("Mixed")
    good = dataset.create_segment("good")
    for i in range(5):
        (tmp_path / f"{i}.bin").write_bytes(b"ok %d" % i)
        good.append(Data(str(tmp_path / f"{i}.bin")))
    (tmp_path / "bad.bin").write_bytes(b"bad")
    dataset.create_segment("bad").append(ExplodingData(str(tmp_path / "bad.bin")))
    with pytest.raises(UploadError) as caught:
        gas.upload_dataset(dataset, jobs=2, quiet=True, commit="must not happen")
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert [where for where, _ in caught.value.failures] == ["bad/bad.bin"]
    assert "RuntimeError: the user's data source broke" in caught.value.failures[0][1]
    client = gas.get_dataset("Mixed")
    assert client.list_commits() == []
    client.checkout(draft_number=client.list_drafts()[0]["number"])
    recorded = list(client.get_segment("good").list_data_paths())
    assert len(recorded) == 5 - caught.value.unsent, "every file is either recorded, failed or unsent"
    if caught.value.unsent:
        assert f"{caught.value.unsent} file(s) were not sent" in str(caught.value)


def test_auth_data_of_a_config_named_data_is_imported(gas: GAS, tmp_path: Path, endpoint: str) -> None:
    """Finding 5: AuthData of a config named "data" went into the local-files batch and was lost."""
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    for i in range(3):
        (bucket / f"{i}.bin").write_bytes(b"%d" % i)
    gas.create_local_storage_config("data", str(bucket), endpoint=endpoint)
    gas.create_dataset("FromData", config_name="data")
    dataset = Dataset("FromData")
    segment = dataset.create_segment("copied")
    for auth in gas.get_cloud_client("data").list_auth_data():
        segment.append(auth)
    gas.upload_dataset(dataset, quiet=True, commit="all three")
    assert read_all(gas, "FromData") == {f"copied/{i}.bin": b"%d" % i for i in range(3)}


# -- team mode: I4 and I5 -------------------------------------------------------------------------------


@pytest.fixture
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A ``gas serve`` on SQLite, whose row ids are reused after a delete."""
    home = tmp_path_factory.mktemp("sqlite-server")
    server = GasServer("sqlite:///" + str(home / "gas.db"), home, tmp_path_factory.mktemp("roots"))
    server.start()
    yield server
    server.stop()


def upload_bytes(gas: GAS, dataset: str, tmp_path: Path, name: str, body: bytes) -> None:
    local = tmp_path / f"{dataset}-{name}"
    local.write_bytes(body)
    ds = Dataset(dataset)
    ds.create_segment().append(Data(str(local), target_remote_path=name))
    gas.upload_dataset(ds, quiet=True, commit="upload")


def test_a_deleted_datasets_url_never_serves_newer_bytes(sqlite_server: Any, tmp_path: Path) -> None:
    """Finding 4: prefixes came from reusable row ids, so alice's old URL served bob's bytes."""
    alice = GAS(sqlite_server.new_user("alice"), url=sqlite_server.url)
    bob = GAS(sqlite_server.new_user("bob"), url=sqlite_server.url)
    alice.create_dataset("Mine")
    upload_bytes(alice, "Mine", tmp_path, "pic.bin", b"alice's picture")
    [data] = Dataset("Mine", alice)[0]
    url = data.get_url()
    assert requests.get(url, timeout=30).content == b"alice's picture"
    alice.delete_dataset("Mine")
    bob.create_dataset("Theirs")
    upload_bytes(bob, "Theirs", tmp_path, "pic.bin", b"alice's picture")  # the same content, too
    response = requests.get(url, timeout=30)
    assert response.status_code in (403, 404) and b"picture" not in response.content


def test_unconfirmed_uploads_go_with_their_dataset(gas_server: Any, tmp_path: Path) -> None:
    """Finding 4: objects PUT but never confirmed survived delete_dataset."""
    transport = HTTPTransport(gas_server.url, gas_server.new_user())
    transport.call("create_dataset", name="Half")
    draft = transport.call("create_draft", dataset="Half", title="t")["number"]
    body = b"put but never confirmed"
    local = tmp_path / "f.bin"
    local.write_bytes(body)
    files = [{"remotePath": "f.bin", "checksum": hashlib.sha1(body).hexdigest(), "size": len(body)}]
    [upload] = transport.call("prepare_uploads", dataset="Half", draft_number=draft, files=files, sign=True)[
        "uploads"
    ]
    transport.put_object("Half", upload, str(local))
    stored = gas_server.home / "storage" / upload["key"]
    assert stored.read_bytes() == body
    answer = transport.call("delete_dataset", name="Half")
    assert not stored.exists()
    assert answer == {"name": "Half", "leftObjects": 0}


def test_bytes_that_are_not_the_declared_file_are_never_recorded(gas_server: Any, tmp_path: Path) -> None:
    """Finding 4 and I5: confirm trusted any object of the right size."""
    transport = HTTPTransport(gas_server.url, gas_server.new_user())
    transport.call("create_dataset", name="Checked")
    draft = transport.call("create_draft", dataset="Checked", title="t")["number"]
    declared, planted = b"the real file....", b"planted bytes!!!!"
    assert len(declared) == len(planted)
    files = [{"remotePath": "f.bin", "checksum": hashlib.sha1(declared).hexdigest(), "size": len(declared)}]
    [upload] = transport.call(
        "prepare_uploads", dataset="Checked", draft_number=draft, files=files, sign=True
    )["uploads"]
    (tmp_path / "planted").write_bytes(planted)
    with pytest.raises(InvalidArgument, match="SHA-1"):  # the signed PUT is bound to the file's bytes
        transport.put_object("Checked", upload, str(tmp_path / "planted"))
    stored = gas_server.home / "storage" / upload["key"]
    assert not stored.exists()
    # a storage that does not check PUT bodies (a presigned cloud URL) could hold them: confirm checks
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(planted)
    confirm = [{**files[0], "key": upload["key"]}]
    [result] = transport.call("confirm_uploads", dataset="Checked", draft_number=draft, files=confirm)[
        "results"
    ]
    assert result["status"] == "failed" and "SHA-1" in result["error"]
    page = transport.call("list_data", dataset="Checked", version=f"#{draft}")
    assert page["data"] == []


def test_another_users_planted_object_is_never_adopted(sqlite_server: Any, tmp_path: Path) -> None:
    """Finding 4: bob PUT bytes under his dataset's prefix, deleted the dataset, and alice's
    dataset (same reused row id) later 'found' them as her upload."""
    bob = HTTPTransport(sqlite_server.url, sqlite_server.new_user("bob"))
    alice = GAS(sqlite_server.new_user("alice"), url=sqlite_server.url)
    real = b"alice's file contents"
    fake = b"bob's planted payload"
    assert len(real) == len(fake)
    bob.call("create_dataset", name="Trap")
    draft = bob.call("create_draft", dataset="Trap", title="t")["number"]
    files = [{"remotePath": "x.bin", "checksum": hashlib.sha1(real).hexdigest(), "size": len(real)}]
    [upload] = bob.call("prepare_uploads", dataset="Trap", draft_number=draft, files=files, sign=True)[
        "uploads"
    ]
    (tmp_path / "fake").write_bytes(fake)
    with pytest.raises(InvalidArgument):
        bob.put_object("Trap", upload, str(tmp_path / "fake"))
    (tmp_path / "real").write_bytes(real)
    bob.call("delete_dataset", name="Trap")
    with pytest.raises(PermissionDenied):  # the URL is still within its hour, its upload is over
        bob.put_object("Trap", upload, str(tmp_path / "real"))
    alice.create_dataset("Mine")
    upload_bytes(alice, "Mine", tmp_path, "x.bin", real)
    assert read_all(alice, "Mine") == {"/x.bin": real}
