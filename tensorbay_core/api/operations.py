"""How an operation of the contract travels over HTTP, read off its declaration.

``@route(method, path)`` marks a method of ``GasApi``. Path parameters are ``{name}``
segments; the other parameters travel as the query string (GET, DELETE) or one JSON body
(POST, PUT, PATCH). ``operations()`` lists every declared operation with its parameters and
types, which the HTTP client, the server's routes and the conformance check all read.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """One operation: its name, HTTP method and path, and its declaration."""

    name: str
    method: str
    path: str
    declaration: Callable[..., Any]

    @property
    def path_params(self) -> list[str]:
        """Names of the ``{param}`` segments in the path."""
        return re.findall(r"{(\w+)}", self.path)

    @property
    def params(self) -> list[inspect.Parameter]:
        """The operation's parameters (after ``self``)."""
        return list(inspect.signature(self.declaration).parameters.values())[1:]

    @property
    def hints(self) -> dict[str, Any]:
        """The declared types of the parameters and of ``return``."""
        return typing.get_type_hints(self.declaration)

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.declaration) or ""


def route(method: str, path: str) -> Callable[[F], F]:
    """Declare a ``GasApi`` method as an operation served at ``method path``."""

    def mark(function: F) -> F:
        function.__route__ = (method, path)  # type: ignore[attr-defined]
        return function

    return mark


@cache
def operations() -> dict[str, Operation]:
    """Every operation ``GasApi`` declares, by name."""
    from .contract import GasApi

    found: dict[str, Operation] = {}
    for name, function in vars(GasApi).items():
        marked = getattr(function, "__route__", None)
        if marked:
            found[name] = Operation(name, marked[0], marked[1], function)
    return found


def implementation_problems(cls: type, skip_first: int = 1) -> list[str]:
    """How ``cls`` differs from the contract: a missing operation, or parameters other than
    the declared ones (by name, order and default), ignoring ``skip_first`` leading
    parameters after ``self`` (the service takes the acting user first)."""
    problems = []
    for op in operations().values():
        method = getattr(cls, op.name, None)
        if method is None:
            problems.append(f"{op.name}: missing")
            continue
        have = list(inspect.signature(method).parameters.values())[1 + skip_first :]
        want = op.params
        shape = [(p.name, p.default) for p in have]
        declared = [(p.name, p.default) for p in want]
        if shape != declared:
            problems.append(f"{op.name}: parameters {shape} are not the contract's {declared}")
    return problems
