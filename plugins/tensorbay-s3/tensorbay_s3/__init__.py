"""tensorbay-s3: the ``s3`` storage type for tensorbay-core (Amazon S3 and S3-compatible servers)."""

from __future__ import annotations

from collections.abc import Callable

from tensorbay_core.storage import StorageProvider, hookimpl

from .provider import S3Provider

__all__ = ["S3Provider", "register_storage_providers"]


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Register the ``s3`` provider."""
    register(S3Provider)
