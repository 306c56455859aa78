"""The GAS service: one implementation behind both the embedded and the HTTP mode."""

from __future__ import annotations

import os
import threading
from functools import partial
from typing import Any, cast

from ..api import GasApi, operations
from ..storage import StorageProvider, create_provider
from ..storage.plugins import DEFAULT_STORAGE_TYPE
from .configs import ConfigOps
from .datasets import DatasetOps
from .secrets import SecretBox
from .store import Store
from .transfers import TransferOps
from .users import UserOps
from .versions import VersionOps

EMBEDDED_USER = "embedded"


class Service(TransferOps, VersionOps, DatasetOps, ConfigOps, UserOps):
    """Every operation of the GAS service (``api.GasApi``); callers pass the acting user's id."""

    def as_user(self, user: int) -> GasApi:
        """The service as one user calls it: the contract's methods with the user bound."""
        return cast(GasApi, UserService(self, user))


class UserService:
    """``Service`` with the acting user bound: what the embedded client calls."""

    def __init__(self, service: Service, user: int) -> None:
        self.service = service
        self.user = user

    def __getattr__(self, name: str) -> Any:
        if name not in operations():
            raise AttributeError(f"{name!r} is not an operation of the GAS API")
        return partial(getattr(self.service, name), self.user)


def default_home() -> str:
    """``$TENSORBAY_HOME``, or ``~/.tensorbay``."""
    return os.path.abspath(os.path.expanduser(os.environ.get("TENSORBAY_HOME") or "~/.tensorbay"))


def open_service(db_url: str, home: str, default_storage: StorageProvider | None = None) -> Service:
    """A service on ``db_url``; its secret key and (by default) its storage live under ``home``."""
    os.makedirs(home, exist_ok=True)
    if default_storage is None:
        root = os.path.join(home, "storage")
        os.makedirs(root, exist_ok=True)
        default_storage = create_provider(DEFAULT_STORAGE_TYPE, "default", root, {})
    return Service(
        Store(db_url), SecretBox.from_env_or_file(os.path.join(home, "secret.key")), default_storage
    )


_embedded: dict[str, Service] = {}
_embedded_lock = threading.Lock()


def _forget_embedded_after_fork() -> None:
    """A forked child opens its own services: SQLite connections and the lock's state belong
    to the parent (a training loader's workers fork a process that has read a dataset)."""
    global _embedded_lock
    for service in _embedded.values():
        service.store.engine.dispose(close=False)
    _embedded.clear()
    _embedded_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_embedded_after_fork)


def embedded_service(home: str | None = None) -> Service:
    """The in-process service for a TENSORBAY_HOME (one per home per process)."""
    home = home or default_home()
    with _embedded_lock:
        service = _embedded.get(home)
        if service is None:
            os.makedirs(home, exist_ok=True)
            service = open_service("sqlite:///" + os.path.join(home, "tensorbay.db"), home)
            _embedded[home] = service
        return service


__all__ = ["EMBEDDED_USER", "Service", "UserService", "embedded_service", "open_service"]
