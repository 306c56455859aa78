"""Pluggable storage: the hook spec, the provider contract and the plugin manager."""

from .config import Field, Secret, StorageConfig
from .hookspecs import hookimpl, hookspec
from .paths import clean_key
from .plugins import create_provider, get_plugins, reload_plugins
from .provider import ObjectInfo, StorageProvider, check_signing

__all__ = [
    "Field",
    "ObjectInfo",
    "Secret",
    "StorageConfig",
    "StorageProvider",
    "check_signing",
    "clean_key",
    "create_provider",
    "get_plugins",
    "hookimpl",
    "hookspec",
    "reload_plugins",
]
