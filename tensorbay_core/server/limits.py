"""What a client may cost the server before it is refused: header time, body size, body rate.

``gas serve`` must stay responsive while some clients are slow or hostile, so:

- request headers must be complete within ``request_timeout`` seconds of their first byte
  (or of the connection), else the connection is closed (``GuardedH11Protocol``);
- a body must keep arriving at ``MIN_BODY_RATE`` on average after a grace of
  ``request_timeout`` seconds, else the request ends with a 408 (``BodyGuard``);
- an API body holds at most ``MAX_API_BODY`` bytes. A declared ``Content-Length`` over it
  is refused before authentication and before a byte of the body is read; a chunked body
  is cut off at the limit (413).

Uploads to ``/storage`` are exempt from the size limit (objects are large), not from the rate.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import h11
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .team import MIN_BODY_RATE, REQUEST_TIMEOUT

#: The largest JSON body an API request may carry (a batch of 1,000 labelled items fits easily).
MAX_API_BODY = 32 * 1024 * 1024
#: The code of the error body for a body over the limit.
TOO_LARGE = "PayloadTooLarge"


def _too_large_message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes; send fewer items per request"


class BodyGuard:
    """ASGI middleware bounding request bodies: size on ``limited_prefix`` paths, rate on all."""

    def __init__(
        self,
        app: ASGIApp,
        limited_prefix: str,
        max_body: int = MAX_API_BODY,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.app = app
        self.limited_prefix = limited_prefix.rstrip("/") + "/"
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body if scope["path"].startswith(self.limited_prefix) else None
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            body = {"code": TOO_LARGE, "message": _too_large_message(limit)}
            # The unread body is not drained: the server closes the connection after this answer.
            await JSONResponse(body, status_code=413, headers={"connection": "close"})(scope, receive, send)
            return
        await self.app(scope, GuardedReceive(receive, limit, self.timeout), send)


class GuardedReceive:
    """``receive`` of one request, raising 408 on a body too slow and 413 on one too large.

    Only the body is timed: once it is complete, later calls (a streaming response waiting
    for the client to disconnect) pass through untouched.
    """

    def __init__(self, receive: Receive, limit: int | None, grace: float) -> None:
        self.receive = receive
        self.limit = limit
        self.grace = grace
        self.received = 0
        self.started: float | None = None
        self.complete = False

    async def __call__(self) -> Message:
        if self.complete:
            return await self.receive()
        now = time.monotonic()
        if self.started is None:
            self.started = now
        allowed = self.started + self.grace + self.received / MIN_BODY_RATE - now
        with anyio.move_on_after(max(allowed, 0.0)) as waited:
            message = await self.receive()
        if waited.cancelled_caught:
            raise HTTPException(408, f"the request body arrived slower than {MIN_BODY_RATE} bytes/s")
        if message["type"] != "http.request":
            self.complete = True
            return message
        self.received += len(message.get("body", b""))
        self.complete = not message.get("more_body", False)
        if self.limit is not None and self.received > self.limit:
            raise HTTPException(413, _too_large_message(self.limit))
        return message


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for request headers.

    uvicorn times idle keep-alive connections only; a client that sends its headers a
    byte at a time would hold a connection forever. Here the headers of each request must
    be complete within ``header_timeout`` seconds of the connection or of their first byte.
    """

    header_timeout = REQUEST_TIMEOUT

    @classmethod
    def with_timeout(cls, seconds: float) -> type[GuardedH11Protocol]:
        """The protocol class to hand uvicorn for a given header deadline."""
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _watch_headers(self) -> None:
        """Arm the timer while a request's headers are incomplete; disarm it once they are."""
        waiting = self.conn.their_state is h11.IDLE
        if waiting and self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)
        elif not waiting:
            self._stop_header_timer()

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose headers took over %.0f s", self.header_timeout)
            self.transport.close()
