"""The transport seam: how the SDK reaches the GAS service.

Two implementations: in-process (the embedded default) and HTTP (``gas serve``). The SDK
calls the operations through ``api``, typed by the contract (``tensorbay_core.api.GasApi``),
plus the byte-moving methods below, which never pass bytes through the API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import IO

from ..api import GasApi
from ..api.records import ItemResult, LocalFileItem


class Transport(ABC):
    """How the SDK talks to the service."""

    #: The operations, as this transport calls them.
    api: GasApi

    @abstractmethod
    def upload_files(
        self, dataset: str, draft: int, files: list[LocalFileItem], segment: str, skip_uploaded: bool
    ) -> list[ItemResult]:
        """Upload a batch of local files into a draft and record them: what became of each.

        How the bytes travel is the transport's: through signed URLs between
        ``prepare_uploads`` and ``confirm_uploads`` over HTTP, or written by the service
        itself in one call when it runs in this process."""

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
