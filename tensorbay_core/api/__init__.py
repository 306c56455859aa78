"""The contract between client and server: operations, their records, wire constants.

It imports nothing of the project but ``errors``, so an HTTP-only client needs none of
the service (SQLAlchemy, cryptography) or the server (FastAPI). See docs/architecture.md.
"""

from .contract import DEFAULT_BRANCH, GasApi
from .operations import Operation, implementation_problems, operations, route

__all__ = ["DEFAULT_BRANCH", "GasApi", "Operation", "implementation_problems", "operations", "route"]
