"""Each user's local configs stay in the user's own area of a ``--local-root`` (issue 11, items 3, 4, 7).

Users here also have a shell on the server's disk (that is what local storage is for), so
they can make symlinks the API never would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tensorbay_core.client.http import HTTPTransport
from tensorbay_core.errors import InvalidConfig, PermissionDenied

from .servers.gas import GasServer, own_server

ALICE_FILE = b"alice's private bytes"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A local root holding alice's area (with a file) and bob's (empty)."""
    (tmp_path / "root" / "alice" / "data").mkdir(parents=True)
    (tmp_path / "root" / "alice" / "data" / "mine.bin").write_bytes(ALICE_FILE)
    (tmp_path / "root" / "bob").mkdir()
    return tmp_path / "root"


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Iterator[GasServer]:
    with own_server(tmp_path_factory, "areas", local_root=root) as started:
        yield started


def local(transport: HTTPTransport, name: str, path: Path | str, **values: str) -> dict[str, object]:
    return dict(
        transport.call("create_storage_config", type="local", name=name, file_path=str(path), values=values)
    )


def test_a_user_cannot_use_another_users_area_or_the_root(server: GasServer, root: Path) -> None:
    bob = HTTPTransport(server.url, server.new_user("bob"))
    (root / "bob" / "to-alice").symlink_to(root / "alice")  # bob's shell can do this
    for target in (
        root / "alice",
        root / "alice" / "data",
        root,
        root / "bob" / ".." / "alice",
        root / "bob" / "to-alice",
    ):
        with pytest.raises(PermissionDenied, match="your own area"):
            local(bob, "steal", target)
    assert bob.call("list_storage_configs")["totalCount"] == 0
    # his own area works, relative paths included, and shows none of alice's files
    (root / "bob" / "mine").mkdir()
    assert local(bob, "mine", root / "bob" / "mine")["filePath"] == str(root / "bob" / "mine")
    assert local(bob, "relative", "mine")["filePath"] == str(root / "bob" / "mine")
    assert bob.call("list_cloud_files", config_name="mine")["files"] == []


def test_an_area_that_is_a_symlink_is_no_area(server: GasServer, root: Path) -> None:
    (root / "carol").symlink_to(root / "alice")  # made before carol's account existed
    carol = HTTPTransport(server.url, server.new_user("carol"))
    with pytest.raises(PermissionDenied):
        local(carol, "steal", root / "carol" / "data")


def test_the_server_makes_the_signing_key_and_the_endpoint(server: GasServer, root: Path) -> None:
    bob = HTTPTransport(server.url, server.new_user("bob"))
    with pytest.raises(InvalidConfig, match="signing_key"):
        local(bob, "chosen-key", root / "bob", signing_key="bob-knows-this-key")
    with pytest.raises(InvalidConfig, match="endpoint"):
        local(bob, "elsewhere", root / "bob", endpoint="http://attacker.example/storage")
    created = local(bob, "ok", root / "bob", endpoint=server.storage_url)
    assert created["fields"]["endpoint"] == server.storage_url
    made = server.stored_values("bob", "ok")["signing_key"]
    assert isinstance(made, str) and len(made) >= 32


def test_a_directory_swapped_for_a_symlink_is_refused_after_a_restart(server: GasServer, root: Path) -> None:
    alice = HTTPTransport(server.url, server.new_user("alice"))
    local(alice, "data", root / "alice" / "data")
    assert [f["path"] for f in alice.call("list_cloud_files", config_name="data")["files"]] == ["mine.bin"]
    # alice swaps her directory for a symlink to the server's home (secret.key, gas.db)
    os.rename(root / "alice" / "data", root / "alice" / "data.old")
    (root / "alice" / "data").symlink_to(server.home)
    server.restart()
    with pytest.raises(PermissionDenied):
        alice.call("list_cloud_files", config_name="data")
    with pytest.raises(PermissionDenied):
        alice.call("get_cloud_file_url", config_name="data", path="secret.key")
    assert (server.home / "secret.key").read_bytes() not in server.log_text().encode()


def test_a_config_outside_the_roots_after_a_restart_is_refused(
    server: GasServer, root: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-root"
    (other / "alice" / "data").mkdir(parents=True)
    (other / "alice" / "data" / "f.bin").write_bytes(b"bytes")
    server.extra_args = ("--local-root", str(other))
    server.restart()
    alice = HTTPTransport(server.url, server.new_user("alice"))
    local(alice, "data", other / "alice" / "data")
    url = alice.call("get_cloud_file_url", config_name="data", path="f.bin")["url"]
    assert requests.get(url, timeout=30).content == b"bytes"
    server.extra_args = ()  # the admin takes the second root away
    server.restart()
    with pytest.raises(PermissionDenied):
        alice.call("list_cloud_files", config_name="data")
    assert requests.get(url, timeout=30).status_code == 403


def test_local_roots_may_not_overlap(tmp_path_factory: pytest.TempPathFactory, root: Path) -> None:
    inner = str(root / "alice")
    overlapping = own_server(tmp_path_factory, "overlap", "--local-root", inner, local_root=root)
    with pytest.raises(RuntimeError, match="overlap"), overlapping:
        pass
