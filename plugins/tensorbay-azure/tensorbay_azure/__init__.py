"""tensorbay-azure: the ``azure`` storage type for tensorbay-core (Azure Blob storage)."""

from __future__ import annotations

from collections.abc import Callable

from tensorbay_core.storage import StorageProvider, hookimpl

from .provider import AzureProvider

__all__ = ["AzureProvider", "register_storage_providers"]


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Register the ``azure`` provider."""
    register(AzureProvider)
