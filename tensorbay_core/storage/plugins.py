"""The plugin manager: loads storage providers from the ``tensorbay`` entry-point group."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import threading
from dataclasses import dataclass
from typing import Any

import pluggy

from ..errors import PluginNotFound
from . import hookspecs
from .provider import StorageProvider

ENTRY_POINT_GROUP = "tensorbay"
BUILTIN_PLUGINS = ("tensorbay_core.storage.local",)


@dataclass(frozen=True)
class ProviderEntry:
    """A registered provider and the distribution it came from."""

    cls: type[StorageProvider]
    distribution: str
    version: str


class Plugins:
    """The loaded plugins and the providers they registered."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.manager.add_hookspecs(hookspecs)
        self._origin: dict[str, tuple[str, str]] = {}
        self._load()
        self.providers = self._collect()

    def _load(self) -> None:

        core_version = importlib.metadata.version("tensorbay-core")
        for module_name in BUILTIN_PLUGINS:
            self.manager.register(importlib.import_module(module_name), name=module_name)
            self._origin[module_name] = ("tensorbay-core", core_version)
        allowed = os.environ.get("TENSORBAY_LOAD_PLUGINS")
        names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist is not None else ep.name
            if names is not None and dist not in names and ep.name not in names:
                continue
            if self.manager.has_plugin(ep.name) or self.manager.get_plugin(ep.value) is not None:
                continue
            self.manager.register(ep.load(), name=ep.name)
            self._origin[ep.name] = (dist, ep.dist.version if ep.dist is not None else "")
        self.manager.check_pending()

    def _collect(self) -> dict[str, ProviderEntry]:
        providers: dict[str, ProviderEntry] = {}
        for impl in self.manager.hook.register_storage_providers.get_hookimpls():
            dist, version = self._origin.get(impl.plugin_name, (impl.plugin_name, ""))

            def register(cls: type[StorageProvider], dist: str = dist, version: str = version) -> None:
                if not (isinstance(cls, type) and issubclass(cls, StorageProvider)):
                    raise TypeError(f"{dist} registered {cls!r}, which is not a StorageProvider subclass")
                providers.setdefault(cls.type, ProviderEntry(cls, dist, version))

            impl.function(register=register)
        return providers

    def provider_class(self, type_name: str) -> type[StorageProvider]:
        """The provider class for ``type_name``; ``PluginNotFound`` names the package to install."""
        entry = self.providers.get(type_name)
        if entry is None:
            installed = ", ".join(sorted(self.providers)) or "none"
            raise PluginNotFound(
                f"no installed plugin provides storage type {type_name!r} "
                f"(installed types: {installed}); install it with: pip install tensorbay-{type_name}"
            )
        return entry.cls

    def describe(self) -> list[dict[str, Any]]:
        """Every provider with its distribution and version, for ``gas plugins``."""
        return [
            {**entry.cls.describe(), "distribution": entry.distribution, "version": entry.version}
            for _, entry in sorted(self.providers.items())
        ]


_plugins: Plugins | None = None
_lock = threading.Lock()


def get_plugins() -> Plugins:
    """The process-wide plugin set, loaded on first use."""
    global _plugins
    if _plugins is None:
        with _lock:
            if _plugins is None:
                _plugins = Plugins()
    return _plugins


def reload_plugins() -> Plugins:
    """Forget the loaded plugins and load them again (after installing one, in tests)."""
    global _plugins
    with _lock:
        _plugins = None
    importlib.invalidate_caches()
    return get_plugins()


def create_provider(type_name: str, name: str, file_path: str, values: dict[str, Any]) -> StorageProvider:
    """Validate a config's values and build its provider (no I/O)."""
    return get_plugins().provider_class(type_name).from_values(name, file_path, values)


