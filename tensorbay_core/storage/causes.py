"""Finding a backend SDK's own error behind the exception a filesystem raised.

fsspec implementations re-raise an SDK's error as an ``OSError`` (s3fs, adlfs, ossfs) and
keep the original as its cause or context; a provider's ``translate_error`` looks through
that chain for the SDK's error to read its code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, overload

E = TypeVar("E", bound=BaseException)

#: How far down a chain to look: a wrapper of a wrapper of the SDK's error is as deep as they go.
CHAIN_DEPTH = 8


@overload
def find_cause(exc: BaseException, match: type[E]) -> E | None: ...


@overload
def find_cause(exc: BaseException, match: Callable[[BaseException], bool]) -> BaseException | None: ...


def find_cause(
    exc: BaseException, match: type[BaseException] | Callable[[BaseException], bool]
) -> BaseException | None:
    """The first of ``exc``, its cause (or context), their cause, ... that is an instance of
    ``match`` (a class) or for which ``match(e)`` is true; None if none within a few links."""
    test = (lambda e: isinstance(e, match)) if isinstance(match, type) else match
    seen: BaseException | None = exc
    for _ in range(CHAIN_DEPTH):
        if seen is None:
            return None
        if test(seen):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
