"""tensorbay-legacy: storage type ``legacy``, buckets in this process's memory.

tensorbay-dummy as the plugin guide showed it before provider contract v2, kept unchanged
(but for its names) to prove that plugins written to that guide still load and pass the kit.

Written the way a third-party plugin is: only public ``tensorbay_core`` names, the
filesystem library imported lazily, and the fsspec-backed defaults of the base class
doing the work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tensorbay_core.errors import InvalidConfig
from tensorbay_core.storage import Field, StorageConfig, StorageProvider, hookimpl

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")


class LegacyProvider(StorageProvider):
    """A bucket in memory: what an S3-like plugin looks like, without a server."""

    type = "legacy"
    description = "In-memory buckets, for trying out storage plugins."
    fields = (
        Field("bucket", help="the bucket name: 3-63 lowercase letters, digits and dashes"),
        Field("token", secret=True, help="the access token of the bucket"),
    )

    def __init__(self, config: StorageConfig) -> None:
        super().__init__(config)
        if not BUCKET_NAME.fullmatch(self.value("bucket")):
            raise InvalidConfig(f"bucket {self.value('bucket')!r} is not a valid bucket name")

    @property
    def root(self) -> str:
        return f"/tensorbay-legacy/{self.value('bucket')}"

    def make_filesystem(self) -> AbstractFileSystem:
        from fsspec.implementations.memory import MemoryFileSystem

        fs = MemoryFileSystem(skip_instance_cache=True)
        fs.makedirs(self.root, exist_ok=True)
        return fs


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Offer the ``legacy`` storage type."""
    register(LegacyProvider)
