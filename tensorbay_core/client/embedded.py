"""The in-process transport: the SDK calls the service directly (no server)."""

from __future__ import annotations

from typing import IO

from ..api.records import ItemResult, LocalFileItem
from ..service import Service
from .transport import Transport


class EmbeddedTransport(Transport):
    """Calls a ``Service`` in this process on behalf of one user."""

    def __init__(self, service: Service, user: int) -> None:
        self.service = service
        self.user = user
        self.api = service.as_user(user)

    def upload_files(
        self, dataset: str, draft: int, files: list[LocalFileItem], segment: str, skip_uploaded: bool
    ) -> list[ItemResult]:
        items = [dict(f) for f in files]
        found = self.service.upload_local_files(self.user, dataset, draft, items, segment, skip_uploaded)
        return found["results"]  # type: ignore[no-any-return]

    def open_data(self, dataset: str, path: str, segment: str = "", version: str | None = None) -> IO[bytes]:
        return self.service.open_data(self.user, dataset, path, segment, version)

    def read_data_range(
        self, dataset: str, path: str, segment: str, version: str | None, start: int, end: int
    ) -> bytes:
        return self.service.read_data_range(self.user, dataset, path, segment, version, start, end)

    def open_cloud_file(self, config_name: str, path: str) -> IO[bytes]:
        return self.service.provider_for_config(self.user, config_name).open(path)

    def __repr__(self) -> str:
        return f"EmbeddedTransport(user={self.user})"
