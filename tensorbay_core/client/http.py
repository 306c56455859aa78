"""The HTTP transport: the SDK talks to a ``gas serve`` through a pooled requests session.

Operations become requests from their declaration in the contract (``api.GasApi``: path
parameters, then query for GET/DELETE or a JSON body); ``HTTPTransport.api`` is the
contract's methods, each sending its request. Every call is retried as ``retry.py`` says when its answer was
lost; a mutating call carries an ``Idempotency-Key``, the same for all its attempts, so the
server carries it out once and a retry gets the first answer. Error bodies become the same
exceptions the service raises. Bytes never pass through the API: they go to signed URLs (the
server's storage route or a cloud); a signed PUT is sent again whole (same bytes, same key),
and a cut download resumes with a Range request as long as the object's ETag is unchanged.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import uuid
from importlib.metadata import version
from typing import IO, Any, cast
from urllib.parse import quote

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ..api import GasApi, Operation, operations
from ..api.records import DataUrl, FileItem, ItemResult, LocalFileItem, UploadedItem, UploadPlace
from ..api.wire import API_PREFIX, IDEMPOTENCY_HEADER, QUERY_METHODS, REQUEST_ID_HEADER, TOKEN_HEADER
from ..errors import (
    AuthenticationError,
    DataChanged,
    InvalidArgument,
    NotFound,
    StorageError,
    TensorBayError,
    error_from_json,
)
from ..storage.hashing import VerifyingReader
from .retry import Retrying, RetryPolicy, answer_was_lost, retry_after, says_retry
from .transport import Transport

POOL_SIZE = 64
TIMEOUT = (10, 120)
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: Storage reads get the bytes as stored: offsets then match Range offsets and recorded sizes.
RAW_BYTES = {"Accept-Encoding": "identity"}


def _reason(exc: BaseException) -> str:
    """Why a request failed, without its URL (a signed URL's query is a credential)."""
    found = re.search(r"\[Errno -?\d+\][^'\")]*|timed out|Connection aborted|Remote end closed", str(exc))
    return found.group(0).strip() if found else type(exc).__name__


def _bare_etag(etag: str) -> str:
    """An ETag without the weak mark and the quotes HTTP puts around it."""
    return etag.removeprefix("W/").strip('"')


class _Download(io.RawIOBase):
    """A streamed HTTP response body as a binary file; closing it releases the connection.

    A transfer that breaks resumes from the bytes already read with a Range request, if the
    object still has the ETag of the first response (else ``DataChanged``). Every failure is
    a ``StorageError``.
    """

    def __init__(self, transport: HTTPTransport, url: str, response: requests.Response) -> None:
        self._transport = transport
        self._url = url
        self._response = response
        #: The ETag of the first response: the object version every resumed part must have.
        self.etag = response.headers.get("ETag")
        self._offset = 0
        response.raw.decode_content = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        retrying: Retrying | None = None
        while True:
            try:
                n = int(self._response.raw.readinto(buffer))
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                retrying = retrying or self._transport.retry.start()
                if not retrying.wait():
                    raise StorageError(f"reading a download failed: {_reason(exc)}") from None
                self._resume(retrying)
                continue
            self._offset += n
            return n

    def _resume(self, retrying: Retrying) -> None:
        """Continue the body from ``_offset`` on a new request for the same object version."""
        if not self.etag:
            raise StorageError("a download broke off and cannot resume: the storage gave no ETag")
        self._response.close()
        headers = {**RAW_BYTES, "Range": f"bytes={self._offset}-"}
        response = self._transport._send("GET", self._url, "storage", retrying, stream=True, headers=headers)
        self._response = response
        response.raw.decode_content = False
        try:
            self._transport._raise_for(response)
        except StorageError:
            raise
        except TensorBayError as exc:
            raise StorageError(f"a download broke off and cannot resume: {exc.message}") from None
        if response.headers.get("ETag") != self.etag:
            raise DataChanged("the object changed while it was being read (its ETag is not the same)")
        if response.status_code != 206:  # the storage ignored the Range: skip what was read
            _skip(response, self._offset)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


def _skip(response: requests.Response, count: int) -> None:
    while count > 0:
        chunk = response.raw.read(min(count, 1 << 20))
        if not chunk:
            raise StorageError("a download broke off and the storage sent the object again shorter")
        count -= len(chunk)


class HTTPTransport(Transport):
    """Calls a ``gas serve`` at ``url`` as the user an access key names."""

    def __init__(
        self,
        url: str,
        access_key: str,
        *,
        pool_size: int = POOL_SIZE,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InvalidArgument(f"the server URL must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self._access_key = access_key
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=max(32, pool_size), max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = f"tensorbay-core/{version('tensorbay-core')}"
        self.api = cast(GasApi, HTTPApi(self))
        self.api.list_dataset_names(limit=1)

    def __repr__(self) -> str:
        return f"HTTPTransport({self.url!r})"

    def _send(
        self,
        method: str,
        url: str,
        to: str,
        retrying: Retrying | None = None,
        *,
        local_path: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """The final answer to a request, retried as the retry policy says.

        ``local_path``: the body is that file, opened again for each attempt.
        """
        retrying = retrying or self.retry.start()
        while True:
            try:
                response = self._attempt(method, url, local_path, kwargs)
            except requests.RequestException as exc:
                if answer_was_lost(exc) and retrying.wait():
                    continue
                if to == "storage":
                    raise StorageError(f"cannot reach the storage: {_reason(exc)}") from None
                raise TensorBayError(f"cannot reach the GAS server at {self.url}: {_reason(exc)}") from None
            if says_retry(response, storage=to == "storage") and retrying.wait(retry_after(response)):
                response.close()
                continue
            return response

    def _attempt(
        self, method: str, url: str, local_path: str | None, kwargs: dict[str, Any]
    ) -> requests.Response:
        if local_path is None:
            return self._session.request(method, url, timeout=self.timeout, **kwargs)
        with open(local_path, "rb") as fp:
            # requests would send an empty file chunked, which S3 refuses
            empty = os.fstat(fp.fileno()).st_size == 0
            data = b"" if empty else fp
            return self._session.request(method, url, data=data, timeout=self.timeout, **kwargs)

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
        """Send operation ``op`` with ``params`` (by name); the answer's JSON. The SDK calls
        through ``api``, typed; this is its one way onto the wire (and a test's raw one)."""
        operation = operations().get(op)
        if operation is None:
            raise InvalidArgument(f"unknown operation {op!r}")
        path, kwargs = self._request_of(operation, params)
        call_id = uuid.uuid4().hex
        kwargs["headers"] = {TOKEN_HEADER: self._access_key, REQUEST_ID_HEADER: call_id}
        if operation.method not in SAFE_METHODS:
            kwargs["headers"][IDEMPOTENCY_HEADER] = call_id
        response = self._send(operation.method, self.url + API_PREFIX + path, "api", **kwargs)
        self._raise_for(response)
        return response.json() if response.content else None

    def upload_files(
        self, dataset: str, draft: int, files: list[LocalFileItem], segment: str, skip_uploaded: bool
    ) -> list[ItemResult]:
        """Ask the server for a place per file (with a signed PUT URL), send each file's bytes
        there, then have the server verify and record what arrived."""
        by_path = {f["remotePath"]: f for f in files}
        asked: list[FileItem] = [
            {"remotePath": f["remotePath"], "checksum": f["checksum"], "size": f["size"]} for f in files
        ]
        plan = self.api.prepare_uploads(dataset, draft, asked, segment, skip_uploaded, True)["uploads"]
        results: list[ItemResult] = []
        confirm: list[UploadedItem] = []
        for upload in plan:
            if upload["status"] in ("failed", "skipped"):
                results.append(upload)
                continue
            file = by_path[upload["remotePath"]]
            if upload["status"] == "upload":
                try:
                    self.put_object(dataset, upload, file["localPath"])
                except (TensorBayError, OSError) as exc:
                    results.append({"remotePath": file["remotePath"], "status": "failed", "error": str(exc)})
                    continue
            recorded: UploadedItem = {
                "remotePath": file["remotePath"],
                "key": upload["key"],
                "checksum": file["checksum"],
                "size": file["size"],
            }
            if "label" in file:
                recorded["label"] = file["label"]
            if "timestamp" in file:
                recorded["timestamp"] = file["timestamp"]
            confirm.append(recorded)
        if confirm:
            results.extend(self.api.confirm_uploads(dataset, draft, confirm, segment)["results"])
        return results

    def put_object(self, dataset: str, upload: UploadPlace, local_path: str) -> None:
        """Send one local file to the signed URL of its upload place."""
        url = upload.get("url")
        if not url:
            raise InvalidArgument(f"the server gave no upload URL for {upload.get('remotePath')!r}")
        headers = upload.get("headers") or {}  # the storage's own, exactly as the server gave them
        response = self._send("PUT", url, "storage", local_path=local_path, headers=headers)
        self._raise_for(response)

    def _open_url(self, url: str) -> IO[bytes]:
        return io.BufferedReader(self._download(url), buffer_size=1 << 20)

    def _download(self, url: str) -> _Download:
        if not url.startswith(("http://", "https://")):
            raise StorageError(
                "the server gave a URL this machine cannot open; a local storage config needs an endpoint "
                "that points at the server's storage route (http://host:port/storage)"
            )
        response = self._send("GET", url, "storage", stream=True, headers=RAW_BYTES)
        try:
            self._raise_for(response)
        except TensorBayError:
            response.close()
            raise
        return _Download(self, url, response)

    def open_data(self, dataset: str, path: str, segment: str = "", version: str | None = None) -> IO[bytes]:
        """A data file's bytes through its signed URL, checked against what the service
        recorded: the response's ETag at once, the size and SHA-1 at the end."""
        found: DataUrl = self.api.get_data_url(dataset, path, segment, version)

        def changed() -> DataChanged:
            where = f"{segment}/{path}" if segment else path
            return DataChanged(f"the object behind {where} of dataset {dataset!r} changed while it was read")

        download = self._download(found["url"])
        if download.etag and found.get("etag") and _bare_etag(download.etag) != _bare_etag(found["etag"]):
            download.close()
            raise changed()
        checked = VerifyingReader(cast(IO[bytes], download), found["size"], found["sha1"], changed)
        return io.BufferedReader(checked, buffer_size=1 << 20)

    def read_data_range(
        self, dataset: str, path: str, segment: str, version: str | None, start: int, end: int
    ) -> bytes:
        """One Range request to the data file's signed URL; the answer must come from the
        recorded object (its ETag), and a storage that ignores the Range is sliced."""
        found: DataUrl = self.api.get_data_url(dataset, path, segment, version)
        end = min(end, found["size"])
        if start >= end:
            return b""
        if not found["url"].startswith(("http://", "https://")):
            raise StorageError(
                "the server gave a URL this machine cannot open; a local storage config needs an endpoint "
                "that points at the server's storage route (http://host:port/storage)"
            )
        headers = {**RAW_BYTES, "Range": f"bytes={start}-{end - 1}"}
        response = self._send("GET", found["url"], "storage", headers=headers)
        self._raise_for(response)
        etag = response.headers.get("ETag")
        if etag and found.get("etag") and _bare_etag(etag) != _bare_etag(found["etag"]):
            where = f"{segment}/{path}" if segment else path
            raise DataChanged(f"the object behind {where} of dataset {dataset!r} changed while it was read")
        body = response.content
        return body if response.status_code == 206 else body[start:end]

    def open_cloud_file(self, config_name: str, path: str) -> IO[bytes]:
        return self._open_url(self.api.get_cloud_file_url(config_name, path)["url"])

    def close(self) -> None:
        self._session.close()


class HTTPApi:
    """The contract's operations as requests: ``api.op(...)`` takes the declared parameters
    (positional or by name, defaults filled in) and sends them with ``HTTPTransport.call``."""

    def __init__(self, transport: HTTPTransport) -> None:
        self._transport = transport

    def __getattr__(self, name: str) -> Any:
        operation = operations().get(name)
        if operation is None:
            raise AttributeError(f"{name!r} is not an operation of the GAS API")
        signature = inspect.signature(operation.declaration)

        def send(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(None, *args, **kwargs)
            bound.apply_defaults()
            params = dict(list(bound.arguments.items())[1:])
            return self._transport.call(name, **params)

        send.__name__ = name
        send.__doc__ = operation.doc
        return send
