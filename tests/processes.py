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
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tensorbay_core.errors import TensorBayError

SPAWN = multiprocessing.get_context("spawn")
#: How long a racer waits at the barrier for the others before the round is declared broken.
BARRIER_SECONDS = 120.0


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


def _run(call: Callable[..., Any], args: tuple[Any, ...], ready: Callable[[], None]) -> Outcome:
    try:
        return Outcome(call(ready, *args))
    except Exception as exc:  # reported to the test, which decides what is acceptable
        return _outcome_of(exc)


def _race(barrier: Any, link: Connection) -> None:
    """A racer's life: run each call it is sent, until it is sent None."""

    def all_ready() -> None:
        barrier.wait(BARRIER_SECONDS)

    while (job := link.recv()) is not None:
        link.send(_run(*job, all_ready))


def _once(link: Connection, call: Callable[..., Any], args: tuple[Any, ...]) -> None:
    link.send(_run(call, args, lambda: None))


class Racers:
    """``count`` spawned processes that make one call each per round, all at once.

    A call is ``call(ready, *args)``: it prepares (connects, reads what it needs), calls
    ``ready()``, which returns once every racer got there, then makes the racing call.
    ``call`` must be a module-level function (it is pickled by name). A round that is
    interrupted (a test timeout) kills the racers: nothing is left running.
    """

    def __init__(self, count: int) -> None:
        barrier = self._barrier = SPAWN.Barrier(count)  # kept: the racers share its semaphores
        self._links: list[Connection] = []
        self._processes: list[BaseProcess] = []
        for _ in range(count):
            here, there = SPAWN.Pipe()
            process = SPAWN.Process(target=_race, args=(barrier, there), daemon=True)
            process.start()
            there.close()
            self._links.append(here)
            self._processes.append(process)

    def race(self, call: Callable[..., Any], args: list[tuple[Any, ...]]) -> list[Outcome]:
        """One round: ``call(ready, *args[i])`` in racer i; the outcomes in the same order."""
        assert len(args) == len(self._links), "one call per racer: the barrier waits for all of them"
        try:
            for link, one in zip(self._links, args, strict=True):
                link.send((call, one))
            return [link.recv() for link in self._links]
        except BaseException:
            self.close(kill=True)
            raise

    def close(self, kill: bool = False) -> None:
        """Stop the racers (``kill``: at once, whatever they are doing)."""
        for link, process in zip(self._links, self._processes, strict=True):
            if kill:
                process.kill()
            else:
                try:
                    link.send(None)
                except OSError:
                    process.kill()
            process.join()
            link.close()


def in_fresh_process(call: Callable[..., Any], *args: Any) -> Outcome:
    """``call(ready, *args)`` in a new spawned process (``ready`` does nothing); killed if the
    wait for it is interrupted."""
    here, there = SPAWN.Pipe(duplex=False)
    process = SPAWN.Process(target=_once, args=(there, call, args), daemon=True)
    process.start()
    there.close()
    try:
        outcome: Outcome = here.recv()
    except BaseException:
        process.kill()
        raise
    finally:
        process.join()
        here.close()
    return outcome
