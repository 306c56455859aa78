"""The one error policy of ``check_connection``, for every provider.

``check_connection`` runs when a config is created, so a mistake in it fails then, with an
error a user can act on, instead of in the middle of an upload. Whatever the backend, the
provider's probe fails and ``translate_error`` maps the failure; then:

=====================================================  ==========================================
what went wrong                                        what ``check_connection`` raises
=====================================================  ==========================================
wrong credentials (unknown key, bad secret, expired)   ``AuthenticationError``
credentials valid but not allowed to list the root     ``PermissionDenied``
the bucket, container or directory does not exist      ``InvalidConfig`` (naming it)
the endpoint cannot be reached, or anything else       ``InvalidConfig`` ("cannot reach its storage")
=====================================================  ==========================================

An unreachable endpoint is an ``InvalidConfig`` because at config time it almost always is
one (a typo in a host or port); the message says "cannot reach", so a passing outage reads
as what it is.
"""

from __future__ import annotations

from ..errors import AuthenticationError, InvalidConfig, NotFound, PermissionDenied, TensorBayError


def connection_error(config_name: str, error: TensorBayError) -> TensorBayError:
    """The error ``check_connection`` raises for ``error``, an already translated probe failure."""
    if isinstance(error, AuthenticationError | PermissionDenied | InvalidConfig):
        return error
    if isinstance(error, NotFound):  # a probe lists: only a missing root is NotFound
        return InvalidConfig(error.message)
    return InvalidConfig(f"storage config {config_name!r} cannot reach its storage: {error.message}")
