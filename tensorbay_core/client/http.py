"""The HTTP transport: the SDK talks to a ``gas serve`` through a pooled requests session.

Operations become requests from their registry entry (path parameters, then query for
GET/DELETE or a JSON body). Idempotent requests (GET, PUT, DELETE, HEAD) are retried with
exponential backoff on 429/5xx and lost connections; a request that never reached the server
is retried whatever its method. Error bodies become the same exceptions the service raises.
Bytes never pass through the API: they go to signed URLs (the server's storage route or a cloud).
"""

from __future__ import annotations

import io
import os
import re
from importlib.metadata import version
from typing import IO, Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..errors import (
    AuthenticationError,
    InvalidArgument,
    NotFound,
    StorageError,
    TensorBayError,
    error_from_json,
)
from ..service import OPERATIONS, Operation
from ..storage.provider import SIGNED_PUT_HEADERS
from .transport import Transport

API_PREFIX = "/api/v1"
TOKEN_HEADER = "X-Token"
POOL_SIZE = 64
TIMEOUT = (10, 120)
RETRY_STATUSES = (429, 500, 502, 503, 504)
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
QUERY_METHODS = ("GET", "DELETE")


def _retry() -> Retry:
    return Retry(
        total=6,
        connect=4,
        read=2,
        status=3,
        other=0,
        allowed_methods=IDEMPOTENT,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=0.5,
        backoff_max=8,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def _reason(exc: BaseException) -> str:
    """Why a request failed, without its URL (a signed URL's query is a credential)."""
    found = re.search(r"\[Errno -?\d+\][^'\")]*|timed out|Connection aborted|Remote end closed", str(exc))
    return found.group(0).strip() if found else type(exc).__name__


class _Download(io.RawIOBase):
    """A streamed HTTP response body as a binary file; closing it releases the connection."""

    def __init__(self, response: requests.Response) -> None:
        self._response = response
        response.raw.decode_content = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return int(self._response.raw.readinto(buffer))
        except (OSError, requests.RequestException) as exc:
            raise StorageError(f"reading a download failed: {_reason(exc)}") from None

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


class HTTPTransport(Transport):
    """Calls a ``gas serve`` at ``url`` as the user an access key names."""

    signs_uploads = True

    def __init__(self, url: str, access_key: str, *, pool_size: int = POOL_SIZE) -> None:
        if not url.startswith(("http://", "https://")):
            raise InvalidArgument(f"the server URL must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self._access_key = access_key
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=max(32, pool_size), max_retries=_retry())
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = f"tensorbay-core/{version('tensorbay-core')}"
        self.call("list_dataset_names", limit=1)

    def __repr__(self) -> str:
        return f"HTTPTransport({self.url!r})"

    def _send(self, method: str, url: str, to: str, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            if to == "storage":
                raise StorageError(f"cannot reach the storage: {_reason(exc)}") from None
            raise TensorBayError(f"cannot reach the GAS server at {self.url}: {_reason(exc)}") from None

    def _raise_for(self, response: requests.Response) -> None:
        if response.status_code < 400:
            return
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        error = error_from_json(response.status_code, body)
        if isinstance(error, AuthenticationError) and response.url.startswith(self.url + API_PREFIX):
            error.message = f"{error.message} (server {self.url})"
            error.args = (error.message,)
        raise error

    def _request_of(self, operation: Operation, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        path = operation.path
        for name in operation.path_params:
            if name not in params:
                raise InvalidArgument(f"{operation.name} needs {name!r}")
            value = str(params.pop(name))
            if "/" in value:
                raise NotFound(f"{name} {value!r} does not exist")
            path = path.replace("{" + name + "}", quote(value, safe=""))
        if operation.method in QUERY_METHODS:
            return path, {"params": {k: v for k, v in params.items() if v is not None}}
        return path, {"json": params}

    def call(self, op: str, **params: Any) -> Any:
        operation = OPERATIONS.get(op)
        if operation is None:
            raise InvalidArgument(f"unknown operation {op!r}")
        path, kwargs = self._request_of(operation, params)
        kwargs["headers"] = {TOKEN_HEADER: self._access_key}
        response = self._send(operation.method, self.url + API_PREFIX + path, "api", **kwargs)
        self._raise_for(response)
        return response.json() if response.content else None

    def put_object(self, dataset: str, upload: dict[str, Any], local_path: str) -> None:
        url = upload.get("url")
        if not url:
            raise InvalidArgument(f"the server gave no upload URL for {upload.get('remotePath')!r}")
        headers = SIGNED_PUT_HEADERS
        with open(local_path, "rb") as fp:
            # requests would send an empty file chunked, which S3 refuses
            empty = os.fstat(fp.fileno()).st_size == 0
            response = self._send("PUT", url, "storage", data=b"" if empty else fp, headers=headers)
        self._raise_for(response)

    def _open_url(self, url: str) -> IO[bytes]:
        if not url.startswith(("http://", "https://")):
            raise StorageError(
                "the server gave a URL this machine cannot open; a local storage config needs an endpoint "
                "that points at the server's storage route (http://host:port/storage)"
            )
        response = self._send("GET", url, "storage", stream=True)
        try:
            self._raise_for(response)
        except TensorBayError:
            response.close()
            raise
        return io.BufferedReader(_Download(response), buffer_size=1 << 20)

    def open_data(self, dataset: str, **params: Any) -> IO[bytes]:
        return self._open_url(self.call("get_data_url", dataset=dataset, **params)["url"])

    def open_cloud_file(self, config_name: str, path: str) -> IO[bytes]:
        return self._open_url(self.call("get_cloud_file_url", config_name=config_name, path=path)["url"])

    def close(self) -> None:
        self._session.close()
