"""A fault-injecting HTTP/1.1 proxy between two real parts of a test: real sockets, real cuts.

``FaultProxy("http://127.0.0.1:PORT")`` listens on a free port of 127.0.0.1 (``.url``) and
forwards each request to the upstream unchanged (the Host header too, so S3 signatures hold).
What it does to a request is chosen per request; ``refuse`` is chosen per connection:

- ``refuse``: reset the connection as soon as it is accepted.
- ``reset_request``: forward the head and half the body, then reset both sides; the upstream
  sees a client that vanished mid-request and the client never gets an answer.
- ``lost_answer``: forward the whole request and read the whole response, then reset the
  client: the upstream carried the request out, the client does not know.
- ``cut_headers``: send the response's head, then reset.
- ``cut_body``: send the head and half the body, then reset.
- ``status``: answer ``status`` (503 by default) itself, with ``headers``; the upstream never
  sees the request.
- ``delay``: wait ``seconds`` before forwarding.
- ``blackout(seconds)``: for that window every connection and every request is reset.

Rules: ``inject(kind, times=1, method=, path=)`` gives the next ``times`` matching requests
(``None``: all of them) that fault; ``randomize(rate, kinds, seed)`` gives each matching request
one of ``kinds`` with probability ``rate``, drawn from a seeded generator. ``counts`` says
what was injected, by kind; ``seen`` and ``forwarded`` count requests read and sent upstream.

Fixtures: ``fault_proxy(upstream_url)`` makes proxies closed after the test; ``faulty_gas`` is
a ``gas serve`` (its own database) whose ``--public-url`` is a proxy, so the API and the signed
``/storage`` URLs both pass through it; the proxy is reset for every test.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import pytest

from .gas import GasServer, fresh_postgres_database

REQUEST_FAULTS = ("reset_request", "lost_answer", "cut_headers", "cut_body", "status")
KINDS = (*REQUEST_FAULTS, "refuse", "delay")
NO_BODY_STATUSES = (204, 304)
CUT_WAIT = 10.0


@dataclass
class Rule:
    """Which requests get which fault, how many more times (None: always)."""

    kind: str
    times: int | None = 1
    method: str | None = None
    path: str | None = None
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 1.0

    def matches(self, method: str, path: str) -> bool:
        """Whether a request of ``method`` to ``path`` is one this rule is about."""
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )


@dataclass
class Message:
    """One HTTP message as it travels: its raw head, parsed start line and headers, raw body."""

    head: bytes
    start: str
    headers: dict[str, str]
    body: bytes = b""

    @classmethod
    def parse(cls, head: bytes) -> Message:
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return cls(head, lines[0], headers)

    def without(self, name: str) -> bytes:
        """The raw head without header ``name``."""
        kept = [
            line
            for line in self.head.split(b"\r\n")
            if not line.lower().startswith(name.lower().encode() + b":")
        ]
        return b"\r\n".join(kept)

    @property
    def closes(self) -> bool:
        """Whether the connection ends after this message."""
        return self.headers.get("connection", "").lower() == "close"


class Cut(Exception):
    """The proxy reset the client connection on purpose."""


def _reset(sock: socket.socket) -> None:
    """Close with an RST rather than a FIN: what a crashed peer or a broken network does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _send_then_cut(client: socket.socket, reader: IO[bytes], data: bytes) -> None:
    """Send the start of a response and end the connection there.

    A FIN follows the data (an RST at once could overtake it and discard it), and the RST
    comes once the client has read what it got and hung up.
    """
    client.sendall(data)
    client.shutdown(socket.SHUT_WR)
    client.settimeout(CUT_WAIT)
    try:
        while reader.read(65536):
            pass
    except OSError:
        pass
    raise Cut


def _read_head(reader: IO[bytes]) -> bytes | None:
    lines = []
    while True:
        line = reader.readline(65537)
        if not line:
            if lines:
                raise ConnectionError("the peer closed in the middle of a message head")
            return None
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def _read_exactly(reader: IO[bytes], n: int) -> bytes:
    data = reader.read(n)
    if len(data) != n:
        raise ConnectionError("the peer closed in the middle of a message body")
    return data


def _read_body(reader: IO[bytes], message: Message, until_close: bool) -> bytes:
    """The raw body (chunked framing kept) that follows ``message``'s head."""
    if message.headers.get("transfer-encoding", "").lower() == "chunked":
        raw = []
        while True:
            line = reader.readline(65537)
            raw.append(line)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:
                    trailer = reader.readline(65537)
                    raw.append(trailer)
                    if trailer in (b"\r\n", b"\n", b""):
                        return b"".join(raw)
            raw.append(_read_exactly(reader, size + 2))
    if "content-length" in message.headers:
        return _read_exactly(reader, int(message.headers["content-length"]))
    return reader.read() if until_close else b""


class _Upstream:
    """The proxy's connection to the upstream for one client connection, opened on demand."""

    def __init__(self, address: tuple[str, int], track: Callable[[socket.socket | None, bool], None]) -> None:
        self.address = address
        self._track = track
        self._sock: socket.socket | None = None
        self._reader: IO[bytes] | None = None
        self.used = False

    def _connect(self) -> tuple[socket.socket, IO[bytes]]:
        if self._sock is None or self._reader is None:
            self._sock = socket.create_connection(self.address, timeout=300)
            self._track(self._sock, True)
            self._reader = self._sock.makefile("rb")
            self.used = False
        return self._sock, self._reader

    def send_part(self, data: bytes) -> None:
        """Send the start of a request that will never be finished."""
        sock, _ = self._connect()
        sock.sendall(data)

    def exchange(self, request: Message, method: str, client: socket.socket) -> Message:
        """Forward ``request``; its final response (interim 1xx answers go straight to the client).

        An idle keep-alive connection the upstream closed is opened again once, as any
        HTTP client does: the upstream did not see the request.
        """
        for _ in range(2):
            sock, reader = self._connect()
            reused = self.used
            self.used = True
            sock.sendall(request.head + request.body)
            head = _read_head(reader)
            if head is None and reused:
                self.close()
                continue
            if head is None:
                raise ConnectionError("the upstream closed without answering")
            while True:
                response = Message.parse(head)
                status = int(response.start.split(" ")[1])
                if status >= 200:
                    break
                client.sendall(head)
                head = _read_head(reader)
                if head is None:
                    raise ConnectionError("the upstream closed without answering")
            if method != "HEAD" and status not in NO_BODY_STATUSES:
                response.body = _read_body(reader, response, until_close=True)
            if response.closes or _close_delimited(response, method):
                self.close()
            return response
        raise ConnectionError("the upstream closed without answering")

    def reset(self) -> None:
        """Drop the connection with an RST."""
        if self._sock is not None:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            _reset(self._sock)
            self.close()

    def close(self) -> None:
        """Close the connection (a new one is opened on demand)."""
        if self._reader is not None:
            self._reader.close()
        if self._sock is not None:
            self._track(self._sock, False)
            self._sock.close()
        self._sock, self._reader = None, None


class FaultProxy:
    """A threaded HTTP/1.1 proxy to ``upstream`` that injects faults by rule."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._random: tuple[float, tuple[str, ...], Rule, random.Random] | None = None
        self._blackout_until = 0.0
        self._closed = False
        self._sockets: set[socket.socket] = set()
        self.counts: Counter[str] = Counter()
        self.seen = 0
        self.forwarded = 0
        self._thread = threading.Thread(target=self._accept, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"FaultProxy({self.url} -> {self.upstream[0]}:{self.upstream[1]})"

    # -- the plan ------------------------------------------------------------------------

    def inject(
        self,
        kind: str,
        times: int | None = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int = 503,
        headers: dict[str, str] | None = None,
        seconds: float = 1.0,
    ) -> None:
        """Give the next ``times`` matching requests (``None``: every one) fault ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {KINDS}")
        with self._lock:
            self._rules.append(Rule(kind, times, method, path, status, dict(headers or {}), seconds))

    def randomize(
        self,
        rate: float,
        kinds: tuple[str, ...] = REQUEST_FAULTS,
        *,
        seed: int = 0,
        method: str | None = None,
        path: str | None = None,
        status: int = 503,
        seconds: float = 0.05,
    ) -> None:
        """Each matching request gets, with probability ``rate``, one of ``kinds`` at random."""
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; choose among {KINDS}")
        with self._lock:
            template = Rule("", None, method, path, status, {}, seconds)
            self._random = (rate, tuple(kinds), template, random.Random(seed))

    def blackout(self, seconds: float) -> None:
        """Reset every connection and request for the next ``seconds``."""
        with self._lock:
            self._blackout_until = time.monotonic() + seconds

    def reset(self) -> None:
        """No more faults; counters back to zero."""
        with self._lock:
            self._rules.clear()
            self._random = None
            self._blackout_until = 0.0
            self.counts.clear()
            self.seen = 0
            self.forwarded = 0

    def _choose(self, method: str, path: str, connection: bool) -> Rule | None:
        """The fault for a request (or, with ``connection``, for a new connection), counted."""
        with self._lock:
            if time.monotonic() < self._blackout_until:
                self.counts["blackout"] += 1
                return Rule("blackout")
            if not connection:
                self.seen += 1
            for rule in self._rules:
                if (rule.kind == "refuse") == connection and rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    self.counts[rule.kind] += 1
                    return rule
            if self._random is not None:
                rate, kinds, template, rng = self._random
                wanted = [k for k in kinds if (k == "refuse") == connection]
                if wanted and template.matches(method, path) and rng.random() < rate:
                    kind = rng.choice(wanted)
                    self.counts[kind] += 1
                    return Rule(kind, None, None, None, template.status, {}, template.seconds)
            return None

    # -- the plumbing --------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._closed:
                client.close()
                return
            if self._choose("", "", connection=True) is not None:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket | None, add: bool) -> None:
        if sock is None:
            return
        with self._lock:
            (self._sockets.add if add else self._sockets.discard)(sock)

    def _serve(self, client: socket.socket) -> None:
        self._track(client, True)
        upstream = _Upstream(self.upstream, self._track)
        reader = client.makefile("rb")
        try:
            while True:
                head = _read_head(reader)
                if head is None:
                    return
                request = Message.parse(head)
                if request.headers.get("expect", "").lower() == "100-continue":
                    client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                    request.head = request.without("expect")
                request.body = _read_body(reader, request, until_close=False)
                method, target = ([*request.start.split(" "), "", ""])[:2]
                rule = self._choose(method, urlsplit(target).path, connection=False)
                kind = rule.kind if rule else ""
                if kind == "blackout":
                    raise Cut
                if rule is not None and kind == "status":
                    client.sendall(_status_response(rule.status, rule.headers))
                    if request.closes:
                        return
                    continue
                if rule is not None and kind == "delay":
                    time.sleep(rule.seconds)
                if kind == "reset_request":
                    upstream.send_part(request.head + request.body[: len(request.body) // 2])
                    raise Cut
                response = upstream.exchange(request, method, client)
                with self._lock:
                    self.forwarded += 1
                if kind == "lost_answer":
                    raise Cut
                if kind == "cut_headers":
                    _send_then_cut(client, reader, response.head)
                if kind == "cut_body":
                    _send_then_cut(client, reader, response.head + response.body[: len(response.body) // 2])
                client.sendall(response.head + response.body)
                if response.closes or request.closes or _close_delimited(response, method):
                    return
        except (Cut, OSError):
            _reset(client)
            upstream.reset()
        finally:
            reader.close()
            upstream.close()
            self._track(client, False)
            client.close()

    def close(self) -> None:
        """Stop listening and drop every connection."""
        self._closed = True
        self._listener.close()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _close_delimited(response: Message, method: str) -> bool:
    framed = "content-length" in response.headers or "transfer-encoding" in response.headers
    return not framed and method != "HEAD" and response.start.split(" ")[1] not in ("204", "304")


def _status_response(status: int, headers: dict[str, str]) -> bytes:
    body = f"{status} (answered by the test's fault proxy)\n".encode()
    lines = [f"HTTP/1.1 {status} Injected", "Content-Type: text/plain", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
def fault_proxy() -> Iterator[Callable[[str], FaultProxy]]:
    """Make ``FaultProxy(upstream_url)`` instances, all closed at the end of the test."""
    made: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        made.append(FaultProxy(upstream))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


@dataclass
class ProxiedGas:
    """A ``gas serve`` reached through ``proxy``: ``url`` is the proxy's, ``server`` the real one."""

    server: GasServer
    proxy: FaultProxy

    @property
    def url(self) -> str:
        return self.proxy.url


@pytest.fixture(scope="session")
def _proxied_gas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxiedGas]:
    home = Path(tempfile.mkdtemp(prefix="gas-faults-"))
    pg = fresh_postgres_database()
    db_url, drop = pg if pg is not None else ("sqlite:///" + str(home / "gas.db"), None)
    server = GasServer(db_url, home, tmp_path_factory.getbasetemp())
    proxy = FaultProxy(server.url)
    server.extra_args = ("--public-url", proxy.url)
    try:
        server.start()
        yield ProxiedGas(server, proxy)
    finally:
        proxy.close()
        server.stop()
        if drop is not None:
            drop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def faulty_gas(_proxied_gas: ProxiedGas) -> Iterator[ProxiedGas]:
    """The session's proxied ``gas serve``, with no fault planned and counters at zero."""
    _proxied_gas.proxy.reset()
    yield _proxied_gas
    _proxied_gas.proxy.reset()
