"""The SDK against ``gas serve`` through the fault proxy: calls whose answer was lost are
retried and carried out once; final errors are not retried; cut reads resume or fail cleanly."""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tensorbay_core import GAS
from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.client.retry import RetryPolicy
from tensorbay_core.dataset import Data, Dataset
from tensorbay_core.errors import AlreadyExists, DataChanged, StorageError, TensorBayError
from tests.servers.faults import FaultProxy, ProxiedGas

API = "/api/v1"
LOST = ("lost_answer", "cut_headers", "cut_body", "reset_request", "status")


def _gas(faulty_gas: ProxiedGas) -> GAS:
    return GAS(faulty_gas.server.new_user(), url=faulty_gas.url)


def _name() -> str:
    return f"ds-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("kind", ["cut_headers", "cut_body"])
def test_a_read_call_cut_in_its_response_is_retried(faulty_gas: ProxiedGas, kind: str) -> None:
    gas = _gas(faulty_gas)
    gas.create_dataset("Listed")
    faulty_gas.proxy.inject(kind, method="GET", path=f"{API}/datasets")
    assert gas.list_dataset_names() == ["Listed"]
    assert faulty_gas.proxy.counts[kind] == 1


@pytest.mark.parametrize("kind", LOST)
def test_create_dataset_whose_answer_was_lost_happens_once(faulty_gas: ProxiedGas, kind: str) -> None:
    gas = _gas(faulty_gas)
    name = _name()
    faulty_gas.proxy.inject(kind, method="POST", path=f"{API}/datasets")
    client = gas.create_dataset(name, alias="first")
    assert (client.name, client.alias) == (name, "first")
    assert gas.list_dataset_names() == [name]
    assert faulty_gas.proxy.counts[kind] == 1
    with pytest.raises(AlreadyExists):  # a new call is a new request
        gas.create_dataset(name)


@pytest.mark.parametrize("kind", ["lost_answer", "cut_body"])
def test_create_draft_whose_answer_was_lost_opens_one_draft(faulty_gas: ProxiedGas, kind: str) -> None:
    gas = _gas(faulty_gas)
    client = gas.create_dataset(_name())
    faulty_gas.proxy.inject(kind, method="POST", path=f"{API}/datasets/{client.name}/drafts")
    assert client.create_draft("only one") == 1
    assert [d["number"] for d in client.list_drafts(status="ALL")] == [1]


@pytest.mark.parametrize("kind", ["lost_answer", "cut_headers"])
def test_commit_whose_answer_was_lost_commits_once(faulty_gas: ProxiedGas, kind: str) -> None:
    gas = _gas(faulty_gas)
    client = gas.create_dataset(_name())
    client.create_draft("draft")
    client.create_segment("s")
    faulty_gas.proxy.inject(kind, method="POST", path=f"{API}/datasets/{client.name}/commits")
    commit_id = client.commit("v1")
    history = client.list_commits()
    assert [c["commitId"] for c in history] == [commit_id]
    assert client.list_drafts(status="COMMITTED")[0]["number"] == 1


def test_delete_whose_answer_was_lost_is_not_a_not_found(faulty_gas: ProxiedGas) -> None:
    gas = _gas(faulty_gas)
    name = _name()
    gas.create_dataset(name)
    faulty_gas.proxy.inject("lost_answer", method="DELETE", path=f"{API}/datasets/{name}")
    gas.delete_dataset(name)
    assert gas.list_dataset_names() == []


def test_a_retry_waits_while_the_first_attempt_runs(faulty_gas: ProxiedGas) -> None:
    """409 with Retry-After is the server's "still running": wait and ask again."""
    gas = _gas(faulty_gas)
    name = _name()
    faulty_gas.proxy.inject(
        "status", method="POST", path=f"{API}/datasets", status=409, headers={"Retry-After": "0"}
    )
    gas.create_dataset(name)
    assert gas.list_dataset_names() == [name]
    seen = faulty_gas.proxy.seen
    with pytest.raises(AlreadyExists):  # an ordinary 409 is final
        gas.create_dataset(name)
    assert faulty_gas.proxy.seen == seen + 1


@pytest.mark.parametrize("status", [408, 425, 429, 502, 503, 504])
def test_not_now_answers_are_retried(faulty_gas: ProxiedGas, status: int) -> None:
    gas = _gas(faulty_gas)
    name = _name()
    faulty_gas.proxy.inject("status", method="POST", path=f"{API}/datasets", status=status)
    gas.create_dataset(name)
    assert gas.list_dataset_names() == [name]
    assert faulty_gas.proxy.counts["status"] == 1


def test_a_read_that_timed_out_is_retried(faulty_gas: ProxiedGas) -> None:
    transport = HTTPTransport(faulty_gas.url, faulty_gas.server.new_user(), timeout=(10, 0.2))
    faulty_gas.proxy.inject("delay", method="GET", path=f"{API}/datasets", seconds=1.0)
    assert transport.call("list_dataset_names")["names"] == []
    assert faulty_gas.proxy.counts["delay"] == 1


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/datasets", 500), ("POST", "/datasets", 507)]
)
def test_final_errors_are_not_retried(faulty_gas: ProxiedGas, method: str, path: str, status: int) -> None:
    """A bug (500) or a full disk (507) is reported at once, not after minutes of retries."""
    gas = _gas(faulty_gas)
    faulty_gas.proxy.inject("status", method=method, path=API + path, status=status)
    seen = faulty_gas.proxy.seen
    with pytest.raises(TensorBayError, match=f"HTTP {status}"):
        if method == "GET":
            gas.list_dataset_names()
        else:
            gas.create_dataset(_name())
    assert faulty_gas.proxy.seen == seen + 1


def _uploaded(gas: GAS, folder: Path, contents: dict[str, bytes]) -> None:
    """Upload ``contents`` as dataset "Read" and commit it."""
    folder.mkdir()
    gas.create_dataset("Read")
    dataset = Dataset("Read")
    segment = dataset.create_segment("s")
    for name, body in contents.items():
        (folder / name).write_bytes(body)
        segment.append(Data(str(folder / name)))
    gas.upload_dataset(dataset, quiet=True, commit="v1")


def _big(seed: str, size: int = 3 << 20) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def test_a_read_cut_mid_body_resumes(faulty_gas: ProxiedGas, tmp_path: Path) -> None:
    gas = _gas(faulty_gas)
    body = _big("resume")
    _uploaded(gas, tmp_path / "files", {"big.bin": body})
    faulty_gas.proxy.inject("cut_body", method="GET", path="/storage/")
    with gas.get_dataset("Read").get_segment("s").get_data("big.bin").open() as fp:
        assert fp.read() == body
    assert faulty_gas.proxy.counts["cut_body"] == 1


def test_a_cut_read_whose_object_changed_raises_data_changed(faulty_gas: ProxiedGas, tmp_path: Path) -> None:
    gas = _gas(faulty_gas)
    body = _big("changed")
    _uploaded(gas, tmp_path / "files", {"big.bin": body})
    stored = next(faulty_gas.server.home.glob(f"storage/**/{hashlib.sha1(body).hexdigest()}"))
    faulty_gas.proxy.inject("cut_body", method="GET", path="/storage/")
    with gas.get_dataset("Read").get_segment("s").get_data("big.bin").open() as fp:
        assert fp.read(1 << 20) == body[: 1 << 20]  # the proxy holds the whole first answer by now
        stored.write_bytes(_big("other bytes"))
        os.utime(stored, (1, 1))
        with pytest.raises(DataChanged):
            fp.read()


def test_a_cut_read_that_cannot_resume_is_a_storage_error(faulty_gas: ProxiedGas, tmp_path: Path) -> None:
    gas = _gas(faulty_gas)
    _uploaded(gas, tmp_path / "files", {"big.bin": _big("refused")})
    faulty_gas.proxy.inject("cut_body", method="GET", path="/storage/")
    faulty_gas.proxy.inject("status", method="GET", path="/storage/", status=403)
    with (
        gas.get_dataset("Read").get_segment("s").get_data("big.bin").open() as fp,
        pytest.raises(StorageError),
    ):
        fp.read()


def test_signed_put_is_sent_again_whole(faulty_gas: ProxiedGas, tmp_path: Path) -> None:
    gas = _gas(faulty_gas)
    for kind in ("reset_request", "cut_headers", "cut_body"):
        faulty_gas.proxy.inject(kind, method="PUT", path="/storage/")
    faulty_gas.proxy.inject("status", method="PUT", path="/storage/", status=500)
    contents = {"a.bin": _big("a", 100_000)}
    _uploaded(gas, tmp_path / "files", contents)
    with gas.get_dataset("Read").get_segment("s").get_data("a.bin").open() as fp:
        assert fp.read() == contents["a.bin"]
    counts = faulty_gas.proxy.counts
    assert [counts[k] for k in ("reset_request", "cut_headers", "cut_body", "status")] == [1, 1, 1, 1]


def test_a_short_outage_is_ridden_out_and_a_long_one_reported(faulty_gas: ProxiedGas) -> None:
    transport = HTTPTransport(faulty_gas.url, faulty_gas.server.new_user(), retry=RetryPolicy(retry_for=5))
    faulty_gas.proxy.blackout(0.5)
    assert transport.call("list_dataset_names")["names"] == []
    faulty_gas.proxy.blackout(600)
    with pytest.raises(TensorBayError, match="cannot reach the GAS server"):
        transport.call("list_dataset_names")
    assert faulty_gas.proxy.counts["blackout"] >= 2


class WholeObjectOnly(BaseHTTPRequestHandler):
    """Storage that ignores Range: a resumed download gets the whole object again."""

    protocol_version = "HTTP/1.1"
    body = _big("whole", 200_000)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_cut_read_resumes_when_the_storage_ignores_range(
    faulty_gas: ProxiedGas, fault_proxy: Callable[[str], FaultProxy]
) -> None:
    storage = ThreadingHTTPServer(("127.0.0.1", 0), WholeObjectOnly)
    threading.Thread(target=storage.serve_forever, args=(0.05,), daemon=True).start()
    try:
        proxy = fault_proxy(f"http://127.0.0.1:{storage.server_address[1]}")
        proxy.inject("cut_body")
        transport = HTTPTransport(faulty_gas.url, faulty_gas.server.new_user())
        with transport._open_url(proxy.url + "/object") as fp:
            assert fp.read() == WholeObjectOnly.body
        assert (proxy.counts["cut_body"], proxy.forwarded) == (1, 2)
    finally:
        storage.shutdown()
        storage.server_close()
