"""What client and server agree on besides the operations: prefix, headers, limits."""

from __future__ import annotations

#: Where the API lives under a server's URL.
API_PREFIX = "/api/v1"
#: The header carrying the caller's access key.
TOKEN_HEADER = "X-Token"
#: A client-made id per call, logged by the server and echoed in its answer.
REQUEST_ID_HEADER = "X-Request-Id"
#: A client-made key kept across the retries of one mutating call: the server replays the
#: first answer instead of doing the work twice.
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Methods whose parameters travel in the query string; the others send a JSON body.
QUERY_METHODS = ("GET", "DELETE")
#: Entries a list or dict parameter may hold per request (a batch of an upload or import,
#: paths to delete, labels to replace).
MAX_ITEMS = 1000
#: Items a listing answers at most per page.
MAX_PAGE = 1000
