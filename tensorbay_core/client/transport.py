"""The transport seam: how the SDK reaches the GAS service.

Two implementations: in-process (the embedded default) and HTTP (``gas serve``). The SDK
only ever calls ``call`` with an operation name from ``tensorbay_core.service.OPERATIONS``,
plus the three byte-moving methods below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import IO, Any

from ..errors import TensorBayError


class Transport(ABC):
    """How the SDK talks to the service."""

    #: Whether prepare_uploads should return signed PUT URLs for the bytes.
    signs_uploads: bool = False

    @abstractmethod
    def call(self, op: str, **params: Any) -> Any:
        """Run a service operation by name and return its JSON-able result."""

    @abstractmethod
    def put_object(self, dataset: str, upload: dict[str, Any], local_path: str) -> None:
        """Send a local file's bytes to where ``prepare_uploads`` said (``upload``)."""

    def put_objects(self, dataset: str, sends: list[tuple[dict[str, Any], str]]) -> list[str | None]:
        """``put_object`` for each ``(upload, local_path)``; per file, an error message or None."""
        errors: list[str | None] = []
        for upload, local_path in sends:
            try:
                self.put_object(dataset, upload, local_path)
                errors.append(None)
            except (TensorBayError, OSError) as exc:
                errors.append(str(exc))
        return errors

    @abstractmethod
    def open_data(self, dataset: str, **params: Any) -> IO[bytes]:
        """Open a data file of a dataset version (params as for ``get_data_url``)."""

    @abstractmethod
    def open_cloud_file(self, config_name: str, path: str) -> IO[bytes]:
        """Open an object of an authorized storage config."""

    def close(self) -> None:  # noqa: B027  (most transports hold nothing to release)
        """Release connections."""
