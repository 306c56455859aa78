"""When the HTTP client tries a request again, how long it waits, and when it gives up.

A request is tried again when its answer was lost or the other side said "not now":

- the connection failed or was reset, before or after the request was sent, or a read
  timed out;
- the response was cut after its headers or in the middle of its body;
- the status is 408, 425, 429, 502, 503 or 504, or a 409 that carries ``Retry-After`` (an
  earlier attempt of the same call is still running on the server); for storage (signed
  URLs), 500 too, which S3 and the other clouds document as transient.

Every other answer is final and raised at once: other 4xx, a 500 of the API (a bug, with a
request id to look up), a 507 (the server's storage is full). Mutating API calls carry an
``Idempotency-Key`` that stays the same across the retries of one call, so the server runs
them once and a retry gets the first attempt's answer.

Waits grow exponentially with full jitter, ``uniform(0, min(CAP, BASE * 2**n))``, or follow
``Retry-After`` (at most CAP). No attempt starts more than ``RETRY_FOR`` seconds after the
first one: an outage longer than that is reported, not waited out.
"""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

import requests

RETRY_STATUSES = frozenset({408, 425, 429, 502, 503, 504})
STORAGE_RETRY_STATUSES = RETRY_STATUSES | {500}
BASE = 0.25
CAP = 8.0
RETRY_FOR = 30.0


def answer_was_lost(exc: BaseException) -> bool:
    """Whether a failed request may be tried again: nothing (whole) came back.

    Certificate errors are final: trying again cannot fix them.
    """
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    lost = requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError
    return isinstance(exc, lost)


def says_retry(response: requests.Response, storage: bool) -> bool:
    """Whether an answer means "try again later"."""
    statuses = STORAGE_RETRY_STATUSES if storage else RETRY_STATUSES
    status = response.status_code
    return status in statuses or (status == 409 and "Retry-After" in response.headers)


def retry_after(response: requests.Response) -> float | None:
    """The wait ``Retry-After`` asks for (seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Retrying:
    """The retries of one call: ``wait()`` sleeps before the next attempt, or says give up."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.started = time.monotonic()
        self.attempts = 1

    def wait(self, asked: float | None = None) -> bool:
        """Sleep before the next attempt (``asked``: the server's ``Retry-After``); False when
        the next attempt would start later than the policy allows."""
        policy = self.policy
        if asked is not None:
            delay = min(policy.cap, asked)
        else:
            delay = random.random() * min(policy.cap, policy.base * 2 ** (self.attempts - 1))
        if time.monotonic() + delay - self.started > policy.retry_for:
            return False
        time.sleep(delay)
        self.attempts += 1
        return True


class RetryPolicy:
    """How long a call is retried (``retry_for`` seconds) and how the waits grow."""

    def __init__(self, retry_for: float = RETRY_FOR, base: float = BASE, cap: float = CAP) -> None:
        self.retry_for = retry_for
        self.base = base
        self.cap = cap

    def start(self) -> Retrying:
        """The retries of a new call."""
        return Retrying(self)
