"""The plugin manager: loads storage providers from the ``tensorbay`` entry-point group.

Built-in providers register through the same hook as third-party ones. Set
``TENSORBAY_LOAD_PLUGINS`` to a comma-separated list of distribution (or entry-point)
names to load only those; set it empty to load none but the built-ins. Set
``TENSORBAY_TRACE_PLUGINS=1`` to trace every hook call on stderr.

The hook is called in pluggy's order: implementations marked ``tryfirst`` first, then the
others, the last registered first (the built-ins are registered last, so they come before
any third-party plugin that is not ``tryfirst``), then those marked ``trylast``. The first
provider registered for a type wins. Each plugin's implementation is called on its own, so
one that raises never keeps the others from registering theirs.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pprint import pformat
from typing import Any

import pluggy

from ..errors import InvalidConfig, PluginNotFound, TensorBayError
from . import hookspecs
from .hookspecs import RouteBuilder
from .provider import StorageProvider

ENTRY_POINT_GROUP = "tensorbay"
LOAD_ENV = "TENSORBAY_LOAD_PLUGINS"
TRACE_ENV = "TENSORBAY_TRACE_PLUGINS"
HOOK = "register_storage_providers"
BUILTIN_PLUGINS = ("tensorbay_core.builtins.local",)
#: The built-in provider a service stores datasets on when nothing else is configured.
DEFAULT_STORAGE_TYPE = "local"

log = logging.getLogger("tensorbay_core.storage")


@dataclass(frozen=True)
class ProviderEntry:
    """A registered provider and the distribution it came from."""

    cls: type[StorageProvider]
    distribution: str
    version: str


class Registrar:
    """The ``register`` one plugin's hook is given: it adds provider classes to ``providers``
    as that plugin's, unless their type is taken."""

    def __init__(self, providers: dict[str, ProviderEntry], dist: str, version: str) -> None:
        self.providers, self.dist, self.version = providers, dist, version
        self.registered: list[str] = []

    def __call__(self, cls: type[StorageProvider]) -> None:
        if not (isinstance(cls, type) and issubclass(cls, StorageProvider)):
            raise TypeError(f"{cls!r} is not a StorageProvider subclass")
        if cls.abstract:
            raise TypeError(f"{cls.__name__} is declared abstract: register the providers that subclass it")
        taken = self.providers.get(cls.type)
        if taken is not None:
            log.warning("%s: type %r is taken by %s; ignored", self.dist, cls.type, taken.distribution)
            return
        self.providers[cls.type] = ProviderEntry(cls, self.dist, self.version)
        self.registered.append(cls.type)

    def __repr__(self) -> str:
        return f"<register for {self.dist} {self.version}: registered {self.registered}>"


class Plugins:
    """The loaded plugins, the providers they registered, and the plugins that failed to load."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.manager.add_hookspecs(hookspecs)
        if os.environ.get(TRACE_ENV, "").strip() not in ("", "0"):
            trace_calls(self.manager)
        self._origin: dict[str, tuple[str, str]] = {}
        #: ``distribution -> reason`` for plugins that could not be loaded or registered.
        self.failures: dict[str, str] = {}
        self._load()
        self.providers = self._collect()

    def _load(self) -> None:
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
        core_version = importlib.metadata.version("tensorbay-core")
        for module_name in BUILTIN_PLUGINS:
            self.manager.register(importlib.import_module(module_name), name=module_name)
            self._origin[module_name] = ("tensorbay-core", core_version)
        self.manager.check_pending()

    def _each_plugin(self, hook: str, register: Callable[[str, str], Any]) -> None:
        """Call ``hook`` of each plugin alone, in pluggy's order (``tryfirst`` first), with
        ``register(dist, version)`` as its argument; a plugin that raises is recorded in
        ``failures`` and the others go on."""
        caller = getattr(self.manager.hook, hook)
        # pluggy calls implementations from the end of this list (tryfirst last in it).
        for impl in reversed(caller.get_hookimpls()):
            dist, version = self._origin.get(impl.plugin_name, (impl.plugin_name, ""))
            others = [p for n, p in self.manager.list_name_plugin() if n != impl.plugin_name and p]
            call = self.manager.subset_hook_caller(hook, remove_plugins=others)
            try:
                call(register=register(dist, version))
            except Exception as exc:
                self.failures[dist] = f"{type(exc).__name__}: {exc}"
                log.warning("storage plugin %s failed in %s: %s", dist, hook, exc)

    def _collect(self) -> dict[str, ProviderEntry]:
        providers: dict[str, ProviderEntry] = {}
        self._each_plugin(HOOK, lambda dist, version: Registrar(providers, dist, version))
        return providers

    def server_routes(self) -> list[tuple[str, RouteBuilder]]:
        """The routes plugins contribute to ``gas serve``: ``(prefix, build)``, a prefix once."""
        routes: dict[str, RouteBuilder] = {}

        def registrar(dist: str, _version: str) -> Callable[[str, RouteBuilder], None]:
            def register(prefix: str, build: RouteBuilder) -> None:
                if not (isinstance(prefix, str) and prefix.startswith("/") and callable(build)):
                    raise TypeError(
                        f"register(prefix, build) needs a path like '/name' and a function, from {dist}"
                    )
                if prefix in routes:
                    log.warning("%s: routes at %s are taken; ignored", dist, prefix)
                    return
                routes[prefix] = build

            return register

        self._each_plugin("register_server_routes", registrar)
        return list(routes.items())

    def provider_class(self, type_name: str) -> type[StorageProvider]:
        """The provider class for ``type_name``; ``PluginNotFound`` names the package to install."""
        entry = self.providers.get(type_name)
        if entry is None:
            installed = ", ".join(sorted(self.providers)) or "none"
            failed = sorted(self.failures.items())
            broken = "".join(f"; {name} failed to load ({why})" for name, why in failed)
            raise PluginNotFound(
                f"no installed plugin provides storage type {type_name!r} "
                f"(installed types: {installed}{broken}); install the plugin that provides it, "
                f"usually: pip install tensorbay-{type_name} "
                f"(this project's s3, oss and azure plugins install from its repository: "
                f"pip install -e plugins/tensorbay-<type>)"
            )
        return entry.cls

    def describe(self) -> list[dict[str, Any]]:
        """Every provider with its distribution and version, for ``gas plugins``."""
        return [
            {**entry.cls.describe(), "distribution": entry.distribution, "version": entry.version}
            for _, entry in sorted(self.providers.items())
        ]


def trace_calls(manager: pluggy.PluginManager) -> None:
    """Print every hook call to stderr: the hook, its arguments, the implementations called
    and what they returned or raised (``TENSORBAY_TRACE_PLUGINS=1``)."""

    def before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        names = ", ".join(impl.plugin_name for impl in reversed(impls))
        print(f"tensorbay plugins: {hook_name}({pformat(dict(kwargs))}) calls {names}", file=sys.stderr)

    def after(
        outcome: pluggy.Result[Any],
        hook_name: str,
        impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        ended = f"raised {outcome.exception!r}" if outcome.exception else f"returned {outcome.get_result()!r}"
        print(f"tensorbay plugins: {hook_name} {ended}; {pformat(dict(kwargs))}", file=sys.stderr)

    manager.add_hookcall_monitoring(before, after)


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
    """Validate a config's values and build its provider (no I/O).

    This runs for every config listed, so a plugin whose ``__init__`` fails with anything but
    the error hierarchy makes only that config unusable (``InvalidConfig``, naming the
    exception's type: its text may quote a secret).
    """
    cls = get_plugins().provider_class(type_name)
    try:
        provider = cls.from_values(name, file_path, values)
    except TensorBayError:
        raise
    except Exception as exc:
        log.warning("%s failed to build storage config %r: %s", cls.__name__, name, type(exc).__name__)
        raise InvalidConfig(
            f"the {type_name!r} storage plugin failed to build config {name!r} ({type(exc).__name__}); "
            "its provider's __init__ must raise InvalidConfig for a config it refuses"
        ) from None
    log.debug("created storage provider %r", provider)
    return provider
