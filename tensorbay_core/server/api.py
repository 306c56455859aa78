"""The API routes, generated from the contract (``api.GasApi``): one route per operation.

Parameters come from the declaration's type hints: ``{name}`` path segments, query parameters
for GET/DELETE, one JSON body model for POST/PUT/PATCH. The ``user`` argument is the caller
the ``X-Token`` header authenticates; ``AuthenticateFirst`` checks the key before the body
is read, so nobody without a key makes the server parse anything.

Every value is bounded before the service sees it: a list or dict parameter holds at most
``MAX_ITEMS`` entries, JSON nests at most ``MAX_DEPTH`` levels, and no text holds NUL or a
lone surrogate (neither can be stored or encoded). Each refusal is a 400 naming the field.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import JsonDict
from starlette.types import ASGIApp, Receive, Scope, Send

from ..api import Operation, operations
from ..api.wire import MAX_ITEMS, QUERY_METHODS, TOKEN_HEADER
from ..errors import AuthenticationError, InvalidArgument
from ..names import NAME_RE
from ..service import Service

#: Where ``AuthenticateFirst`` leaves the authenticated user's id in the request scope's state.
USER_STATE = "tensorbay_user"
#: Integer parameters (draft numbers, ids, offsets) meet INTEGER columns: 32 bits on PostgreSQL.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: How deep JSON values (labels, catalogs, notes) may nest; real ones need a handful of levels.
MAX_DEPTH = 32
#: Dataset and config names, as a JSON Schema pattern (anchored: JSON Schema searches).
NAME_PATTERN = f"^{NAME_RE.pattern}$"
#: NUL (PostgreSQL cannot store it) and lone surrogates (no encoding can write them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class ErrorBody(BaseModel):
    """What every error response carries."""

    code: str
    message: str
    details: dict[str, Any] | None = None


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def check_value(name: str, value: Any) -> None:
    """Refuse a parameter the service could not store, or would pay too much for.

    Walks the value without recursion, so a deeply nested one costs no stack.
    """
    if isinstance(value, list | dict) and len(value) > MAX_ITEMS:
        raise InvalidArgument(f"{name} holds {len(value)} entries; at most {MAX_ITEMS} per request")
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            bad = _UNSTORABLE.search(item)
            if bad is not None:
                what = "NUL characters" if bad.group() == "\x00" else "lone surrogates (invalid Unicode)"
                raise InvalidArgument(f"{name} may not contain {what}")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidArgument(f"{name} nests deeper than {MAX_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


#: What the creating operations create, and where their answer names it. They become OpenAPI
#: links to every operation taking that thing, so a stateful client (Schemathesis) chains
#: calls on real datasets, configs and drafts instead of random names.
PRODUCERS = {
    "create_dataset": ("dataset", "/name"),
    "create_storage_config": ("config", "/name"),
    "create_draft": ("draft", "/number"),
}


def _consumed(op: Operation, param: str) -> str | None:
    """What a parameter of ``op`` names: "dataset", "config", "draft" or None."""
    if param == "name":
        if op.path.startswith("/datasets/{name}"):
            return "dataset"
        return "config" if op.path.startswith("/storage-configs/{name}") else None
    return {"dataset": "dataset", "config_name": "config", "draft_number": "draft"}.get(param)


def _names_resource(op: Operation, param: str) -> bool:
    """Whether a parameter is a dataset or config name (one ``check_name`` accepts)."""
    made = PRODUCERS.get(op.name, ("", ""))[0] in ("dataset", "config") and param == "name"
    return made or _consumed(op, param) in ("dataset", "config")


def _where(op: Operation, param: str) -> str:
    if param in op.path_params:
        return "path"
    return "query" if op.method in QUERY_METHODS else "body"


def openapi_links(producer: Operation, operations: dict[str, Operation]) -> dict[str, Any]:
    """The OpenAPI links from ``producer``'s answer to each operation that needs what it makes
    (a required parameter: an operation that can do without it stays a starting point)."""
    if producer.name not in PRODUCERS:
        return {}
    kind, pointer = PRODUCERS[producer.name]
    links: dict[str, Any] = {}
    for target in operations.values():
        params: dict[str, str] = {}
        body: dict[str, str] = {}
        for param in (p.name for p in target.params if p.default is inspect.Parameter.empty):
            if _consumed(target, param) == kind:
                value = f"$response.body#{pointer}"
            elif kind == "draft" and _consumed(target, param) == "dataset":
                value = "$request.path.dataset"  # the draft's dataset
            else:
                continue
            where = _where(target, param)
            if where == "body":
                body[param] = value
            else:
                params[f"{where}.{param}"] = value
        if params or body:
            link: dict[str, Any] = {"operationId": target.name, "parameters": params}
            if body:
                link["requestBody"] = body
            links[target.name] = link
    return links


def _keyword(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _int_limits(annotation: Any) -> tuple[int | None, int | None]:
    """Integers are bounded to what the database compares them with: ``(ge, le)``."""
    if annotation is int or int in typing.get_args(annotation):
        return INT_MIN, INT_MAX
    return None, None


def _is_scalar(annotation: Any) -> bool:
    """Whether a type fits a query string: scalars, optional scalars and lists of them."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return all(_is_scalar(a) for a in args)
    if args and origin is not None and type(None) in args:
        return all(_is_scalar(a) for a in args if a is not type(None))
    return annotation in (str, int, float, bool)


class OperationRoute:
    """The endpoint of one operation: its FastAPI signature and the call into the service."""

    def __init__(self, service: Service, op: Operation, user: Callable[..., int]) -> None:
        self.service = service
        self.op = op
        hints = op.hints
        self.returns = hints.get("return")
        params = [_keyword("user", int, Depends(user))]
        body_fields: dict[str, Any] = {}
        for param in op.params:
            annotation = hints[param.name]
            value = ... if param.default is inspect.Parameter.empty else param.default
            ge, le = _int_limits(annotation)
            # Documented, not enforced here (check_name words the error): lets clients and
            # test generators produce names the service accepts.
            extra: JsonDict | None = {"pattern": NAME_PATTERN} if _names_resource(op, param.name) else None
            if param.name in op.path_params:
                default: Any = Path(ge=ge, le=le, json_schema_extra=extra)
            elif op.method in QUERY_METHODS:
                if not _is_scalar(annotation):
                    raise TypeError(
                        f"operation {op.name}: {param.name} ({annotation}) cannot travel in a query string; "
                        "declare the operation with POST, PUT or PATCH"
                    )
                default = Query(value, ge=ge, le=le, json_schema_extra=extra)
            else:
                # Lists and dicts are cut off at MAX_ITEMS while they are parsed, before their
                # items cost anything.
                longest = MAX_ITEMS if typing.get_origin(annotation) in (list, dict) else None
                field = Field(value, ge=ge, le=le, max_length=longest, json_schema_extra=extra)
                body_fields[param.name] = (annotation, field)
                continue
            params.append(_keyword(param.name, annotation, default))
        self.body_fields = list(body_fields)
        if body_fields:
            model = create_model(
                f"{_camel(op.name)}Request", __config__=ConfigDict(extra="forbid"), **body_fields
            )
            params.append(_keyword("body", model, Body()))
        self.signature = inspect.Signature(params)

    def endpoint(self) -> Callable[..., Any]:
        """A function FastAPI can route to (sync: it runs in the thread pool)."""

        def run(**kwargs: Any) -> Any:
            user = kwargs.pop("user")
            body = kwargs.pop("body", None)
            if body is not None:
                kwargs.update({name: getattr(body, name) for name in self.body_fields})
            for name, value in kwargs.items():
                check_value(name, value)
            result = getattr(self.service, self.op.name)(user, **kwargs)
            return Response(status_code=204) if result is None else result

        run.__signature__ = self.signature  # type: ignore[attr-defined]
        run.__name__ = self.op.name
        run.__doc__ = self.op.doc
        return run

    def add_to(self, router: APIRouter) -> None:
        """Register the route."""
        doc = self.op.doc
        no_content = self.returns is type(None)
        responses: dict[int | str, dict[str, Any]] = {
            "default": {"model": ErrorBody, "description": "an error: its code and message"}
        }
        links = openapi_links(self.op, operations())
        if links:
            responses[200] = {"links": links}
        router.add_api_route(
            self.op.path,
            self.endpoint(),
            methods=[self.op.method],
            operation_id=self.op.name,
            summary=doc.split("\n", 1)[0],
            description=doc,
            tags=[self.op.path.strip("/").split("/", 1)[0]],
            response_model=None if no_content else self.returns,
            status_code=204 if no_content else 200,
            responses=responses,
        )


class AuthenticateFirst:
    """ASGI middleware: the access key of every request under ``prefix`` is checked before
    anything reads the request's body; the user's id goes to the route in the scope's state."""

    def __init__(self, app: ASGIApp, service: Service, prefix: str) -> None:
        self.app = app
        self.service = service
        self.prefix = prefix.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        access_key = dict(scope["headers"]).get(TOKEN_HEADER.lower().encode(), b"").decode("latin-1")
        try:
            if not access_key:
                raise AuthenticationError(f"send your access key in the {TOKEN_HEADER} header")
            user = await anyio.to_thread.run_sync(self.service.authenticate, access_key)
        except AuthenticationError as exc:
            await JSONResponse(exc.to_json(), status_code=exc.status)(scope, receive, send)
            return
        scope.setdefault("state", {})[USER_STATE] = user
        await self.app(scope, receive, send)


def api_router(service: Service) -> APIRouter:
    """Every operation of the contract as a route, for the user ``AuthenticateFirst`` found."""
    token = APIKeyHeader(
        name=TOKEN_HEADER, auto_error=False, description="an access key from `gas admin create-user`"
    )

    def authenticated_user(request: Request, _access_key: str | None = Security(token)) -> int:
        # The key itself was checked by AuthenticateFirst; declaring it documents it in OpenAPI.
        user = request.scope.get("state", {}).get(USER_STATE)
        if user is None:
            raise AuthenticationError(f"send your access key in the {TOKEN_HEADER} header")
        return int(user)

    router = APIRouter()
    for op in operations().values():
        OperationRoute(service, op, authenticated_user).add_to(router)
    return router
