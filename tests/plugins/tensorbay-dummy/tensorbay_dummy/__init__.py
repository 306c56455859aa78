"""tensorbay-dummy: storage type ``dummy``, buckets in this process's memory.

A template for a third-party plugin: only public ``tensorbay_core`` names, the filesystem
library imported lazily, the fsspec-backed defaults of the base class doing the work, what
it can sign declared (nothing: memory has no URL), and a secret it checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tensorbay_core.errors import AuthenticationError, InvalidConfig, NotFound
from tensorbay_core.storage import Field, StorageConfig, StorageProvider, hookimpl

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")
#: The buckets of this process and the token each one accepts.
TOKENS: dict[str, str] = {}


def create_bucket(name: str, token: str) -> None:
    """Create bucket ``name`` accepting ``token``: what a cloud's console does."""
    TOKENS[name] = token


class DummyProvider(StorageProvider):
    """A bucket in memory: what an S3-like plugin looks like, without a server."""

    type = "dummy"
    description = "In-memory buckets, for trying out storage plugins."
    fields = (
        Field("bucket", help="the bucket name: 3-63 lowercase letters, digits and dashes"),
        Field("token", secret=True, help="the access token of the bucket"),
    )
    signs = frozenset()  # no URL reaches this process's memory

    def __init__(self, config: StorageConfig) -> None:
        super().__init__(config)
        if not BUCKET_NAME.fullmatch(self.value("bucket")):
            raise InvalidConfig(f"bucket {self.value('bucket')!r} is not a valid bucket name")

    @property
    def root(self) -> str:
        return f"/tensorbay-dummy/{self.value('bucket')}"

    def make_filesystem(self) -> AbstractFileSystem:
        from fsspec.implementations.memory import MemoryFileSystem

        # A server checks the credentials of every request; memory checks them here, once:
        # a filesystem that failed to build is built again at the next call.
        bucket = self.value("bucket")
        if bucket not in TOKENS:
            raise NotFound(f"bucket {bucket!r} of storage config {self.config.name!r} does not exist")
        if TOKENS[bucket] != self.value("token"):
            raise AuthenticationError(
                f"storage config {self.config.name!r}: bucket {bucket!r} refused the token"
            )
        fs = MemoryFileSystem()
        fs.makedirs(self.root, exist_ok=True)
        return fs


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Offer the ``dummy`` storage type."""
    register(DummyProvider)
