"""CloudClient: browse an authorized storage config and list its files as AuthData."""

from __future__ import annotations

from ..api.records import CloudFile
from ..dataset import AuthData
from .paging import PagingList
from .transport import Transport

LIST_PAGE = 1000


class CloudClient:
    """Files in one storage config, named as in TensorBay (``list_auth_data``)."""

    def __init__(self, name: str, transport: Transport) -> None:
        self.name = name
        self._transport = transport

    def _auth_data(self, file: CloudFile) -> AuthData:
        path = file["path"]
        auth_data = AuthData(
            path,
            size=file["size"],
            etag=file["etag"],
            opener=lambda: self._transport.open_cloud_file(self.name, path),
            url_getter=lambda: self._transport.api.get_cloud_file_url(self.name, path)["url"],
        )
        auth_data.config_name = self.name
        return auth_data

    def list_auth_data(self, path: str = "") -> PagingList[AuthData]:
        """The files under ``path`` (relative to the config's root), lazily, in key order.

        ``path`` ending in ``/`` names a folder; otherwise it filters keys by prefix.
        """

        def fetch(after: str, limit: int) -> tuple[list[AuthData], bool]:
            page = self._transport.api.list_cloud_files(self.name, path, after, limit)
            return [self._auth_data(f) for f in page["files"]], page["truncated"]

        def count() -> int:
            return sum(1 for _ in PagingList(fetch, lambda a: a.cloud_path, lambda: 0, LIST_PAGE))

        return PagingList(fetch, lambda a: a.cloud_path, count, LIST_PAGE)

    def __repr__(self) -> str:
        return f"CloudClient({self.name!r})"
