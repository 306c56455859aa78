"""Pluggable storage: the hook spec, the provider contract, the plugin manager, and the
helpers a provider plugin uses (all a plugin needs is importable from here)."""

from .causes import find_cause
from .config import Field, Secret, StorageConfig
from .connection import connection_error
from .hookspecs import hookimpl, hookspec
from .paths import clean_key, clean_prefix, folder_prefix, listable
from .plugins import create_provider, get_plugins, reload_plugins
from .provider import MAX_SIGNED_SECONDS, ObjectInfo, StorageProvider, check_signing

__all__ = [
    "MAX_SIGNED_SECONDS",
    "Field",
    "ObjectInfo",
    "Secret",
    "StorageConfig",
    "StorageProvider",
    "check_signing",
    "clean_key",
    "clean_prefix",
    "connection_error",
    "create_provider",
    "find_cause",
    "folder_prefix",
    "get_plugins",
    "hookimpl",
    "hookspec",
    "listable",
    "reload_plugins",
]
