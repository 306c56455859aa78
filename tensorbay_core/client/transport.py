"""The transport seam: how the SDK reaches the GAS service.

Two implementations: in-process (the embedded default) and HTTP (``gas serve``). The SDK
calls the operations through ``api``, typed by the contract (``tensorbay_core.api.GasApi``),
plus the byte-moving methods below, which never pass bytes through the API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import IO

from ..api import GasApi
from ..api.records import UploadPlace


class Transport(ABC):
    """How the SDK talks to the service."""

    #: The operations, as this transport calls them.
    api: GasApi
    #: Whether prepare_uploads should return signed PUT URLs for the bytes.
    signs_uploads: bool = False

    @abstractmethod
    def put_objects(self, dataset: str, sends: list[tuple[UploadPlace, str]]) -> list[str | None]:
        """Send local files' bytes where ``prepare_uploads`` said: per ``(upload, local_path)``,
        an error message or None."""

    @abstractmethod
    def open_data(self, dataset: str, path: str, segment: str = "", version: str | None = None) -> IO[bytes]:
        """Open a data file of a dataset version; it delivers the recorded bytes or raises
        ``DataChanged``."""

    @abstractmethod
    def read_data_range(
        self, dataset: str, path: str, segment: str, version: str | None, start: int, end: int
    ) -> bytes:
        """Bytes ``[start, end)`` of a data file of a dataset version (fewer at its end), from
        the object the service recorded or ``DataChanged``. A part cannot be checked by the
        file's SHA-1, so it is checked by the object's ETag: random access (a Parquet footer,
        a shuffled sample) then never fetches the whole file."""

    @abstractmethod
    def open_cloud_file(self, config_name: str, path: str) -> IO[bytes]:
        """Open an object of an authorized storage config."""

    def close(self) -> None:  # noqa: B027  (most transports hold nothing to release)
        """Release connections."""
