"""The fault proxy really cuts, really answers for the upstream, really waits.

The upstream is a small real HTTP server that records each request it handled in full.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.servers.faults import FaultProxy

SIZE = 100_000


@dataclass
class Upstream:
    url: str
    handled: list[tuple[str, str, bytes]] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    """``GET /bytes`` answers SIZE bytes; ``POST`` echoes its body; each handled request is recorded."""

    protocol_version = "HTTP/1.1"
    handled: list[tuple[str, str, bytes]]

    def _answer(self, body: bytes, send_body: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.handled.append(("GET", self.path, b""))
        self._answer(bytes(range(256)) * (SIZE // 256) + b"x" * (SIZE % 256))

    def do_HEAD(self) -> None:
        self.handled.append(("HEAD", self.path, b""))
        self._answer(b"x" * SIZE, send_body=False)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.handled.append(("POST", self.path, body))
        self._answer(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    handled: list[tuple[str, str, bytes]] = []
    handler = type("RecordingHandler", (Handler,), {"handled": handled})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield Upstream(f"http://127.0.0.1:{server.server_address[1]}", handled)
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(fault_proxy: Callable[[str], FaultProxy], upstream: Upstream) -> FaultProxy:
    return fault_proxy(upstream.url)


def test_forwards_unchanged_over_kept_alive_connections(proxy: FaultProxy, upstream: Upstream) -> None:
    with requests.Session() as session:
        got = session.get(proxy.url + "/bytes")
        echoed = session.post(proxy.url + "/echo", data=b"hello" * 1000)
        head = session.head(proxy.url + "/bytes")
    assert got.content == bytes(range(256)) * (SIZE // 256) + b"x" * (SIZE % 256)
    assert echoed.content == b"hello" * 1000
    assert head.headers["Content-Length"] == str(SIZE)
    assert [h[:2] for h in upstream.handled] == [("GET", "/bytes"), ("POST", "/echo"), ("HEAD", "/bytes")]
    assert (proxy.seen, proxy.forwarded, sum(proxy.counts.values())) == (3, 3, 0)


def test_reset_mid_request_never_reaches_the_upstream(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.inject("reset_request", method="POST")
    with pytest.raises(requests.ConnectionError):
        requests.post(proxy.url + "/echo", data=b"a" * SIZE)
    assert proxy.counts["reset_request"] == 1
    assert upstream.handled == [], "the upstream got half a body: it must not have handled it"
    assert requests.post(proxy.url + "/echo", data=b"b").content == b"b"


def test_lost_answer_is_carried_out_but_not_answered(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.inject("lost_answer")
    with pytest.raises(requests.ConnectionError):
        requests.post(proxy.url + "/echo", data=b"once")
    assert upstream.handled == [("POST", "/echo", b"once")]
    assert (proxy.counts["lost_answer"], proxy.forwarded) == (1, 1)


def test_cut_after_headers(proxy: FaultProxy) -> None:
    proxy.inject("cut_headers")
    response = requests.get(proxy.url + "/bytes", stream=True)
    assert response.status_code == 200 and response.headers["Content-Length"] == str(SIZE)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        response.content  # noqa: B018  (reading is what fails)


def test_cut_mid_body_delivers_half(proxy: FaultProxy) -> None:
    proxy.inject("cut_body")
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
    conn.request("GET", "/bytes")
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    conn.close()
    assert response.status == 200
    assert cut.value.partial == (bytes(range(256)) * (SIZE // 256))[: SIZE // 2]


def test_status_is_answered_by_the_proxy(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.inject("status", status=503, headers={"Retry-After": "3"}, path="/a")
    with requests.Session() as session:
        other = session.get(proxy.url + "/b")
        refused = session.get(proxy.url + "/a/x")
        again = session.get(proxy.url + "/a/x")
    assert (other.status_code, refused.status_code, again.status_code) == (200, 503, 200)
    assert refused.headers["Retry-After"] == "3"
    assert [h[1] for h in upstream.handled] == ["/b", "/a/x"]
    assert (proxy.seen, proxy.forwarded, proxy.counts["status"]) == (3, 2, 1)


def test_delay_holds_the_request_back(proxy: FaultProxy) -> None:
    proxy.inject("delay", seconds=0.5)
    started = time.monotonic()
    assert requests.get(proxy.url + "/bytes").status_code == 200
    assert time.monotonic() - started >= 0.5
    assert proxy.counts["delay"] == 1


def test_refuse_resets_new_connections(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.inject("refuse", times=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.get(proxy.url + "/bytes")
    assert requests.get(proxy.url + "/bytes").status_code == 200
    assert (proxy.counts["refuse"], len(upstream.handled)) == (2, 1)


def test_blackout_resets_everything_until_it_ends(proxy: FaultProxy, upstream: Upstream) -> None:
    with requests.Session() as session:
        assert session.get(proxy.url + "/bytes").status_code == 200
        proxy.blackout(600)
        for _ in range(3):  # the kept-alive connection, then new ones
            with pytest.raises(requests.ConnectionError):
                session.get(proxy.url + "/bytes")
        proxy.blackout(0.2)
        time.sleep(0.3)
        assert session.get(proxy.url + "/bytes").status_code == 200
    assert len(upstream.handled) == 2
    assert proxy.counts["blackout"] >= 3


def test_random_faults_follow_the_seed(proxy: FaultProxy) -> None:
    def outcomes(seed: int) -> list[int]:
        proxy.reset()
        proxy.randomize(0.3, ("status",), seed=seed)
        with requests.Session() as session:
            return [session.get(proxy.url + "/bytes").status_code for _ in range(60)]

    first, again, other = outcomes(7), outcomes(7), outcomes(8)
    assert first == again and first != other
    assert 0 < first.count(503) < 60
    assert proxy.counts["status"] == other.count(503)


def test_expect_continue_is_answered_by_the_proxy(proxy: FaultProxy, upstream: Upstream) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
    conn.putrequest("POST", "/echo")
    conn.putheader("Content-Length", "4")
    conn.putheader("Expect", "100-continue")
    conn.endheaders()
    interim = conn.sock.recv(64)  # the body waits for this
    conn.send(b"body")
    response = conn.getresponse()
    assert interim.startswith(b"HTTP/1.1 100")
    assert (response.status, response.read()) == (200, b"body")
    conn.close()
    assert upstream.handled == [("POST", "/echo", b"body")]
