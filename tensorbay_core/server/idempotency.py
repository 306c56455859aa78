"""Idempotent retries of mutating API calls: the answer of a request is kept and replayed.

A client sends ``Idempotency-Key: <unique id>`` with a POST, PUT, PATCH or DELETE and the
same key with every retry of that call (as in draft-ietf-httpapi-idempotency-key-header).
The first request claims the key in the metadata database, per caller (the hash of the
access key), runs, and stores its answer (status, content type, body) unless it is a 5xx
or larger than ``MAX_STORED``. A retry gets the stored answer, so a call whose answer was
lost on the way is carried out once and every attempt gets the first attempt's result.
The claims live in the database, so several server processes on one PostgreSQL share them.

- A retry while the first attempt runs gets a 409 with ``Retry-After``: wait, then retry.
- A claim whose process died (no heartbeat for ``LEASE`` seconds) is taken over by a retry.
- The same key with another request (method, path, query or body) gets a 422.
- A 5xx, an exception, or an answer too large to keep frees the key: a retry runs again.
- Answers are kept for ``TTL`` seconds; each process sweeps older ones now and then.

Limit: the answer is stored after the operation's own transaction commits; if the process
dies in between, a retry runs the operation again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import Column, Float, Index, Integer, LargeBinary, String, Table, delete, select, update
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import AuthenticationError
from ..service import Service
from ..service.store import Store, insert_ignoring_conflicts, metadata
from ..service.users import hash_key

HEADER = "Idempotency-Key"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TTL = 24 * 3600.0
LEASE = 10.0
HEARTBEAT = 3.0
SWEEP_EVERY = 600.0
MAX_STORED = 4 << 20
RETRY_AFTER = "1"
NO_BODY = (204, 304)
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")

logger = logging.getLogger("tensorbay.server")

idempotent_requests = Table(
    "idempotent_requests",
    metadata,
    Column("owner", String(64), primary_key=True),  # SHA-256 of the caller's access key
    Column("key", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # of method, path, query and body
    Column("claim", String(32), nullable=False),  # the attempt that runs (or ran) the request
    Column("status", Integer, nullable=True),  # NULL while the attempt runs
    Column("content_type", String(256), nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("touched_at", Float, nullable=False),
    Index("ix_idempotent_requests_created_at", "created_at"),
)


@dataclass(frozen=True)
class Answer:
    """What is kept of a response and sent again to a retry."""

    status: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ``run`` (with the claim's token), ``replay`` (with the
    answer), ``running`` (another attempt holds it) or ``mismatch`` (another request used it)."""

    state: str
    token: str = ""
    answer: Answer | None = None


class IdempotencyRecords:
    """The ``idempotent_requests`` table: claims, answers, heartbeats and the sweep."""

    def __init__(self, store: Store, ttl: float = TTL, lease: float = LEASE) -> None:
        self.store = store
        self.ttl = ttl
        self.lease = lease

    def claim(self, owner: str, key: str, fingerprint: str, now: float) -> Claim:
        """Claim ``key`` for a new attempt, or say why not. Safe against concurrent claims:
        the insert is unique per (owner, key) and a takeover is a compare-and-set on the
        previous claim token."""
        token = uuid.uuid4().hex
        fresh = {
            "fingerprint": fingerprint,
            "claim": token,
            "status": None,
            "content_type": None,
            "body": None,
            "created_at": now,
            "touched_at": now,
        }
        where = (idempotent_requests.c.owner == owner, idempotent_requests.c.key == key)
        for _ in range(3):
            with self.store.begin() as conn:
                added = conn.execute(
                    insert_ignoring_conflicts(conn, idempotent_requests)
                    .values(owner=owner, key=key, **fresh)
                    .returning(idempotent_requests.c.key)
                ).first()
            if added is not None:
                return Claim("run", token)
            with self.store.begin() as conn:
                row = conn.execute(select(idempotent_requests).where(*where)).first()
                if row is None:
                    continue  # swept or released in between: claim again
                expired = row.created_at < now - self.ttl
                abandoned = row.status is None and row.touched_at < now - self.lease
                if not (expired or abandoned):
                    if row.fingerprint != fingerprint:
                        return Claim("mismatch")
                    if row.status is None:
                        return Claim("running")
                    return Claim(
                        "replay", answer=Answer(row.status, row.content_type, bytes(row.body or b""))
                    )
                taken = conn.execute(
                    update(idempotent_requests)
                    .where(*where, idempotent_requests.c.claim == row.claim)
                    .values(**fresh)
                )
                return Claim("run", token) if taken.rowcount == 1 else Claim("running")
        return Claim("running")

    def _mine(self, owner: str, key: str, token: str) -> tuple[Any, ...]:
        c = idempotent_requests.c
        return (c.owner == owner, c.key == key, c.claim == token)

    def touch(self, owner: str, key: str, token: str, now: float) -> None:
        """The attempt holding ``token`` is still running."""
        with self.store.begin() as conn:
            conn.execute(
                update(idempotent_requests).where(*self._mine(owner, key, token)).values(touched_at=now)
            )

    def finish(self, owner: str, key: str, token: str, answer: Answer) -> None:
        """Keep the answer of the attempt holding ``token`` for its retries."""
        with self.store.begin() as conn:
            conn.execute(
                update(idempotent_requests)
                .where(*self._mine(owner, key, token))
                .values(status=answer.status, content_type=answer.content_type, body=answer.body)
            )

    def release(self, owner: str, key: str, token: str) -> None:
        """Forget the attempt holding ``token``: a retry runs the request again."""
        with self.store.begin() as conn:
            conn.execute(delete(idempotent_requests).where(*self._mine(owner, key, token)))

    def sweep(self, now: float) -> int:
        """Delete every claim older than the TTL; how many."""
        with self.store.begin() as conn:
            gone = conn.execute(
                delete(idempotent_requests).where(idempotent_requests.c.created_at < now - self.ttl)
            )
        return int(gone.rowcount)


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests the same request."""
    digest = hashlib.sha256(f"{method} {path}?".encode())
    digest.update(query)
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def _json_message(status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    body = json.dumps({"code": code, "message": message}).encode()
    return _response_messages(Answer(status, "application/json", body), headers)


def _response_messages(answer: Answer, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    raw = list(headers)
    if answer.status not in NO_BODY:
        raw.append((b"content-length", str(len(answer.body)).encode()))
    if answer.content_type:
        raw.append((b"content-type", answer.content_type.encode("latin-1")))
    return [
        {"type": "http.response.start", "status": answer.status, "headers": raw},
        {"type": "http.response.body", "body": answer.body, "more_body": False},
    ]


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body; None if the client went away before sending all of it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class IdempotencyMiddleware:
    """Runs each mutating API request with an ``Idempotency-Key`` at most once per key."""

    def __init__(self, app: ASGIApp, service: Service, prefix: str, heartbeat: float = HEARTBEAT) -> None:
        self.app = app
        self.service = service
        self.prefix = prefix.rstrip("/") + "/"
        self.heartbeat = heartbeat
        self.records = IdempotencyRecords(service.store)
        self._swept = -SWEEP_EVERY

    def _owner(self, access_key: str) -> str | None:
        """Whose keys these are: only authenticated callers get idempotency (and table rows)."""
        try:
            self.service.authenticate(access_key)
        except AuthenticationError:
            return None
        return hash_key(access_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in MUTATING
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(HEADER.lower().encode(), b"").decode("latin-1")
        access_key = headers.get(b"x-token", b"").decode("latin-1")
        if not key or not access_key:
            await self.app(scope, receive, send)
            return
        if not KEY_RE.match(key):
            message = f"{HEADER} must be 8-128 letters, digits, '-' or '_'"
            await _send_all(send, _json_message(400, "InvalidParamsValue", message, []))
            return
        owner = await anyio.to_thread.run_sync(self._owner, access_key)
        if owner is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # nobody to answer; a retry is a request of its own
        request_print = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        await self._sweep_now_and_then()
        claim = await anyio.to_thread.run_sync(self.records.claim, owner, key, request_print, time.time())
        if claim.state == "replay":
            assert claim.answer is not None
            await _send_all(send, _response_messages(claim.answer, [(b"idempotent-replayed", b"true")]))
        elif claim.state == "running":
            message = f"an earlier attempt of this request ({HEADER}) is still running; retry later"
            await _send_all(
                send, _json_message(409, "Conflict", message, [(b"retry-after", RETRY_AFTER.encode())])
            )
        elif claim.state == "mismatch":
            message = f"this {HEADER} was already used for a different request; use a new key per call"
            await _send_all(send, _json_message(422, "InvalidParamsValue", message, []))
        else:
            await self._run(scope, receive, send, body, owner, key, claim.token)

    async def _sweep_now_and_then(self) -> None:
        if time.monotonic() - self._swept < SWEEP_EVERY:
            return
        self._swept = time.monotonic()
        swept = await anyio.to_thread.run_sync(self.records.sweep, time.time())
        if swept:
            logger.info("swept %d expired idempotency records", swept)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, owner: str, key: str, token: str
    ) -> None:
        """Run the request, keep its answer (or free the key), then send the answer."""
        delivered = False
        captured: list[Message] = []

        async def replay_body() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture(message: Message) -> None:
            captured.append(message)

        error: Exception | None = None

        async def run_app() -> None:
            nonlocal error
            try:
                await self.app(scope, replay_body, capture)
            except Exception as exc:
                error = exc
            finally:
                group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(run_app)
            await self._heartbeat(owner, key, token)
        answer = _answer_of(captured) if error is None else None
        if answer is None or answer.status >= 500 or len(answer.body) > MAX_STORED:
            await anyio.to_thread.run_sync(self.records.release, owner, key, token)
        else:
            await anyio.to_thread.run_sync(self.records.finish, owner, key, token, answer)
        if error is not None:
            raise error
        await _send_all(send, captured)

    async def _heartbeat(self, owner: str, key: str, token: str) -> None:
        """Keep the claim alive until the request ends (cancelled then)."""
        while True:
            await anyio.sleep(self.heartbeat)
            try:
                await anyio.to_thread.run_sync(self.records.touch, owner, key, token, time.time())
            except Exception:
                logger.warning("could not renew the claim of an idempotent request", exc_info=True)


def _answer_of(messages: list[Message]) -> Answer | None:
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None:
        return None
    content_type = dict(start.get("headers", [])).get(b"content-type")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return Answer(int(start["status"]), content_type.decode("latin-1") if content_type else None, body)


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)
