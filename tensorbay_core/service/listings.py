"""Open listings: a paged listing continues the provider's iterator instead of restarting it.

``list_auth_data`` pages with ``start_after``. Providers resume natively where the backend
can (S3, OSS, local); for the others (Azure) restarting each page would read N²/page
objects. So the page that ends at key K leaves its live iterator here, and the request
for the page after K picks it up. Few, short-lived entries; a miss just restarts.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from itertools import islice

from ..storage import ObjectInfo

MAX_OPEN = 64
IDLE_SECONDS = 300.0


class OpenListings:
    """A bounded, thread-safe LRU of listings waiting for their next page."""

    def __init__(self, max_open: int = MAX_OPEN, idle_seconds: float = IDLE_SECONDS) -> None:
        self._open: OrderedDict[Hashable, tuple[float, Iterator[ObjectInfo]]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_open = max_open
        self._idle = idle_seconds

    def page(
        self, scope: Hashable, start_after: str, limit: int, start: Callable[[], Iterator[ObjectInfo]]
    ) -> list[ObjectInfo]:
        """Up to ``limit`` objects after ``start_after`` in ``scope`` (a provider and prefix)."""
        with self._lock:
            found = self._open.pop((scope, start_after), None)
        listing = found[1] if found and time.monotonic() - found[0] < self._idle else start()
        page = list(islice(listing, limit))
        if len(page) == limit:
            with self._lock:
                self._open[(scope, page[-1].path)] = (time.monotonic(), listing)
                while len(self._open) > self._max_open:
                    self._open.popitem(last=False)
        return page
