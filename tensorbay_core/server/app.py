"""The ASGI application: the generated API under /api/v1, routes storage plugins contribute
(``local``'s signed URLs at /storage), error mapping.

Every error response is JSON ``{"code", "message"}``: a ``TensorBayError`` with its own
status; a request that does not fit the schema is a 400 ``InvalidParamsValue`` (without
echoing the input, which may hold secrets); anything unexpected is a 500 whose traceback
goes to the server log under a request id, never to the client.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..api.wire import API_PREFIX
from ..errors import TensorBayError
from ..service import Service
from ..storage import get_plugins
from .api import AuthenticateFirst, api_router
from .idempotency import IdempotencyMiddleware
from .limits import REQUEST_TIMEOUT, TOO_LARGE, BodyGuard

THREADS = 128

logger = logging.getLogger("tensorbay.server")

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
_HTTP_CODES = {404: "ResourceNotExist", 405: "MethodNotAllowed", 408: "RequestTimeout", 413: TOO_LARGE}


class RequestIdMiddleware:
    """Tags each request with an id (``X-Request-Id``) and turns unexpected errors into a 500.

    A ``TensorBayError`` that a middleware raises before or after the route (the
    idempotency records or the access-key check meet a full or locked database) gets its
    own status, as it would from a route: a client must see a 507 or 503 it can act on,
    not a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            known = exc if isinstance(exc, TensorBayError) and type(exc) is not TensorBayError else None
            if known is not None:
                logger.warning("request %s: %s %s: %s", request_id, scope["method"], scope["path"], known)
            else:
                logger.exception("request %s: %s %s failed", request_id, scope["method"], scope["path"])
            if started:
                return
            if known is not None:
                await _error_response(known)(scope, receive, send_with_id)
                return
            body = {
                "code": "InternalServerError",
                "message": f"internal error, see the server log (request id {request_id})",
            }
            await JSONResponse(body, status_code=500)(scope, receive, send_with_id)


def _error_response(exc: TensorBayError) -> JSONResponse:
    return JSONResponse(exc.to_json(), status_code=exc.status)


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    problems = []
    for error in exc.errors()[:10]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    message = "invalid request: " + "; ".join(problems)
    return JSONResponse({"code": "InvalidParamsValue", "message": message}, status_code=400)


def _http_response(exc: HTTPException) -> JSONResponse:
    fallback = "InvalidParamsValue" if exc.status_code < 500 else "InternalServerError"
    body = {"code": _HTTP_CODES.get(exc.status_code, fallback), "message": str(exc.detail)}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def create_app(service: Service, request_timeout: float = REQUEST_TIMEOUT) -> FastAPI:
    """The ``gas serve`` application over ``service``.

    ``request_timeout``: the grace a request body gets before its rate counts (``limits``).
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        yield
        service.store.dispose()

    app = FastAPI(
        title="TensorBay-core GAS",
        version=__version__,
        description="Datasets, versions and storage configs. Authenticate with the X-Token header.",
        lifespan=lifespan,
    )

    async def on_tensorbay_error(_request: Request, exc: Any) -> JSONResponse:
        return _error_response(exc)

    async def on_validation_error(_request: Request, exc: Any) -> JSONResponse:
        return _validation_response(exc)

    async def on_http_error(_request: Request, exc: Any) -> JSONResponse:
        return _http_response(exc)

    app.add_exception_handler(TensorBayError, on_tensorbay_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    # Outermost last: request id, then body limits, then authentication, then replays of
    # retried requests, then the routes.
    app.add_middleware(IdempotencyMiddleware, service=service, prefix=API_PREFIX)
    app.add_middleware(AuthenticateFirst, service=service, prefix=API_PREFIX)
    app.add_middleware(BodyGuard, limited_prefix=API_PREFIX, timeout=request_timeout)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        with service.store.begin() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.include_router(api_router(service), prefix=API_PREFIX)
    for prefix, build in get_plugins().server_routes():
        app.include_router(build(service), prefix=prefix)
    return app
