"""Pluggable storage: the hook spec, the provider contract and the plugin manager."""

from .config import Field, Secret, StorageConfig
from .hookspecs import hookimpl, hookspec
from .plugins import create_provider, get_plugins, reload_plugins
from .provider import ObjectInfo, StorageProvider

__all__ = [
    "Field",
    "ObjectInfo",
    "Secret",
    "StorageConfig",
    "StorageProvider",
    "create_provider",
    "get_plugins",
    "hookimpl",
    "hookspec",
    "reload_plugins",
]
