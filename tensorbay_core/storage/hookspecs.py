"""The pluggy hook specification storage plugins implement."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .provider import StorageProvider

hookspec = pluggy.HookspecMarker("tensorbay")
hookimpl = pluggy.HookimplMarker("tensorbay")


@hookspec
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Call ``register(ProviderClass)`` once for each storage provider the plugin offers."""
