"""The built-in ``local`` provider: a directory on this machine.

It is registered through the same hook as third-party plugins. ``file_path`` is the
directory itself; keys (and ``list_auth_data`` paths) are relative to it. Symlinks that
lead outside it are refused. When the config names an ``endpoint`` (where ``gas serve``
serves the directory), ``sign_url`` gives HMAC-signed, expiring URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any
from urllib.parse import quote, urlencode

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

from ..errors import InvalidConfig, NotFound, PermissionDenied, StorageError
from .config import Field
from .hookspecs import hookimpl
from .paths import clean_key, clean_prefix
from .provider import COPY_CHUNK, ObjectInfo, StorageProvider

TMP_MARK = ".tensorbay-partial-"


class LocalProvider(StorageProvider):
    """A directory on a local (or mounted) disk."""

    type = "local"
    description = "A directory on this machine, served over HTTP by `gas serve` at `endpoint`."
    file_path_help = "the absolute path of the directory; list_auth_data paths are relative to it"
    fields = (
        Field("endpoint", required=False, help="base URL where `gas serve` serves this directory"),
        Field("signing_key", required=False, secret=True, help="key for signing URLs (generated if empty)"),
    )

    @classmethod
    def normalize_file_path(cls, file_path: str) -> str:
        if not file_path or "\x00" in file_path:
            raise InvalidConfig("file_path of a local config must be a directory path")
        return os.path.abspath(os.path.expanduser(file_path))

    @property
    def root(self) -> str:
        return os.path.realpath(self.config.file_path)

    @property
    def dataset_prefix(self) -> str:
        return ""

    def make_filesystem(self) -> AbstractFileSystem:
        return LocalFileSystem()

    def fs_path(self, key: str) -> str:
        path = super().fs_path(key)
        real = os.path.realpath(path)
        if real != self.root and not real.startswith(self.root + os.sep):
            raise PermissionDenied(f"{key!r} leads outside the storage root of config {self.config.name!r}")
        return real

    def _info_of(self, key: str, st: os.stat_result) -> ObjectInfo:
        return ObjectInfo(key, st.st_size, f"{st.st_mtime_ns:x}-{st.st_size:x}", st.st_mtime)

    def iter_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        prefix = clean_prefix(prefix)
        folder = prefix if prefix.endswith("/") or not prefix else os.path.dirname(prefix)
        start = self.fs_path(folder.rstrip("/"))
        if not os.path.isdir(start):
            return
        yield from self._walk(start, self.key_of(start), prefix)

    def _walk(self, directory: str, base: str, prefix: str) -> Iterator[ObjectInfo]:
        try:
            with os.scandir(directory) as it:
                entries = sorted(
                    ((e.name + "/" if e.is_dir() else e.name), e) for e in it if TMP_MARK not in e.name
                )
        except OSError as exc:
            raise self.translate_error(exc, base) from None
        for sort_name, entry in entries:
            key = f"{base}/{entry.name}" if base else entry.name
            if not (key.startswith(prefix) or prefix.startswith(key + "/")):
                continue
            path = entry.path
            if entry.is_symlink():
                path = os.path.realpath(entry.path)
                if not path.startswith(self.root + os.sep):
                    continue
            if sort_name.endswith("/"):
                yield from self._walk(path, key, prefix)
            elif key.startswith(prefix):
                st = os.stat(path)
                if stat.S_ISREG(st.st_mode):
                    yield self._info_of(key, st)

    def info(self, key: str) -> ObjectInfo:
        path = self.fs_path(clean_key(key))
        try:
            st = os.stat(path)
        except OSError as exc:
            raise self.translate_error(exc, key) from None
        if not stat.S_ISREG(st.st_mode):
            raise NotFound(f"{key!r} on storage config {self.config.name!r} is not a file")
        return self._info_of(clean_key(key), st)

    def open(self, key: str, mode: str = "rb") -> IO[bytes]:
        if "r" not in mode:
            raise StorageError("write to local storage with put_stream or put_file")
        return super().open(key, mode)

    def _atomic_write(self, key: str, write: Callable[[str], Any]) -> ObjectInfo:
        path = self.fs_path(clean_key(key))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path), f"{TMP_MARK}{uuid.uuid4().hex}")
        try:
            write(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise self.translate_error(exc, key) from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return self.info(key)

    def put_file(self, local_path: str, key: str) -> ObjectInfo:
        return self._atomic_write(key, lambda tmp: shutil.copyfile(local_path, tmp))

    def put_stream(self, stream: IO[bytes], key: str) -> ObjectInfo:
        def write(tmp: str) -> None:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(stream, out, COPY_CHUNK)

        return self._atomic_write(key, write)

    def copy(self, src_key: str, dst_key: str, source: StorageProvider | None = None) -> ObjectInfo:
        if source is None or isinstance(source, LocalProvider):
            src = (source or self).fs_path(clean_key(src_key))
            if not os.path.isfile(src):
                raise NotFound(f"{src_key!r} on storage config {(source or self).config.name!r} does not exist")
            return self._atomic_write(dst_key, lambda tmp: shutil.copy2(src, tmp))
        return super().copy(src_key, dst_key, source)

    def delete(self, key: str) -> None:
        try:
            os.unlink(self.fs_path(clean_key(key)))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise self.translate_error(exc, key) from None

    def _signature(self, key: str, method: str, expires: int) -> str:
        secret = self.value("signing_key")
        if not secret:
            raise StorageError(f"local config {self.config.name!r} has no signing_key to sign URLs with")
        message = f"{method}\n{expires}\n{key}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    def key_id(self) -> str:
        """Names this config in signed URLs (``kid``) without revealing its signing key."""
        secret = self.value("signing_key") or ""
        return hashlib.sha256(f"{secret}\0{self.root}".encode()).hexdigest()[:16]

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        method = method.upper()
        key = clean_key(key)
        endpoint = self.value("endpoint")
        if not endpoint:
            if method != "GET":
                raise StorageError(f"local config {self.config.name!r} has no endpoint to upload through")
            return "file://" + quote(self.fs_path(key))
        deadline = int(time.time()) + int(expires)
        signature = self._signature(key, method, deadline)
        query = urlencode(
            {"method": method, "expires": deadline, "kid": self.key_id(), "signature": signature}
        )
        return f"{endpoint.rstrip('/')}/{quote(key)}?{query}"

    def verify_signed(self, key: str, method: str, expires: int, signature: str) -> str:
        """Check a signed URL's parameters; return the cleaned key or raise ``PermissionDenied``."""
        key = clean_key(key)
        if expires < time.time() or not hmac.compare_digest(self._signature(key, method.upper(), expires), signature):
            raise PermissionDenied("the signed URL is invalid or has expired")
        return key

    def check_connection(self) -> None:
        if not os.path.isdir(self.root):
            raise InvalidConfig(f"local config {self.config.name!r}: directory {self.config.file_path!r} does not exist")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise InvalidConfig(f"local config {self.config.name!r}: directory {self.config.file_path!r} is not readable")


@hookimpl
def register_storage_providers(register: Callable[[type[StorageProvider]], None]) -> None:
    """Register the built-in local provider."""
    register(LocalProvider)
