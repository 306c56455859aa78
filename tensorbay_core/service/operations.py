"""The service's operations: one declaration each, served in-process and over HTTP.

``@operation(method, path)`` marks a ``Service`` method. The embedded transport calls the
method directly; the HTTP server builds a route from the same declaration, and the HTTP
transport builds the request from it. Path parameters are ``{name}`` segments; other
parameters travel as query (GET/DELETE) or JSON body (POST/PUT/PATCH).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """How one service method is exposed."""

    name: str
    method: str
    path: str
    function: Callable[..., Any]

    @property
    def path_params(self) -> list[str]:
        """Names of the ``{param}`` segments in the path."""
        return re.findall(r"{(\w+)}", self.path)

    @property
    def params(self) -> list[inspect.Parameter]:
        """The method's parameters after ``self`` and ``user``."""
        return list(inspect.signature(self.function).parameters.values())[2:]


def operation(method: str, path: str) -> Callable[[F], F]:
    """Declare a ``Service`` method as an API operation."""

    def mark(function: F) -> F:
        function.__operation__ = (method, path)  # type: ignore[attr-defined]
        return function

    return mark


def collect_operations(cls: type) -> dict[str, Operation]:
    """Every operation a service class declares, by name."""
    found: dict[str, Operation] = {}
    for name, function in inspect.getmembers(cls, inspect.isfunction):
        marked = getattr(function, "__operation__", None)
        if marked:
            found[name] = Operation(name, marked[0], marked[1], function)
    return found
