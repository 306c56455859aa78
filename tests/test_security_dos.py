"""Slow or huge clients cannot stall or bloat ``gas serve`` (issue 11, item 5).

The lead's part of item 5 (``delete_dataset`` linear in its entries) is tested with the
service. Nothing here times the server: a liveness check has a generous timeout that only a
stalled server misses, and memory is read from ``/proc``.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tensorbay_core.client.http import HTTPTransport

from .servers.gas import GasServer, own_server

#: More stalled uploads than ``gas serve`` had worker threads before (128).
STALLED_UPLOADS = 140
MIB = 1024 * 1024

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GasServer]:
    """A server with the default limits."""
    with own_server(tmp_path_factory, "dos") as started:
        yield started


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GasServer]:
    """A server with short request deadlines and few connections."""
    with own_server(
        tmp_path_factory, "tight", "--request-timeout", "2", "--max-connections", "20"
    ) as started:
        yield started


def rss_peak(server: GasServer) -> int:
    """The server's peak resident memory so far, in bytes (VmHWM)."""
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


def signed_put_url(server: GasServer) -> str:
    """A valid signed PUT URL on the server's own storage, as any user gets one."""
    transport = HTTPTransport(server.url, server.new_user())
    transport.call("create_dataset", name="ds")
    transport.call("create_draft", dataset="ds", title="draft")
    body = b"the bytes of a slow upload" * 40
    files = [{"remotePath": "slow.bin", "checksum": hashlib.sha1(body).hexdigest(), "size": len(body)}]
    [upload] = transport.call("prepare_uploads", dataset="ds", draft_number=1, files=files, sign=True)[
        "uploads"
    ]
    return str(upload["url"])


def open_raw(server: GasServer, stack: ExitStack) -> socket.socket:
    sock = stack.enter_context(socket.create_connection(("127.0.0.1", server.port), timeout=60))
    return sock


def test_stalled_uploads_do_not_stall_the_api(server: GasServer) -> None:
    url = urlsplit(signed_put_url(server))
    target = f"{url.path}?{url.query}".encode()
    key = server.new_user()
    with ExitStack() as stack:
        for _ in range(STALLED_UPLOADS):
            sock = open_raw(server, stack)
            sock.sendall(b"PUT " + target + b" HTTP/1.1\r\nHost: gas\r\nContent-Length: 1000\r\n\r\nx")
        # a liveness check, not a measurement: a stalled server never answers within a minute
        assert requests.get(f"{server.url}/healthz", timeout=60).json() == {"status": "ok"}
        listed = requests.get(f"{server.url}/api/v1/datasets", headers={"X-Token": key}, timeout=60)
        assert listed.status_code == 200


def test_an_unauthenticated_huge_body_is_never_read(server: GasServer) -> None:
    before = rss_peak(server)

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield b'{"name": "'
        for _ in range(200):
            yield b"a" * MIB
        yield b'"}'

    try:
        response = requests.post(
            f"{server.url}/api/v1/datasets",
            data=body(),
            headers={"Content-Type": "application/json"},
            timeout=120,
        )
        assert response.status_code == 401
    except requests.ConnectionError:
        pass  # the server answered 401 and closed the connection while the body was still going
    assert rss_peak(server) - before < 64 * MIB


def test_an_authenticated_body_is_cut_off_at_the_limit(server: GasServer) -> None:
    key = server.new_user()
    before = rss_peak(server)
    declared = requests.post(
        f"{server.url}/api/v1/datasets",
        data=b" " * (40 * MIB),
        headers={"Content-Type": "application/json", "X-Token": key},
        timeout=120,
    )
    assert declared.status_code == 413 and declared.json()["code"] == "PayloadTooLarge"

    def body() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(200):
            yield b"a" * MIB
        yield b'"}'

    try:
        chunked = requests.post(
            f"{server.url}/api/v1/datasets",
            data=body(),
            headers={"Content-Type": "application/json", "X-Token": key},
            timeout=120,
        )
        assert chunked.status_code == 413
    except requests.ConnectionError:
        pass
    assert rss_peak(server) - before < 128 * MIB


def test_list_inputs_are_capped(server: GasServer) -> None:
    key = server.new_user()
    headers = {"X-Token": key}
    api = f"{server.url}/api/v1"
    requests.post(f"{api}/datasets", json={"name": "ds"}, headers=headers, timeout=60).raise_for_status()
    requests.post(
        f"{api}/datasets/ds/drafts", json={"title": "d"}, headers=headers, timeout=60
    ).raise_for_status()
    labels = {f"{i}.jpg": {"CLASSIFICATION": {"category": "cat"}} for i in range(50_000)}
    cases = [
        ("PUT", "/datasets/ds/labels", {"draft_number": 1, "labels": labels}, "labels"),
        (
            "POST",
            "/datasets/ds/data/delete",
            {"draft_number": 1, "paths": [f"{i}" for i in range(250_000)]},
            "paths",
        ),
        ("POST", "/datasets/ds/uploads", {"draft_number": 1, "files": [{}] * 1001}, "files"),
    ]
    for method, path, body, field in cases:
        response = requests.request(method, api + path, json=body, headers=headers, timeout=120)
        assert response.status_code == 400, (path, response.text)
        assert field in response.json()["message"] and "1000" in response.json()["message"]


def test_slow_headers_are_cut_off(tight: GasServer) -> None:
    with socket.create_connection(("127.0.0.1", tight.port), timeout=60) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gas\r\n")  # and never the blank line
        assert sock.recv(100) == b"", "the server should close the connection"


def test_a_body_that_stops_coming_gets_408(tight: GasServer) -> None:
    key = tight.new_user()
    with socket.create_connection(("127.0.0.1", tight.port), timeout=60) as sock:
        sock.sendall(
            b"POST /api/v1/datasets HTTP/1.1\r\nHost: gas\r\nX-Token: " + key.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 408 ")


def test_a_stalled_upload_gets_408(tight: GasServer) -> None:
    url = urlsplit(signed_put_url(tight))
    with socket.create_connection(("127.0.0.1", tight.port), timeout=60) as sock:
        sock.sendall(
            f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: gas\r\nContent-Length: 1000\r\n\r\nx".encode()
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 408 ")


def test_connections_beyond_the_limit_get_503(tight: GasServer) -> None:
    with ExitStack() as stack:
        idle = [open_raw(tight, stack) for _ in range(20)]
        assert len(idle) == 20
        with socket.create_connection(("127.0.0.1", tight.port), timeout=60) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gas\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 503 ")
