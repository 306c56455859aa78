"""Data items of a segment: ``Data`` (a local file), ``AuthData`` (a file in a storage config)
and ``RemoteData`` (a file of a stored dataset, what reads return). Each carries a ``Label``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO

from ..errors import InvalidArgument
from ..label import Label
from ..label.checksum import file_sha1
from ..names import check_remote_path

Opener = Callable[[], IO[bytes]]
URLGetter = Callable[[], str]


class DataBase:
    """What every data has: a remote ``path``, a ``label`` and an optional ``timestamp``."""

    def __init__(self, path: str, timestamp: float | None, label: Label | None = None) -> None:
        self.path = path
        self.timestamp = timestamp
        self.label = label if label is not None else Label()


class Data(DataBase):
    """A local file to upload; ``path`` defaults to the file's basename."""

    def __init__(
        self, local_path: str, *, target_remote_path: str | None = None, timestamp: float | None = None
    ) -> None:
        path = target_remote_path if target_remote_path is not None else os.path.basename(local_path)
        super().__init__(check_remote_path(path), timestamp)
        self.local_path = local_path
        self._checksum: str | None = None

    def open(self) -> IO[bytes]:
        """The local file, opened for binary reading."""
        return open(self.local_path, "rb")

    @property
    def size(self) -> int:
        """The local file's size in bytes."""
        return os.path.getsize(self.local_path)

    def get_checksum(self) -> str:
        """SHA-1 hex of the file, streamed in 64 KiB blocks and computed once."""
        if self._checksum is None:
            self._checksum = file_sha1(self.local_path)
        return self._checksum

    def __repr__(self) -> str:
        return f"Data({self.path!r} from {self.local_path!r})"


class BoundData(DataBase):
    """Data read through callables a client supplies (``opener``, ``url_getter``)."""

    def __init__(
        self,
        path: str,
        timestamp: float | None,
        label: Label | None,
        opener: Opener | None,
        url_getter: URLGetter | None,
    ) -> None:
        super().__init__(path, timestamp, label)
        self._opener = opener
        self._url_getter = url_getter

    def _unbound(self, what: str) -> InvalidArgument:
        return InvalidArgument(
            f"{self!r} cannot {what}: it is not bound to a client; "
            "get it from CloudClient.list_auth_data() or from a Dataset read with gas"
        )

    def open(self) -> IO[bytes]:
        """The file's bytes, opened for binary reading."""
        if self._opener is None:
            raise self._unbound("be opened")
        return self._opener()

    def get_url(self) -> str:
        """A signed URL of the file."""
        if self._url_getter is None:
            raise self._unbound("give a URL")
        return self._url_getter()


class AuthData(BoundData):
    """A file in a storage config, imported without passing through this machine.

    ``path`` defaults to the cloud path's basename; ``config_name`` is set by the CloudClient
    that listed it.
    """

    def __init__(
        self,
        cloud_path: str,
        *,
        target_remote_path: str | None = None,
        timestamp: float | None = None,
        size: int | None = None,
        etag: str | None = None,
        opener: Opener | None = None,
        url_getter: URLGetter | None = None,
    ) -> None:
        path = target_remote_path if target_remote_path is not None else cloud_path.rsplit("/", 1)[-1]
        super().__init__(check_remote_path(path), timestamp, None, opener, url_getter)
        self.cloud_path = cloud_path
        self.size = size
        self.etag = etag
        self.config_name: str | None = None

    def __repr__(self) -> str:
        return f"AuthData({self.path!r} from cloud path {self.cloud_path!r})"


class RemoteData(BoundData):
    """A file of a stored dataset version."""

    def __init__(
        self,
        path: str,
        *,
        label: Label | None = None,
        timestamp: float | None = None,
        size: int | None = None,
        checksum: str | None = None,
        opener: Opener | None = None,
        url_getter: URLGetter | None = None,
    ) -> None:
        super().__init__(path, timestamp, label, opener, url_getter)
        self.size = size
        self.checksum = checksum

    def __repr__(self) -> str:
        return f"RemoteData({self.path!r})"


AnyData = Data | AuthData | RemoteData
