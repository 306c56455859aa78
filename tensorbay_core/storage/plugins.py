"""The plugin manager: loads storage providers from the ``tensorbay`` entry-point group.

Built-in providers register through the same hook as third-party ones. Set
``TENSORBAY_LOAD_PLUGINS`` to a comma-separated list of distribution (or entry-point)
names to load only those; set it empty to load none but the built-ins.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import pluggy

from ..errors import PluginNotFound
from . import hookspecs
from .provider import StorageProvider

ENTRY_POINT_GROUP = "tensorbay"
LOAD_ENV = "TENSORBAY_LOAD_PLUGINS"
BUILTIN_PLUGINS = ("tensorbay_core.storage.local",)

log = logging.getLogger("tensorbay_core.storage")


@dataclass(frozen=True)
class ProviderEntry:
    """A registered provider and the distribution it came from."""

    cls: type[StorageProvider]
    distribution: str
    version: str


class Plugins:
    """The loaded plugins, the providers they registered, and the plugins that failed to load."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.manager.add_hookspecs(hookspecs)
        self._origin: dict[str, tuple[str, str]] = {}
        #: ``distribution -> reason`` for plugins that could not be loaded or registered.
        self.failures: dict[str, str] = {}
        self._load()
        self.providers = self._collect()

    def _load(self) -> None:
        core_version = importlib.metadata.version("tensorbay-core")
        for module_name in BUILTIN_PLUGINS:
            self.manager.register(importlib.import_module(module_name), name=module_name)
            self._origin[module_name] = ("tensorbay-core", core_version)
        allowed = os.environ.get(LOAD_ENV)
        names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist is not None else ep.name
            version = ep.dist.version if ep.dist is not None else ""
            if names is not None and dist not in names and ep.name not in names:
                log.debug("plugin %s (%s) not loaded: not named in %s", ep.name, dist, LOAD_ENV)
                continue
            if self.manager.has_plugin(ep.name):
                continue
            try:
                self.manager.register(ep.load(), name=ep.name)
            except Exception as exc:
                self.failures[dist] = f"{type(exc).__name__}: {exc}"
                log.warning("storage plugin %s (%s %s) failed to load: %s", ep.name, dist, version, exc)
                continue
            self._origin[ep.name] = (dist, version)
            log.debug("loaded storage plugin %s from %s %s", ep.name, dist, version)
        self.manager.check_pending()

    def _collect(self) -> dict[str, ProviderEntry]:
        providers: dict[str, ProviderEntry] = {}
        for impl in self.manager.hook.register_storage_providers.get_hookimpls():
            dist, version = self._origin.get(impl.plugin_name, (impl.plugin_name, ""))

            def register(cls: type[StorageProvider], dist: str = dist, version: str = version) -> None:
                if not (isinstance(cls, type) and issubclass(cls, StorageProvider)):
                    raise TypeError(f"{cls!r} is not a StorageProvider subclass")
                type_name = getattr(cls, "type", None)
                if not isinstance(type_name, str) or not type_name:
                    raise TypeError(f"{cls.__name__} has no storage type name (the `type` class attribute)")
                taken = providers.get(type_name)
                if taken is not None:
                    log.warning("%s: type %r is taken by %s; ignored", dist, type_name, taken.distribution)
                    return
                providers[type_name] = ProviderEntry(cls, dist, version)

            try:
                impl.function(register=register)
            except Exception as exc:
                self.failures[dist] = f"{type(exc).__name__}: {exc}"
                log.warning("storage plugin %s failed to register its providers: %s", dist, exc)
        return providers

    def provider_class(self, type_name: str) -> type[StorageProvider]:
        """The provider class for ``type_name``; ``PluginNotFound`` names the package to install."""
        entry = self.providers.get(type_name)
        if entry is None:
            installed = ", ".join(sorted(self.providers)) or "none"
            failed = sorted(self.failures.items())
            broken = "".join(f"; {name} failed to load ({why})" for name, why in failed)
            raise PluginNotFound(
                f"no installed plugin provides storage type {type_name!r} "
                f"(installed types: {installed}{broken}); install it with: pip install tensorbay-{type_name}"
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
    provider = get_plugins().provider_class(type_name).from_values(name, file_path, values)
    log.debug("created storage provider %r", provider)
    return provider
