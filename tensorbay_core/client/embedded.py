"""The in-process transport: the SDK calls the service directly (no server)."""

from __future__ import annotations

from typing import IO

from ..api.records import UploadPlace
from ..service import Service
from .transport import Transport


class EmbeddedTransport(Transport):
    """Calls a ``Service`` in this process on behalf of one user."""

    def __init__(self, service: Service, user: int) -> None:
        self.service = service
        self.user = user
        self.api = service.as_user(user)

    def put_objects(self, dataset: str, sends: list[tuple[UploadPlace, str]]) -> list[str | None]:
        return self.service.store_objects(self.user, dataset, [(u["key"], path) for u, path in sends])

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
