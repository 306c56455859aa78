"""Local storage over HTTP: signed, expiring GET and PUT URLs of ``local`` configs, served by
``gas serve`` at ``/storage`` (registered through ``register_server_routes``).

A signed URL is ``<endpoint>/<key>?method&expires&kid&signature``. ``kid`` names the config
(``LocalProvider.key_id``) without revealing its signing key; the server finds the config by
it, then the config's own key must verify the signature. Any failure is a 403.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from email.utils import formatdate
from typing import IO, Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from ...errors import InvalidArgument, PermissionDenied, TensorBayError
from ...storage.hashing import VerifyingReader
from ...storage.provider import MAX_SIGNED_SECONDS
from .provider import LocalProvider

REFRESH_AFTER = 1.0
DENIED = "the signed URL is invalid or has expired"
#: Uploads written at once. They wait on the client, so they get threads of their own:
#: slow uploads can never take the threads the API and ``/healthz`` run on.
UPLOAD_SLOTS = 32
READ_CHUNK = 1 << 20
OCTET_STREAM = "application/octet-stream"

logger = logging.getLogger("tensorbay.server")


class SignedStorage:
    """The local providers signed URLs can name, by ``kid``; asked of the service again when a
    URL names one it does not know, or a second after the last time."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._by_kid: dict[str, LocalProvider] = {}
        self._checked = 0.0

    def _refresh(self, force: bool) -> None:
        with self._lock:
            if not force and time.monotonic() - self._checked < REFRESH_AFTER:
                return
            self._checked = time.monotonic()
            found: dict[str, LocalProvider] = {}
            for provider in self.service.providers_of_type(LocalProvider.type):
                if isinstance(provider, LocalProvider) and provider.value("signing_key"):
                    found.setdefault(provider.key_id(), provider)
            self._by_kid = found

    def verify(self, key: str, method: str, query: dict[str, str]) -> tuple[LocalProvider, str]:
        """The provider and cleaned key a signed URL allows ``method`` on; else ``PermissionDenied``."""
        kid = query.get("kid", "")
        self._refresh(force=False)
        provider = self._by_kid.get(kid)
        if provider is None:
            self._refresh(force=True)
            provider = self._by_kid.get(kid)
        try:
            if provider is None or query.get("method", "").upper() != method:
                raise PermissionDenied(DENIED)
            expires = int(query.get("expires", ""))
            if expires > time.time() + MAX_SIGNED_SECONDS:
                raise PermissionDenied(DENIED)  # signed for longer than any URL may live
            return provider, provider.verify_signed(key, method, expires, query.get("signature", ""))
        except (TensorBayError, ValueError):
            raise PermissionDenied(DENIED) from None


class RequestBody(io.RawIOBase):
    """A request body as a blocking binary stream, for a worker thread (``put_stream``)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    async def _next(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return b""
        except ClientDisconnect:
            raise OSError("the client disconnected during the upload") from None

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = anyio.from_thread.run(self._next)
            if not chunk:
                return 0
            self._pending = chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


async def _chunks(stream: IO[bytes], length: int) -> AsyncIterator[bytes]:
    """``length`` bytes of an open file, read in a worker thread; closed however the response ends."""
    try:
        while length > 0 and (chunk := await anyio.to_thread.run_sync(stream.read, min(READ_CHUNK, length))):
            length -= len(chunk)
            yield chunk
    finally:
        stream.close()


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, length)`` of a single ``bytes=`` range (what resumed downloads ask for);
    None for no range or one this route does not serve (the whole object is sent)."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes=") :].strip().partition("-")
    try:
        if not first:  # the last N bytes
            start = max(size - int(last), 0)
            return start, size - start
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    if start < 0 or (end < start and start < size):
        return None
    return start, max(end - start + 1, 0)


def storage_router(service: Any) -> APIRouter:
    """``GET``/``HEAD`` and ``PUT`` of ``/storage/{key}`` for signed URLs."""
    signed = SignedStorage(service)
    uploads = anyio.CapacityLimiter(UPLOAD_SLOTS)
    router = APIRouter(include_in_schema=False)

    @router.api_route("/{key:path}", methods=["GET", "HEAD"])
    def get_object(key: str, request: Request) -> Response:
        provider, key = signed.verify(key, "GET", dict(request.query_params))
        stream = provider.open(key)  # through no symlink out of the root, even one swapped in
        st = os.fstat(stream.fileno())
        headers = {
            "etag": f'"{provider.info_of(key, st).etag}"',
            "last-modified": formatdate(st.st_mtime, usegmt=True),
            "accept-ranges": "bytes",
        }
        wanted = _range(request.headers.get("range"), st.st_size)
        if wanted is None:
            status, start, length = 200, 0, st.st_size
        elif wanted[0] >= st.st_size:
            stream.close()
            return Response(status_code=416, headers={"content-range": f"bytes */{st.st_size}"})
        else:
            status, (start, length) = 206, wanted
            headers["content-range"] = f"bytes {start}-{start + length - 1}/{st.st_size}"
        headers["content-length"] = str(length)
        if request.method == "HEAD":
            stream.close()
            return Response(status_code=status, headers=headers, media_type=OCTET_STREAM)
        stream.seek(start)
        return StreamingResponse(
            _chunks(stream, length), status_code=status, headers=headers, media_type=OCTET_STREAM
        )

    @router.put("/{key:path}")
    async def put_object(key: str, request: Request) -> dict[str, Any]:
        provider, key = await run_in_threadpool(signed.verify, key, "PUT", dict(request.query_params))
        sha1 = await run_in_threadpool(service.claimed_sha1, provider, key)
        if sha1 is None:  # the upload it was signed for is over (recorded, abandoned, deleted)
            raise PermissionDenied(DENIED)
        body = io.BufferedReader(RequestBody(request.stream().__aiter__()), buffer_size=1 << 20)

        def refused() -> InvalidArgument:
            return InvalidArgument(
                "the uploaded bytes are not the file this URL was signed for (SHA-1 differs)"
            )

        stream = io.BufferedReader(VerifyingReader(body, None, sha1, refused), buffer_size=1 << 20)
        stored = await anyio.to_thread.run_sync(provider.put_stream, stream, key, limiter=uploads)
        return {"key": stored.path, "size": stored.size, "etag": stored.etag}

    return router
