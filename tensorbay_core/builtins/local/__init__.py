"""The built-in ``local`` storage type: a directory on the service's machine.

A plugin of the core like any other: its provider and, for ``gas serve``, the routes that
serve its signed URLs are registered through the hooks; ``service/`` and ``server/`` never
name it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...storage.hookspecs import RouteBuilder, hookimpl
from ...storage.provider import StorageProvider
from .provider import STORAGE_ROUTE, LocalProvider


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """The ``local`` storage type."""
    register(LocalProvider)


@hookimpl
def register_server_routes(register: Callable[[str, RouteBuilder], None]) -> None:
    """``/storage``: the signed GET and PUT URLs of local configs, served by ``gas serve``."""

    def build(service: Any) -> Any:
        from .routes import storage_router  # FastAPI: only where the server runs

        return storage_router(service)

    register(STORAGE_ROUTE, build)


__all__ = ["LocalProvider"]
