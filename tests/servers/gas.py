"""The real ``gas serve`` for tests: a subprocess on a free port, on PostgreSQL when it runs.

``gas_server`` (session) yields a ``GasServer``: ``.url``, ``.storage_url``, ``.home``,
``.db_url``, ``.new_user(name) -> access key``, ``.restart()`` (kill -9, start again on the
same port and database), ``.kill()``, ``.log_text()``. pytest's base temp dir is the local
root, so a user's local area is ``<basetemp>/<user name>``: a user named after a test's
``tmp_path`` (``new_user(tmp_path.name)``) may put local configs anywhere in ``tmp_path``.
The server home is elsewhere, because local configs may never reach it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USERS = ("postgres", "root")
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gas_command() -> list[str]:
    found = shutil.which("gas") or shutil.which("gas", path=os.path.dirname(sys.executable))
    if found is None:
        raise RuntimeError("the `gas` command is not installed: pip install -e .")
    return [found]


def fresh_postgres_database() -> tuple[str, Callable[[], None]] | None:
    """A new, empty PostgreSQL database and a function that drops it; None if PG is unreachable."""
    try:
        import psycopg
    except ImportError:
        return None
    for user in PG_USERS:
        for dbname in ("postgres", "test"):
            try:
                admin = psycopg.connect(
                    host=PG_HOST, port=PG_PORT, user=user, dbname=dbname, autocommit=True, connect_timeout=3
                )
            except psycopg.Error:
                continue
            name = f"tensorbay_test_{uuid.uuid4().hex[:12]}"
            admin.execute(f'CREATE DATABASE "{name}"')

            def drop(admin: Any = admin, name: str = name) -> None:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()

            return f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}", drop
    return None


class GasServer:
    """A ``gas serve`` subprocess and what tests need to reach it."""

    def __init__(self, db_url: str, home: Path, local_root: Path, extra_args: tuple[str, ...] = ()) -> None:
        self.db_url = db_url
        self.home = home
        self.local_root = local_root
        self.extra_args = extra_args
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.storage_url = f"{self.url}/storage"
        self.log_path = home / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._service: Any = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        command = [
            *_gas_command(),
            "serve",
            "--db",
            self.db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--home",
            str(self.home),
            "--local-root",
            str(self.local_root),
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TENSORBAY_SECRET_KEY", None)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"gas serve exited with {self._process.returncode}:\n{self.log_text()[-3000:]}"
                )
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gas serve did not answer within {START_TIMEOUT} s:\n{self.log_text()[-3000:]}")

    @property
    def pid(self) -> int:
        """The process id of the running server."""
        assert self._process is not None and self._process.poll() is None, "the server is not running"
        return self._process.pid

    def kill(self) -> None:
        """kill -9 the server (no clean shutdown)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def restart(self) -> None:
        """kill -9, then start again on the same port, database and home."""
        self.kill()
        self.start()

    def stop(self) -> None:
        """Shut the server down cleanly (kill it if it hangs)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._service is not None:
            self._service.store.dispose()

    def _team(self) -> Any:
        """The server's service, opened in the test process on the same database and home."""
        if self._service is None:
            from tensorbay_core.server.team import team_service

            self._service = team_service(self.db_url, str(self.home))
        return self._service

    def new_user(self, name: str | None = None) -> str:
        """Create a user in the server's database and return a new access key for it."""
        service = self._team()
        name = name or f"user-{uuid.uuid4().hex[:12]}"
        return str(service.create_access_key(service.create_user(name)))

    def stored_values(self, user_name: str, config_name: str) -> dict[str, Any]:
        """A user's storage config as the server stores it, secrets unsealed (what an
        attacker holding the server's secret key would see)."""
        from sqlalchemy import select

        from tensorbay_core.service.store import storage_configs

        service = self._team()
        owner = service.user_id(user_name)
        with service.store.read() as conn:
            row = conn.execute(
                select(storage_configs).where(
                    storage_configs.c.owner_id == owner, storage_configs.c.name == config_name
                )
            ).one()
        return dict(service.box.open(row.sealed_values))

    def log_text(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def own_server(
    tmp_path_factory: pytest.TempPathFactory, name: str, *extra_args: str, local_root: Path | None = None
) -> Iterator[GasServer]:
    """A ``gas serve`` of the caller's own, on SQLite, started with ``extra_args``; stopped after."""
    home = tmp_path_factory.mktemp(f"{name}-home")
    root = local_root or tmp_path_factory.mktemp(f"{name}-roots")
    server = GasServer("sqlite:///" + str(home / "gas.db"), home, root, extra_args=extra_args)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gas_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GasServer]:
    """A running ``gas serve`` shared by the session (PostgreSQL if reachable, else SQLite)."""
    home = Path(tempfile.mkdtemp(prefix="gas-server-"))
    pg = fresh_postgres_database()
    if pg is None:
        warnings.warn(
            f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}: gas serve runs on SQLite for this session",
            stacklevel=1,
        )
        db_url, drop = "sqlite:///" + str(home / "gas.db"), None
    else:
        db_url, drop = pg
    # The storage test servers (moto, Azurite, the OSS server) listen on loopback.
    server = GasServer(db_url, home, tmp_path_factory.getbasetemp(), ("--allow-endpoint", "127.0.0.1"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if drop is not None:
            drop()
        shutil.rmtree(home, ignore_errors=True)
