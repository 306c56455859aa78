"""The pluggy hook specification storage plugins implement."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .provider import StorageProvider

hookspec = pluggy.HookspecMarker("tensorbay")
hookimpl = pluggy.HookimplMarker("tensorbay")


@hookspec
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Call ``register(ProviderClass)`` once for each storage provider the plugin offers."""


#: What ``register_server_routes`` registers: a path prefix, and a function that builds the
#: routes (a FastAPI ``APIRouter``) for the service ``gas serve`` runs.
RouteBuilder = Callable[[Any], Any]


@hookspec
def register_server_routes(register: Callable[[str, RouteBuilder], None]) -> None:
    """Call ``register(prefix, build)`` for routes the plugin's storage needs in ``gas serve``
    (``local`` serves its signed URLs this way). ``build(service)`` runs when the server
    starts; import FastAPI inside it, since the core may be installed without the server."""
