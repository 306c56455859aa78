"""The exception hierarchy: one root, subclasses a caller can act on.

Every error has a stable ``code`` and an HTTP ``status``; the HTTP API sends
``{"code", "message"}`` and the client raises the same class again, so both
modes fail the same way for the same mistake.
"""

from __future__ import annotations

from typing import Any, ClassVar


class TensorBayError(Exception):
    """Root of every error raised by tensorbay-core."""

    code: ClassVar[str] = "InternalServerError"
    status: ClassVar[int] = 500

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        """The body the HTTP API sends for this error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidArgument(TensorBayError, ValueError):
    """A parameter has a wrong value; the message says which and how to fix it."""

    code = "InvalidParamsValue"
    status = 400


class InvalidConfig(InvalidArgument):
    """A storage config is malformed: unknown, missing or mistyped field."""

    code = "InvalidConfig"


class PluginNotFound(InvalidConfig):
    """No installed plugin provides the storage type a config names."""

    code = "PluginNotFound"


class LabelError(InvalidArgument):
    """A label is malformed or does not match its catalog."""

    code = "InvalidLabel"


class StatusError(InvalidArgument):
    """The operation does not fit the client's status (e.g. writing to a commit)."""

    code = "StatusError"


class NotFound(TensorBayError):
    """The named dataset, config, segment, draft, commit or file does not exist."""

    code = "ResourceNotExist"
    status = 404


class AlreadyExists(TensorBayError):
    """The name is taken."""

    code = "NameConflict"
    status = 409


class Conflict(TensorBayError):
    """The resource is in use or in a state that refuses the operation."""

    code = "Conflict"
    status = 409


class AuthenticationError(TensorBayError):
    """The access key (or a storage credential) was not accepted."""

    code = "Unauthorized"
    status = 401


class PermissionDenied(TensorBayError):
    """The caller may not do this."""

    code = "Forbidden"
    status = 403


class StorageError(TensorBayError):
    """The storage backend failed or refused an operation."""

    code = "StorageError"
    status = 502


class InsufficientStorage(StorageError):
    """A disk or quota is full (the metadata database's or the storage's); retrying will not help."""

    code = "InsufficientStorage"
    status = 507


class ServiceUnavailable(TensorBayError):
    """The service cannot answer now (e.g. its database is locked or unreachable); retry later."""

    code = "ServiceUnavailable"
    status = 503


class DataChanged(StorageError):
    """A stored object no longer has the size/etag its version recorded."""

    code = "DataChanged"
    status = 409


class UploadError(TensorBayError):
    """Some files of an upload were not recorded: ``failures`` lists ``(path, reason)`` of
    those sent, ``unsent`` counts those never sent because the upload stopped early."""

    code = "UploadError"
    status = 400

    def __init__(
        self, message: str = "", failures: list[tuple[str, str]] | None = None, unsent: int = 0
    ) -> None:
        super().__init__(message)
        self.failures = list(failures or [])
        self.unsent = unsent


def _all_subclasses(cls: type[TensorBayError]) -> list[type[TensorBayError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_subclasses(sub))
    return found


ERRORS_BY_CODE: dict[str, type[TensorBayError]] = {cls.code: cls for cls in _all_subclasses(TensorBayError)}


def error_from_json(status: int, body: Any) -> TensorBayError:
    """Rebuild the exception an HTTP error body describes."""
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        cls = ERRORS_BY_CODE.get(body["code"], TensorBayError)
        message = str(body.get("message", ""))
    else:
        cls = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound, 409: Conflict}.get(
            status, TensorBayError
        )
        message = f"HTTP {status}: {str(body)[:200]}"
    if cls is UploadError:
        failures = body.get("details", {}).get("failures", []) if isinstance(body, dict) else []
        return UploadError(message, [tuple(f) for f in failures])  # type: ignore[misc]
    err = cls.__new__(cls)
    TensorBayError.__init__(err, message)
    return err
