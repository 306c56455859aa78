"""Test code in fresh processes: several at once to race them, or one to look afresh.

Threads of one process share the service's locks and caches (an embedded service queues
its SQLite writers on a lock), so they cannot show what several clients or server
processes do. ``Racers`` keeps N ``spawn``ed processes; each round runs one call in each,
and a barrier lets them all past their setup before any makes the call that races.
``in_fresh_process`` runs one call in a new process (no service, no cache of ours).

A call's result comes back as an ``Outcome``: its value, or what it raised, described by
name and code (exceptions do not reliably survive pickling, and a test must see a 500 as
a 500 whatever the transport).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tensorbay_core.errors import TensorBayError

SPAWN = multiprocessing.get_context("spawn")
#: How long a racer waits at the barrier for the others before the round is declared broken.
BARRIER_SECONDS = 120.0

_barrier: Any = None


@dataclass(frozen=True)
class Outcome:
    """What one call did: ``value`` if it returned, else the error's class name, code and message.

    ``failures`` and ``unsent`` are an ``UploadError``'s: the paths it named, and how many
    files it said were never sent.
    """

    value: Any = None
    error: str = ""
    code: str = ""
    message: str = ""
    failures: tuple[str, ...] = field(default_factory=tuple)
    unsent: int = 0

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def crashed(self) -> bool:
        """A bug's failure: a 500 from the server, or (embedded) an exception that is not one
        of our errors, such as a database ``IntegrityError``."""
        return bool(self.error) and self.code in ("", "InternalServerError")


def _outcome_of(exc: BaseException) -> Outcome:
    code = exc.code if isinstance(exc, TensorBayError) else ""
    failures = tuple(str(path) for path, _ in getattr(exc, "failures", ()))
    message = f"{exc}"[:2000]
    return Outcome(None, type(exc).__name__, str(code), message, failures, int(getattr(exc, "unsent", 0)))


def _keep_barrier(barrier: Any) -> None:
    global _barrier
    _barrier = barrier


def _all_ready() -> None:
    _barrier.wait(BARRIER_SECONDS)


def _run(call: Callable[..., Any], args: tuple[Any, ...], ready: Callable[[], None]) -> Outcome:
    try:
        return Outcome(call(ready, *args))
    except Exception as exc:  # reported to the test, which decides what is acceptable
        return _outcome_of(exc)


def _run_racer(call: Callable[..., Any], args: tuple[Any, ...]) -> Outcome:
    return _run(call, args, _all_ready)


def _run_alone(call: Callable[..., Any], args: tuple[Any, ...]) -> Outcome:
    return _run(call, args, lambda: None)


class Racers:
    """``count`` spawned processes that make one call each per round, all at once.

    A call is ``call(ready, *args)``: it prepares (connects, reads what it needs), calls
    ``ready()``, which returns once every racer got there, then makes the racing call.
    ``call`` must be a module-level function (it is pickled by name).
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool = ProcessPoolExecutor(
            count, mp_context=SPAWN, initializer=_keep_barrier, initargs=(SPAWN.Barrier(count),)
        )

    def race(self, call: Callable[..., Any], args: list[tuple[Any, ...]]) -> list[Outcome]:
        """One round: ``call(ready, *args[i])`` in racer i; the outcomes in the same order."""
        assert len(args) == self.count, "one call per racer: the barrier waits for all of them"
        futures = [self._pool.submit(_run_racer, call, a) for a in args]
        return [f.result() for f in futures]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def in_fresh_process(call: Callable[..., Any], *args: Any) -> Outcome:
    """``call(ready, *args)`` in a new spawned process (``ready`` does nothing)."""
    with ProcessPoolExecutor(1, mp_context=SPAWN) as pool:
        return pool.submit(_run_alone, call, args).result()
