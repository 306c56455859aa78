"""The built-in local provider: the conformance kit, plus what only a local disk has."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import pytest
import requests

from tensorbay_core.builtins.local.provider import TMP_MARK, LocalProvider
from tensorbay_core.errors import (
    InvalidArgument,
    InvalidConfig,
    NotFound,
    PermissionDenied,
    StorageError,
    TensorBayError,
)
from tensorbay_core.storage import create_provider
from tensorbay_core.storage.testing import ProviderConformance, fetch, keys, put_bytes, read_all


def local(root: Path, **values: Any) -> LocalProvider:
    provider = create_provider("local", "disk", str(root), values)
    assert isinstance(provider, LocalProvider)
    return provider


class SignedURLServer(ThreadingHTTPServer):
    """Serves a local provider's signed GET and PUT URLs, the way `gas serve` does."""

    provider: LocalProvider


class SignedURLHandler(BaseHTTPRequestHandler):
    server: SignedURLServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _verified_key(self, method: str) -> str | None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        provider = self.server.provider
        try:
            if query.get("method") != method or query.get("kid") != provider.key_id():
                raise PermissionDenied("wrong method or key id")
            expires, signature = int(query["expires"]), query["signature"]
            return provider.verify_signed(unquote(url.path[1:]), method, expires, signature)
        except (TensorBayError, KeyError, ValueError):
            self.send_error(403)
            return None

    def do_GET(self) -> None:
        key = self._verified_key("GET")
        if key is None:
            return
        try:
            data = read_all(self.server.provider, key)
        except NotFound:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:
        key = self._verified_key("PUT")
        if key is None:
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.provider.put_stream(io.BytesIO(body), key)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def signed_server() -> Iterator[SignedURLServer]:
    """One server for the module; each test points it at its own provider."""
    server = SignedURLServer(("127.0.0.1", 0), SignedURLHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


class LocalConformance(ProviderConformance):
    """What the kit needs to build wrong on purpose, as a local directory can be wrong."""

    @pytest.fixture
    def missing_root(self, tmp_path: Path) -> Iterator[LocalProvider]:
        yield local(tmp_path / "never-made", signing_key="local-signing-key-0123456789")

    @pytest.fixture
    def wrong_credentials(self) -> Iterator[LocalProvider]:
        pytest.skip("a directory on this machine takes no credentials")
        yield  # type: ignore[misc]

    @pytest.fixture
    def unreachable(self) -> Iterator[LocalProvider]:
        pytest.skip("a directory on this machine has no endpoint to reach")
        yield  # type: ignore[misc]


class TestLocalConformance(LocalConformance):
    """Without an endpoint: GET URLs are file:// URLs, PUT cannot be signed."""

    @pytest.fixture
    def provider(self, root: Path) -> Iterator[LocalProvider]:
        yield local(root, signing_key="local-signing-key-0123456789")


class TestLocalSignedConformance(LocalConformance):
    """With an endpoint: signed GET and PUT URLs, served like `gas serve` serves them."""

    @pytest.fixture
    def provider(self, root: Path, signed_server: SignedURLServer) -> Iterator[LocalProvider]:
        endpoint = f"http://127.0.0.1:{signed_server.server_address[1]}"
        signed_server.provider = local(root, endpoint=endpoint, signing_key="local-signing-key-0123456789")
        yield signed_server.provider


# -- symlinks ------------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_bytes(b"not yours")
    return path


def test_symlinks_leading_outside_are_refused(root: Path, outside: Path) -> None:
    (root / "inside.txt").write_bytes(b"mine")
    (root / "file-link").symlink_to(outside / "secret.txt")
    (root / "dir-link").symlink_to(outside, target_is_directory=True)
    provider = local(root)
    for key in ("file-link", "dir-link/secret.txt"):
        with pytest.raises(PermissionDenied):
            provider.info(key)
        with pytest.raises(PermissionDenied):
            provider.open(key)
        with pytest.raises(PermissionDenied):
            provider.copy(key, "stolen")
        with pytest.raises(PermissionDenied):
            provider.sign_url(key)
    with pytest.raises(PermissionDenied):
        put_bytes(provider, "dir-link/planted", b"x")
    with pytest.raises(PermissionDenied):
        provider.delete("dir-link/secret.txt")
    assert keys(provider.iter_objects("")) == ["inside.txt"]
    assert keys(provider.iter_objects("dir-link/")) == []
    assert keys(provider.iter_objects("file")) == []
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"not yours"


def test_symlinks_inside_the_root_are_followed(root: Path) -> None:
    (root / "real").mkdir()
    (root / "real" / "x").write_bytes(b"x")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    (root / "x-link").symlink_to(root / "real" / "x")
    provider = local(root)
    assert keys(provider.iter_objects("")) == ["alias/x", "real/x", "x-link"]
    assert keys(provider.iter_objects("alias/")) == ["alias/x"]
    assert read_all(provider, "alias/x") == b"x"
    assert provider.info("x-link").size == 1


def test_symlink_loops_end(root: Path) -> None:
    (root / "a").mkdir()
    (root / "a" / "x").write_bytes(b"x")
    (root / "a" / "loop").symlink_to(root / "a", target_is_directory=True)
    (root / "a" / "up").symlink_to(root, target_is_directory=True)
    assert keys(local(root).iter_objects("")) == ["a/x"]


def test_dangling_symlinks_are_skipped(root: Path) -> None:
    (root / "dangling").symlink_to(root / "gone")
    (root / "kept").write_bytes(b"k")
    provider = local(root)
    assert keys(provider.iter_objects("")) == ["kept"]
    with pytest.raises(NotFound):
        provider.info("dangling")


def test_names_no_key_can_have_are_not_listed(root: Path) -> None:
    (root / "back\\slash").write_bytes(b"x")
    (root / "new\nline").write_bytes(b"x")
    (root / f"{TMP_MARK}123").write_bytes(b"partial")
    (root / "fine").write_bytes(b"x")
    assert keys(local(root).iter_objects("")) == ["fine"]


# -- atomic writes ---------------------------------------------------------------------------


class FailingStream(io.RawIOBase):
    """Yields ``chunks``, calling ``during`` after the first, then fails."""

    def __init__(self, chunks: list[bytes], during: Any = None) -> None:
        self.chunks = list(chunks)
        self.during = during
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.served == 1 and self.during is not None:
            self.during()
        if not self.chunks:
            raise OSError("the client went away")
        chunk = self.chunks.pop(0)
        buffer[: len(chunk)] = chunk
        self.served += 1
        return len(chunk)


def test_a_write_in_progress_is_not_visible(root: Path) -> None:
    provider = local(root)
    put_bytes(provider, "data/object", b"old bytes")
    seen: dict[str, Any] = {}

    def look() -> None:
        seen["listing"] = keys(provider.iter_objects(""))
        seen["bytes"] = read_all(provider, "data/object")
        seen["new"] = provider.exists("data/new")

    with pytest.raises(StorageError):
        provider.put_stream(FailingStream([b"new ", b"bytes"], during=look), "data/object")
    with pytest.raises(StorageError):
        provider.put_stream(FailingStream([b"partial"]), "data/new")
    assert seen == {"listing": ["data/object"], "bytes": b"old bytes", "new": False}
    assert read_all(provider, "data/object") == b"old bytes"
    assert not provider.exists("data/new")
    assert sorted(os.listdir(root / "data")) == ["object"]


def test_a_failed_put_file_leaves_nothing(root: Path, tmp_path: Path) -> None:
    provider = local(root)
    with pytest.raises(InvalidArgument):
        provider.put_file(str(tmp_path / "no-such-file"), "k")
    (root / "k").mkdir()
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(StorageError):
        provider.put_file(str(tmp_path / "f"), "k")
    assert os.listdir(root / "k") == []
    assert [p.name for p in root.iterdir()] == ["k"]


# -- connection and config ----------------------------------------------------------------------


def test_check_connection_names_a_missing_directory(tmp_path: Path) -> None:
    provider = local(tmp_path / "nowhere")
    with pytest.raises(InvalidConfig, match=r"'.*nowhere' does not exist"):
        provider.check_connection()
    (tmp_path / "a-file").write_bytes(b"")
    with pytest.raises(InvalidConfig, match="not a directory"):
        local(tmp_path / "a-file").check_connection()


def test_file_path_is_made_absolute(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root.parent)
    provider = local(Path("root"))
    assert provider.config.file_path == str(root)
    with pytest.raises(InvalidConfig, match="file_path"):
        create_provider("local", "x", "", {})


def test_open_is_for_reading(root: Path) -> None:
    provider = local(root)
    put_bytes(provider, "k", b"x")
    with pytest.raises(InvalidArgument):
        provider.open("k", "wb")
    with pytest.raises(NotFound):
        provider.open("missing")


# -- copies ---------------------------------------------------------------------------------------


def test_copy_reports_the_sha1_of_the_bytes_it_copied(root: Path) -> None:
    provider = local(root)
    put_bytes(provider, "src", b"payload")
    assert provider.copy("src", "dst").sha1 == hashlib.sha1(b"payload").hexdigest()


def test_etag_changes_when_mtime_is_restored_over_new_bytes(root: Path) -> None:
    """``cp -p`` / ``rsync -t`` put the old mtime back on new bytes: the etag must still change."""
    provider = local(root)
    before = put_bytes(provider, "k", b"same size 1")
    st = (root / "k").stat()
    (root / "k").write_bytes(b"same size 2")
    os.utime(root / "k", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert provider.info("k").etag != before.etag


def test_copy_between_local_configs(root: Path, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    source, target = local(root), local(tmp_path / "other")
    put_bytes(source, "pics/1.png", b"png")
    assert target.copy("pics/1.png", "in/1.png", source).size == 3
    assert read_all(target, "in/1.png") == b"png"
    with pytest.raises(NotFound):
        target.copy("pics/missing.png", "in/x", source)


def test_unicode_and_spaces_in_keys(root: Path) -> None:
    provider = local(root)
    key = "数据/ü file #1?.txt"
    put_bytes(provider, key, b"u")
    assert keys(provider.iter_objects("数据/")) == [key]
    assert fetch(provider.sign_url(key)) == b"u"


# -- signed URLs ---------------------------------------------------------------------------------


def tampered(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())))


def test_signed_urls_refuse_tampering(root: Path, signed_server: SignedURLServer) -> None:
    endpoint = f"http://127.0.0.1:{signed_server.server_address[1]}/"
    provider = signed_server.provider = local(root, endpoint=endpoint, signing_key="k" * 32)
    put_bytes(provider, "a", b"A")
    put_bytes(provider, "b", b"B")
    url = provider.sign_url("a", "GET", 60)
    assert requests.get(url, timeout=10).content == b"A"
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    refused = [
        url.replace("/a?", "/b?"),
        tampered(url, expires=str(int(expires) + 1)),
        tampered(url, signature="0" * 64),
        tampered(url, method="PUT"),
    ]
    for bad in refused:
        assert requests.get(bad, timeout=10).status_code == 403, bad
    put_url = provider.sign_url("a", "PUT", 60)
    assert requests.get(put_url, timeout=10).status_code == 403
    assert requests.put(url, data=b"overwritten", timeout=10).status_code == 403
    assert read_all(provider, "a") == b"A"


def test_verify_signed_refuses_expired_and_foreign_urls(root: Path) -> None:
    provider = local(root, endpoint="http://127.0.0.1:1", signing_key="k" * 32)
    other = local(root, endpoint="http://127.0.0.1:1", signing_key="j" * 32)
    query = parse_qs(urlsplit(provider.sign_url("a", "GET", 60)).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    assert provider.verify_signed("a", "GET", expires, signature) == "a"
    with pytest.raises(PermissionDenied):
        other.verify_signed("a", "GET", expires, signature)
    with pytest.raises(PermissionDenied):
        provider.verify_signed("a", "PUT", expires, signature)
    assert provider.key_id() != other.key_id()


def test_signed_urls_expire(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = local(root, endpoint="http://127.0.0.1:1", signing_key="k" * 32)
    query = parse_qs(urlsplit(provider.sign_url("a", "GET", 60)).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    later = time.time() + 61
    monkeypatch.setattr("tensorbay_core.builtins.local.provider.time", SimpleNamespace(time=lambda: later))
    with pytest.raises(PermissionDenied):
        provider.verify_signed("a", "GET", expires, signature)


def test_signing_needs_a_key_and_a_positive_lifetime(root: Path) -> None:
    with pytest.raises(StorageError, match="signing_key"):
        local(root, endpoint="http://127.0.0.1:1").sign_url("a")
    with pytest.raises(StorageError, match="endpoint"):
        local(root).sign_url("a", "PUT")
    with pytest.raises(InvalidArgument):
        local(root).sign_url("a", "GET", 0)


def test_writes_and_deletes_never_follow_a_folder_swapped_for_a_link(root: Path, tmp_path: Path) -> None:
    """A folder swapped for a symlink between the key check and the write is never written
    (or deleted) through: a thread swaps ``d`` for a link to a folder outside, again and again."""
    provider = local(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_bytes(b"not ours")
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                (root / "d").mkdir()
            with contextlib.suppress(OSError):
                shutil.rmtree(root / "d")
                (root / "d").symlink_to(outside)
            with contextlib.suppress(OSError):
                (root / "d").unlink()

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for i in range(1000):
            with contextlib.suppress(TensorBayError):
                put_bytes(provider, f"d/k{i}", b"ours")
            with contextlib.suppress(TensorBayError):
                provider.delete("d/victim")
    finally:
        stop.set()
        swapper.join()
    assert sorted(p.name for p in outside.iterdir()) == ["victim"]
    assert (outside / "victim").read_bytes() == b"not ours"


def test_a_root_made_again_is_written_into_and_one_swapped_for_a_link_is_refused(
    root: Path, tmp_path: Path
) -> None:
    """The provider keeps the root open between writes; a root removed and made again must
    get the next write (not the unlinked folder, where it would vanish), and a root replaced
    by a link must get none."""
    provider = local(root)
    put_bytes(provider, "a", b"first")
    shutil.rmtree(root)
    root.mkdir()
    put_bytes(provider, "b", b"second")
    assert (root / "b").read_bytes() == b"second"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(root)
    root.symlink_to(elsewhere)
    with pytest.raises(TensorBayError):
        put_bytes(provider, "c", b"third")
    assert list(elsewhere.iterdir()) == []
