"""Idempotency keys on the server: claims in the real database, the middleware in front of the
real ``gas serve``, and its failure paths in front of a stand-in application."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from sqlalchemy import select

from tensorbay_core.server.idempotency import (
    LEASE,
    MAX_STORED,
    TTL,
    Answer,
    IdempotencyMiddleware,
    IdempotencyRecords,
    fingerprint,
    idempotent_requests,
)
from tensorbay_core.service import Service, open_service
from tensorbay_core.service.store import Store
from tensorbay_core.service.users import hash_key
from tests.servers.gas import GasServer, fresh_postgres_database

ANSWER = Answer(200, "application/json", b'{"done": true}')

# -- the records, on SQLite and PostgreSQL ------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IdempotencyRecords]:
    if request.param == "sqlite":
        store = Store("sqlite:///" + str(tmp_path / "records.db"))
        yield IdempotencyRecords(store)
        store.dispose()
        return
    pg = fresh_postgres_database()
    if pg is None:
        pytest.skip("PostgreSQL is not reachable")
    url, drop = pg
    store = Store(url)
    yield IdempotencyRecords(store)
    store.dispose()
    drop()


def test_concurrent_claims_of_one_key_run_it_once(records: IdempotencyRecords) -> None:
    start = threading.Barrier(8)
    states: list[str] = []

    def claim() -> None:
        start.wait()
        states.append(records.claim("owner", "key-00001", "print", time.time()).state)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(states) == ["run"] + ["running"] * 7


def test_a_finished_answer_is_replayed_to_the_same_request_only(records: IdempotencyRecords) -> None:
    now = time.time()
    token = records.claim("owner", "key-00001", "print", now).token
    records.finish("owner", "key-00001", token, ANSWER)
    assert records.claim("owner", "key-00001", "print", now).answer == ANSWER
    assert records.claim("owner", "key-00001", "other print", now).state == "mismatch"
    assert records.claim("other owner", "key-00001", "print", now).state == "run"


def test_an_abandoned_claim_is_taken_over_once(records: IdempotencyRecords) -> None:
    now = time.time()
    dead = records.claim("owner", "key-00001", "print", now - LEASE - 1).token
    first, second = (records.claim("owner", "key-00001", "print", now) for _ in range(2))
    assert (first.state, second.state) == ("run", "running")
    records.finish("owner", "key-00001", dead, Answer(500, None, b"late"))  # the dead claim wrote nothing
    assert records.claim("owner", "key-00001", "print", now).state == "running"


def test_a_renewed_claim_is_not_taken_over(records: IdempotencyRecords) -> None:
    now = time.time()
    token = records.claim("owner", "key-00001", "print", now - LEASE - 1).token
    records.touch("owner", "key-00001", token, now)
    assert records.claim("owner", "key-00001", "print", now).state == "running"


def test_a_released_key_runs_again(records: IdempotencyRecords) -> None:
    now = time.time()
    records.release("owner", "key-00001", records.claim("owner", "key-00001", "print", now).token)
    assert records.claim("owner", "key-00001", "print", now).state == "run"


def test_expired_answers_are_not_replayed_and_are_swept(records: IdempotencyRecords) -> None:
    now = time.time()
    old = records.claim("owner", "key-00001", "print", now - TTL - 1).token
    records.finish("owner", "key-00001", old, ANSWER)
    kept = records.claim("owner", "key-00002", "print", now).token
    records.finish("owner", "key-00002", kept, ANSWER)
    assert records.sweep(now) == 1
    assert records.claim("owner", "key-00001", "print", now).state == "run"
    assert records.claim("owner", "key-00002", "print", now).answer == ANSWER

    stale = records.claim("owner", "key-00003", "print", now - TTL - 1).token
    records.finish("owner", "key-00003", stale, ANSWER)
    assert records.claim("owner", "key-00003", "other print", now).state == "run"


# -- the middleware in front of the real gas serve ----------------------------------------


def _post_dataset(server: GasServer, access_key: str, key: str, body: bytes) -> requests.Response:
    headers = {"X-Token": access_key, "Idempotency-Key": key, "Content-Type": "application/json"}
    return requests.post(f"{server.url}/api/v1/datasets", data=body, headers=headers, timeout=30)


def _names(server: GasServer, access_key: str) -> list[str]:
    response = requests.get(f"{server.url}/api/v1/datasets", headers={"X-Token": access_key}, timeout=30)
    return list(response.json()["names"])


def test_a_retried_post_gets_the_first_answer(gas_server: GasServer) -> None:
    access_key = gas_server.new_user()
    key, body = uuid.uuid4().hex, json.dumps({"name": "Once"}).encode()
    first = _post_dataset(gas_server, access_key, key, body)
    again = _post_dataset(gas_server, access_key, key, body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _names(gas_server, access_key) == ["Once"]

    other = _post_dataset(gas_server, access_key, key, json.dumps({"name": "Other"}).encode())
    assert (other.status_code, other.json()["code"]) == (422, "InvalidParamsValue")
    assert _post_dataset(gas_server, access_key, "short", body).status_code == 400


def test_keys_belong_to_their_access_key(gas_server: GasServer) -> None:
    alice, bob = gas_server.new_user(), gas_server.new_user()
    key, body = uuid.uuid4().hex, json.dumps({"name": "Mine"}).encode()
    assert _post_dataset(gas_server, alice, key, body).status_code == 200
    assert "Idempotent-Replayed" not in _post_dataset(gas_server, bob, key, body).headers
    assert (_names(gas_server, alice), _names(gas_server, bob)) == (["Mine"], ["Mine"])


def test_claims_are_shared_with_other_processes(gas_server: GasServer) -> None:
    """This test process plays a second server process on the same database."""
    access_key = gas_server.new_user()
    key, body = uuid.uuid4().hex, json.dumps({"name": "Elsewhere"}).encode()
    store = Store(gas_server.db_url)
    records = IdempotencyRecords(store)
    owner = hash_key(access_key)
    claim = records.claim(owner, key, fingerprint("POST", "/api/v1/datasets", b"", body), time.time())
    try:
        running = _post_dataset(gas_server, access_key, key, body)
        assert (running.status_code, running.headers["Retry-After"]) == (409, "1")
        records.finish(owner, key, claim.token, ANSWER)
        replayed = _post_dataset(gas_server, access_key, key, body)
        assert (replayed.status_code, replayed.content) == (200, ANSWER.body)
        assert _names(gas_server, access_key) == [], "the other process's answer, not a second run"
    finally:
        store.dispose()


def test_unauthenticated_requests_leave_no_record(gas_server: GasServer) -> None:
    key = uuid.uuid4().hex
    response = _post_dataset(gas_server, "Accesskey-wrong", key, json.dumps({"name": "No"}).encode())
    assert response.status_code == 401
    store = Store(gas_server.db_url)
    try:
        with store.read() as conn:
            assert (
                conn.execute(select(idempotent_requests).where(idempotent_requests.c.key == key)).all() == []
            )
    finally:
        store.dispose()


# -- the middleware's failure paths, in front of a stand-in application ------------------


class StandIn:
    """An ASGI app that fails in the ways the middleware must not remember."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.release = threading.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        path = scope["path"].rsplit("/", 1)[-1]
        self.calls[path] += 1
        status, body = 200, b"ok"
        if path == "flaky" and self.calls[path] == 1:
            status = 503
        if path == "boom" and self.calls[path] == 1:
            raise RuntimeError("a bug")
        if path == "big":
            body = b"x" * (MAX_STORED + 1)
        if path == "wait":
            import anyio

            await anyio.to_thread.run_sync(self.release.wait)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[tuple[str, str, StandIn, Service]]:
    service = open_service("sqlite:///" + str(tmp_path / "gas.db"), str(tmp_path / "home"))
    access_key = service.create_access_key(service.create_user("tester"))
    app = StandIn()
    middleware = IdempotencyMiddleware(app, service=service, prefix="/api/v1", heartbeat=0.05)
    server = uvicorn.Server(uvicorn.Config(middleware, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/api/v1", access_key, app, service
    app.release.set()
    server.should_exit = True
    thread.join()
    service.store.dispose()


def _post(url: str, access_key: str, key: str) -> requests.Response:
    return requests.post(url, data=b"{}", headers={"X-Token": access_key, "Idempotency-Key": key}, timeout=30)


@pytest.mark.parametrize(("path", "first_status"), [("flaky", 503), ("boom", 500), ("big", 200)])
def test_answers_not_kept_let_a_retry_run_again(
    stand_in: tuple[str, str, StandIn, Service], path: str, first_status: int
) -> None:
    url, access_key, app, _service = stand_in
    key = uuid.uuid4().hex
    assert _post(f"{url}/{path}", access_key, key).status_code == first_status
    assert _post(f"{url}/{path}", access_key, key).status_code == 200
    assert app.calls[path] == 2


def test_a_long_request_keeps_its_claim_alive(stand_in: tuple[str, str, StandIn, Service]) -> None:
    url, access_key, app, service = stand_in
    key = uuid.uuid4().hex
    answers: list[requests.Response] = []
    first = threading.Thread(target=lambda: answers.append(_post(f"{url}/wait", access_key, key)))
    first.start()

    def renewed() -> bool:
        with service.store.read() as conn:
            row = conn.execute(select(idempotent_requests).where(idempotent_requests.c.key == key)).first()
        return row is not None and row.touched_at > row.created_at

    deadline = time.monotonic() + 60
    while not renewed() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert renewed(), "the heartbeat never renewed the claim"
    retry = _post(f"{url}/wait", access_key, key)
    app.release.set()
    first.join()
    assert (retry.status_code, answers[0].status_code) == (409, 200)
    assert _post(f"{url}/wait", access_key, key).headers["Idempotent-Replayed"] == "true"
    assert app.calls["wait"] == 1
