"""tensorbay-oss: the ``oss`` storage type for tensorbay-core (Aliyun OSS, through ossfs)."""

from __future__ import annotations

from collections.abc import Callable

from tensorbay_core.storage import StorageProvider, hookimpl

from .provider import OSSProvider

__all__ = ["OSSProvider", "register_storage_providers"]


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Register the ``oss`` provider."""
    register(OSSProvider)
