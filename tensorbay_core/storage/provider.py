"""The ``StorageProvider`` base class: the contract a storage backend implements.

A provider wraps one validated ``StorageConfig`` and an fsspec filesystem. Keys are
relative to the provider's root (a bucket, a container, a local directory) and are
checked by ``clean_key`` before any I/O. The base class gives fsspec-backed defaults,
so a simple provider only declares ``type``, ``fields``, ``root`` and ``make_filesystem``.
"""

from __future__ import annotations

import posixpath
import shutil
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, ClassVar

from fsspec import AbstractFileSystem

from ..errors import (
    AuthenticationError,
    InvalidConfig,
    NotFound,
    PermissionDenied,
    StorageError,
    TensorBayError,
)
from .config import Field, Secret, StorageConfig, validate_values
from .paths import clean_key, clean_prefix, join_key

COPY_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One stored object: key relative to the provider root, size, etag/checksum, mtime."""

    path: str
    size: int
    etag: str
    mtime: float | None = None


class StorageProvider:
    """Base class of every storage backend. Subclass it and register it through the hook."""

    type: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]] = ()
    description: ClassVar[str] = ""
    #: Where the provider's field values are explained for users (shown by ``gas plugins``).
    file_path_help: ClassVar[str] = "a folder inside the bucket where datasets store their data"

    def __init__(self, config: StorageConfig) -> None:
        if config.type != self.type:
            raise InvalidConfig(f"config {config.name!r} is of type {config.type!r}, not {self.type!r}")
        self.config = config
        self._fs: AbstractFileSystem | None = None
        self._fs_lock = threading.Lock()

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_values(cls, name: str, file_path: str, values: Mapping[str, Any]) -> StorageProvider:
        """Validate ``values`` against the field schema and build the provider (no I/O)."""
        checked, secrets = validate_values(cls.type, cls.fields, values)
        config = StorageConfig(cls.type, name, cls.normalize_file_path(file_path), checked, secrets)
        return cls(config)

    @classmethod
    def normalize_file_path(cls, file_path: str) -> str:
        """Check and normalise the config's ``file_path`` (a key prefix inside the root)."""
        try:
            return clean_key(file_path or "", allow_empty=True)
        except TensorBayError as exc:
            raise InvalidConfig(f"file_path: {exc}") from None

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The provider's type, description and field schema."""
        return {
            "type": cls.type,
            "description": cls.description,
            "filePath": cls.file_path_help,
            "fields": [f.describe() for f in cls.fields],
        }

    def value(self, name: str) -> Any:
        """A field's value; secrets revealed. Use only to build backend arguments."""
        raw = self.config.values.get(name)
        return raw.reveal() if isinstance(raw, Secret) else raw

    # -- to implement -----------------------------------------------------------------------

    @property
    def root(self) -> str:
        """The filesystem path every key is confined to (bucket, container, directory)."""
        raise NotImplementedError

    def make_filesystem(self) -> AbstractFileSystem:
        """Build the fsspec filesystem for this config (called once, lazily)."""
        raise NotImplementedError

    # -- defaults ---------------------------------------------------------------------------

    @property
    def dataset_prefix(self) -> str:
        """The key prefix under which datasets on this config keep their objects."""
        return self.config.file_path

    def filesystem(self) -> AbstractFileSystem:
        """The fsspec filesystem: built on first use, thread-safe, cached per provider."""
        if self._fs is None:
            with self._fs_lock:
                if self._fs is None:
                    self._fs = self.make_filesystem()
        return self._fs

    def fs_path(self, key: str) -> str:
        """The filesystem path of ``key``; refuses anything outside the root."""
        cleaned = clean_key(key, allow_empty=True)
        return posixpath.join(self.root, cleaned) if cleaned else self.root

    def key_of(self, fs_path: str) -> str:
        """The key of a filesystem path under the root."""
        root = self.root.rstrip("/")
        fs_path = fs_path.rstrip("/")
        if fs_path == root:
            return ""
        if not fs_path.startswith(root + "/"):
            raise StorageError(f"{fs_path!r} is outside the storage root")
        return fs_path[len(root) + 1 :]

    def secret_values(self) -> list[str]:
        """The plain secret values of this config, so messages can be scrubbed of them."""
        return [v.reveal() for v in self.config.values.values() if isinstance(v, Secret) and v.reveal()]

    def translate_error(self, exc: BaseException, key: str = "") -> TensorBayError:
        """Map a backend exception to the error hierarchy, scrubbed of secrets."""
        if isinstance(exc, TensorBayError):
            return exc
        text = f"{type(exc).__name__}: {exc}"
        for secret in self.secret_values():
            text = text.replace(secret, "********")
        where = f"{key!r} on storage config {self.config.name!r}"
        if isinstance(exc, FileNotFoundError):
            return NotFound(f"{where} does not exist")
        if isinstance(exc, PermissionError):
            return PermissionDenied(f"access to {where} was denied: {text}")
        return StorageError(f"storage operation on {where} failed: {text}")

    def iter_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Stream the objects under ``prefix`` in key order, one directory/page at a time.

        A prefix ending in ``/`` (or empty) names a folder; otherwise keys are filtered by it.
        """
        prefix = clean_prefix(prefix)
        folder = prefix if prefix.endswith("/") or not prefix else posixpath.dirname(prefix)
        fs = self.filesystem()
        try:
            for dirpath, _dirs, files in fs.walk(self.fs_path(folder.rstrip("/")), detail=True):
                base = self.key_of(dirpath)
                for name in sorted(files):
                    info = files[name]
                    key = join_key(base, name)
                    if key.startswith(prefix) and info.get("type", "file") == "file":
                        yield self.object_info(key, info)
        except FileNotFoundError:
            return
        except Exception as exc:
            raise self.translate_error(exc, prefix) from None

    def object_info(self, key: str, info: Mapping[str, Any]) -> ObjectInfo:
        """Build an ``ObjectInfo`` from an fsspec info dict."""
        etag = info.get("ETag") or info.get("etag") or info.get("content_settings", {}) or ""
        if not isinstance(etag, str):
            etag = str(info.get("mtime", ""))
        mtime = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
        stamp = mtime.timestamp() if hasattr(mtime, "timestamp") else mtime
        return ObjectInfo(key, int(info.get("size") or 0), etag.strip('"'), stamp)

    def info(self, key: str) -> ObjectInfo:
        """Size, etag and mtime of one object; ``NotFound`` if it is missing."""
        path = self.fs_path(clean_key(key))
        try:
            info = self.filesystem().info(path)
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        if info.get("type") == "directory":
            raise NotFound(f"{key!r} on storage config {self.config.name!r} is a folder, not a file")
        return self.object_info(clean_key(key), info)

    def exists(self, key: str) -> bool:
        """Whether an object is stored at ``key``."""
        try:
            self.info(key)
        except NotFound:
            return False
        return True

    def open(self, key: str, mode: str = "rb") -> IO[bytes]:
        """Open an object for reading (``rb``) or writing (``wb``)."""
        path = self.fs_path(clean_key(key))
        try:
            return self.filesystem().open(path, mode)
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def put_file(self, local_path: str, key: str) -> ObjectInfo:
        """Upload a local file to ``key`` and return what was stored."""
        path = self.fs_path(clean_key(key))
        try:
            self.filesystem().put_file(local_path, path)
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        return self.info(key)

    def put_stream(self, stream: IO[bytes], key: str) -> ObjectInfo:
        """Write a readable binary stream to ``key`` without a temporary file."""
        with self.open(key, "wb") as out:
            shutil.copyfileobj(stream, out, COPY_CHUNK)
        return self.info(key)

    def copy_scope(self) -> tuple[Any, ...]:
        """Providers with equal scopes can copy between each other server-side."""
        return (self.type, tuple(sorted(self.config.revealed().items())))

    def copy(self, src_key: str, dst_key: str, source: StorageProvider | None = None) -> ObjectInfo:
        """Copy an object to ``dst_key``: server-side when ``source`` shares this scope,
        streamed (never through a temporary file) otherwise."""
        source = source or self
        src, dst = clean_key(src_key), clean_key(dst_key)
        if source is self or source.copy_scope() == self.copy_scope():
            try:
                self.server_side_copy(source.fs_path(src), self.fs_path(dst))
            except Exception as exc:
                raise self.translate_error(exc, f"{src} -> {dst}") from None
            return self.info(dst)
        with source.open(src) as stream:
            return self.put_stream(stream, dst)

    def server_side_copy(self, src_path: str, dst_path: str) -> None:
        """Copy one object inside the backend (filesystem paths, already confined)."""
        self.filesystem().copy(src_path, dst_path)

    def delete(self, key: str) -> None:
        """Delete one object; a missing object is not an error."""
        path = self.fs_path(clean_key(key))
        try:
            self.filesystem().rm_file(path)
        except FileNotFoundError:
            return
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        """A URL that allows ``method`` (GET or PUT) on ``key`` for ``expires`` seconds."""
        method = method.upper()
        if method not in ("GET", "PUT"):
            raise StorageError(f"cannot sign {method!r}: only GET and PUT are supported")
        path = self.fs_path(clean_key(key))
        try:
            if method == "GET":
                return str(self.filesystem().sign(path, expiration=expires))
            raise NotImplementedError(f"{self.type} does not sign PUT URLs")
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def check_connection(self) -> None:
        """Fail now, with a clear error, if the config cannot reach its storage.

        Lists at most one key under the dataset prefix.
        """
        try:
            next(iter(self.iter_objects(self.dataset_prefix + "/" if self.dataset_prefix else "")), None)
        except NotFound as exc:
            raise InvalidConfig(f"storage config {self.config.name!r}: {exc.message}") from None
        except (AuthenticationError, PermissionDenied) as exc:
            raise AuthenticationError(
                f"storage config {self.config.name!r}: credentials were refused: {exc.message}"
            ) from None
        except StorageError as exc:
            raise InvalidConfig(f"storage config {self.config.name!r} cannot reach its storage: {exc.message}") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"
