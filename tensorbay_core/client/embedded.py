"""The in-process transport: the SDK calls the service directly (no server)."""

from __future__ import annotations

from typing import IO, Any

from ..errors import InvalidArgument, StorageError
from ..service import OPERATIONS, Service
from .transport import Transport


class EmbeddedTransport(Transport):
    """Calls a ``Service`` in this process on behalf of one user."""

    def __init__(self, service: Service, user: int) -> None:
        self.service = service
        self.user = user

    def call(self, op: str, **params: Any) -> Any:
        if op not in OPERATIONS:
            raise InvalidArgument(f"unknown operation {op!r}")
        return getattr(self.service, op)(self.user, **params)

    def put_object(self, dataset: str, upload: dict[str, Any], local_path: str) -> None:
        [error] = self.put_objects(dataset, [(upload, local_path)])
        if error is not None:
            raise StorageError(error)

    def put_objects(self, dataset: str, sends: list[tuple[dict[str, Any], str]]) -> list[str | None]:
        return self.service.store_objects(self.user, dataset, [(u["key"], path) for u, path in sends])

    def open_data(self, dataset: str, **params: Any) -> IO[bytes]:
        return self.service.open_data(self.user, dataset, **params)

    def open_cloud_file(self, config_name: str, path: str) -> IO[bytes]:
        return self.service.provider_for_config(self.user, config_name).open(path)

    def __repr__(self) -> str:
        return f"EmbeddedTransport(user={self.user})"
