"""The built-in ``local`` provider: a directory on this machine.

It is registered through the same hook as third-party plugins. ``file_path`` is the
directory itself; keys (and ``list_auth_data`` paths) are relative to it. Symlinks that
lead outside it are refused (and skipped when listing). Writes are atomic: bytes go to a
hidden temporary file next to the target, renamed into place when complete. When the
config names an ``endpoint`` (where ``gas serve`` serves the directory), ``sign_url``
gives HMAC-signed, expiring URLs; without one (embedded mode), ``file://`` URLs to read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import hmac
import os
import re
import shutil
import stat
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from operator import itemgetter
from typing import IO, Any
from urllib.parse import quote, urlencode, urlsplit

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

from ...errors import InvalidArgument, InvalidConfig, PermissionDenied, StorageError, TensorBayError
from ...storage.config import Field, StorageConfig
from ...storage.hashing import HashingReader
from ...storage.nofollow import open_directory, open_nofollow
from ...storage.paths import clean_key, clean_prefix
from ...storage.provider import ObjectInfo, StorageProvider, folder_may_match, listing_start
from ...storage.team import TeamContext

TMP_MARK = ".tensorbay-partial-"
#: Where ``gas serve`` serves local configs' signed URLs, under its public URL.
STORAGE_ROUTE = "/storage"
#: Bytes per read when copying: small files take one read, and no read allocates more.
LOCAL_CHUNK = 1 << 20
#: Names a listing skips: partial writes, and names no valid key can have (control
#: characters, backslashes, bytes that are not UTF-8).
_UNLISTED = re.compile(r"[\x00-\x1f\x7f\\\udc80-\udcff]|" + re.escape(TMP_MARK))


def _listed(name: str) -> bool:
    """Whether a file or folder name is listed: not ``_UNLISTED``. Tested without the regular
    expression for the usual name (printable, no backslash, no mark), once per name listed."""
    if name.isprintable() and "\\" not in name and TMP_MARK not in name:
        return True
    return not _UNLISTED.search(name)


def checked_endpoint(config_name: str, endpoint: str) -> str:
    """The base URL of a local config's signed URLs, or ``InvalidConfig``.

    TensorBay's SDK names a local storage server as ``host:port``, and ``gas serve`` speaks
    plain HTTP (TLS belongs to a proxy, whose URL carries its own ``https://``), so an
    endpoint without a scheme means ``http://``. What no URL can be built on (another
    scheme, no host, a bad port, a query, a fragment, credentials, spaces) is refused when
    the config is made, instead of turning into links nothing answers. The message never
    echoes the value: a refused endpoint may carry a password.
    """
    url = endpoint if "://" in endpoint else f"http://{endpoint}"
    parts = urlsplit(url)
    try:
        valid_port = parts.port is None or parts.port > 0
    except ValueError:
        valid_port = False
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or not valid_port
        or "@" in parts.netloc
        or re.search(r"[\s\x00-\x1f\x7f?#]", url)
    ):
        raise InvalidConfig(
            f"local config {config_name!r}: endpoint must be the http(s) URL where `gas serve` serves "
            "the directory, e.g. http://127.0.0.1:8866/storage (a bare host:port means http://); "
            "leave it empty in embedded mode"
        )
    return url


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


class LocalProvider(StorageProvider):
    """A directory on a local (or mounted) disk."""

    type = "local"
    description = "A directory on this machine, served over HTTP by `gas serve` at `endpoint`."
    file_path_help = "the absolute path of the directory; list_auth_data paths are relative to it"
    location_fields = ()
    cheap_reads = True
    fields = (
        Field("endpoint", required=False, help="base URL where `gas serve` serves this directory"),
        Field("signing_key", required=False, secret=True, generated=True, help="key for signing URLs"),
    )
    #: It reaches this machine's disk: its errors name the directory, which the user gave.
    reaches_network = False

    #: GET URLs are ``file://`` URLs without an endpoint; with one, both are signed.
    signs = frozenset({"GET"})

    def __init__(self, config: StorageConfig) -> None:
        super().__init__(config)
        self._root = os.path.realpath(config.file_path)
        self._root_fds: list[int] = []
        weakref.finalize(self, _close_all, self._root_fds)
        self._root_lock = threading.Lock()
        if self.value("endpoint"):
            self.signs = frozenset({"GET", "PUT"})

    @classmethod
    def from_values(cls, name: str, file_path: str, values: Mapping[str, Any]) -> StorageProvider:
        """Validate as every provider does, with the endpoint checked (``checked_endpoint``)."""
        endpoint = values.get("endpoint") if isinstance(values, Mapping) else None
        if isinstance(endpoint, str) and endpoint:
            values = {**values, "endpoint": checked_endpoint(name, endpoint)}
        return super().from_values(name, file_path, values)

    # -- team mode: each user's configs in the user's own area ------------------------------

    @classmethod
    def for_team(
        cls, file_path: str, values: dict[str, Any], team: TeamContext
    ) -> tuple[str, dict[str, Any]]:
        """On a shared server a local config is served by the server itself: its endpoint is
        the server's storage route (another is refused), and a relative ``file_path`` is taken
        in the user's first area. The path is stored resolved, so a link swapped in later
        cannot redirect the config."""
        served = team.server_url.rstrip("/") + STORAGE_ROUTE
        given = values.get("endpoint")
        if given and checked_endpoint("", str(given)).rstrip("/") != served:
            raise InvalidConfig(
                f"the endpoint of a local config on this server is {served} (or leave it empty)"
            )
        areas = team.user_areas()
        if isinstance(file_path, str) and file_path and not os.path.isabs(file_path) and areas:
            file_path = os.path.join(areas[0], file_path)
        if isinstance(file_path, str) and file_path:
            file_path = os.path.realpath(file_path)
        return file_path, {**values, "endpoint": served}

    def check_for_team(self, team: TeamContext) -> None:
        """Only a directory in the owner's own area, ``<local-root>/<user>``, is theirs: areas
        of users never overlap, the root belongs to no one, and an area that is itself a
        symlink counts as none (it could lead into someone else's)."""
        for area in team.user_areas():
            inside = self._root == area or self._root.startswith(area + os.sep)
            if inside and os.path.realpath(area) == area:
                return
        where = ", ".join(team.user_areas()) or "(none: the server has no --local-root)"
        raise PermissionDenied(
            f"local storage config {self.config.name!r}: on this server your local configs must lie "
            f"in your own area under a --local-root: {where}"
        )

    @classmethod
    def normalize_file_path(cls, file_path: str) -> str:
        if not isinstance(file_path, str) or not file_path or "\x00" in file_path:
            raise InvalidConfig("file_path of a local config must be a directory path")
        return os.path.abspath(os.path.expanduser(file_path))

    @property
    def root(self) -> str:
        return self._root

    @property
    def dataset_prefix(self) -> str:
        return ""

    def make_filesystem(self) -> AbstractFileSystem:
        return LocalFileSystem()

    def _root_directory(self) -> int:
        """A descriptor of the root, which writes walk down from through no link.

        Kept open across writes (one open less per file), but checked against the path on
        every use: a root removed and made again is reopened (never written into the
        unlinked one, where bytes would vanish), and one swapped for a link is refused. A
        replaced descriptor stays open until the provider goes (another thread may still be
        walking from it; closed, its number could be reused for some other directory).
        """
        with self._root_lock:
            try:
                now = os.lstat(self._root)
                if self._root_fds:
                    held = os.fstat(self._root_fds[-1])
                    if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                        return self._root_fds[-1]
                fd = open_directory(self._root)
            except OSError as exc:
                raise self.translate_error(exc) from None
            self._root_fds.append(fd)
            return fd

    def _inside(self, real: str) -> bool:
        return real == self._root or real.startswith(self._root.rstrip(os.sep) + os.sep)

    def fs_path(self, key: str) -> str:
        """The real path of ``key`` (symlinks resolved); ``PermissionDenied`` if it leads outside."""
        cleaned = clean_key(key, allow_empty=True)
        try:
            real = os.path.realpath(os.path.join(self._root, cleaned)) if cleaned else self._root
        except OSError as exc:  # a link on the way changed while it was resolved
            raise self.translate_error(exc, key) from None
        if not self._inside(real):
            raise self.outside(key)
        return real

    def place(self, key: str) -> str:
        """The object's absolute path under the resolved root (links inside the tree are not
        resolved: naming a place needs no I/O)."""
        return f"{self.type}\x1f\x1f{os.path.join(self._root, clean_key(key))}"

    def _refused(self, exc: OSError, key: str) -> TensorBayError:
        """A failed walk to a key: a link on the way is refused (as leading outside when it
        does); anything else is what it is."""
        parts = clean_key(key).split("/")
        through = [
            p for i in range(1, len(parts)) if os.path.islink(p := os.path.join(self._root, *parts[:i]))
        ]
        if exc.errno == errno.ELOOP or through:
            self.fs_path(key)  # PermissionDenied if the link leads outside
            return PermissionDenied(
                f"{key!r} on storage config {self.config.name!r} is reached through a symbolic link; "
                "objects are never written or deleted through one"
            )
        return self.translate_error(exc, key)

    def outside(self, key: str) -> PermissionDenied:
        """The error for a key whose path leads outside the root."""
        return PermissionDenied(f"{key!r} leads outside the storage root of config {self.config.name!r}")

    @staticmethod
    def info_of(key: str, st: os.stat_result) -> ObjectInfo:
        """The etag is the file's identity and change time: any write, rename-over or
        ``utime`` changes the change time, which no user can set back (unlike the mtime that
        ``cp -p`` and ``rsync -t`` restore)."""
        etag = f"{st.st_dev:x}.{st.st_ino:x}-{st.st_ctime_ns:x}-{st.st_size:x}"
        return ObjectInfo(key, st.st_size, etag, st.st_mtime)

    # -- listing ----------------------------------------------------------------------------

    def iter_objects(self, prefix: str = "", start_after: str = "") -> Iterator[ObjectInfo]:
        prefix = clean_prefix(prefix)
        return self._walk_local(listing_start(prefix), prefix, start_after)

    def _walk_local(self, start: str, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        try:
            first = self.fs_path(start)
        except PermissionDenied:
            return
        if not os.path.isdir(first):
            return
        # Frames of (key prefix, real directory, sorted children); ``active`` holds the
        # real directories being walked, so a symlink back to one of them is not followed.
        stack = [(f"{start}/" if start else "", first, iter(self._children(first, start)))]
        active = {first}
        while stack:
            head, real, children = stack[-1]
            for sort_name, entry in children:
                key = head + entry.name
                if sort_name[-1] == "/":
                    if not folder_may_match(key, prefix, start_after):
                        continue
                    sub = os.path.join(real, entry.name)
                    if entry.is_symlink():
                        sub = os.path.realpath(sub)
                        if not self._inside(sub) or sub in active:
                            continue
                    active.add(sub)
                    stack.append((key + "/", sub, iter(self._children(sub, key))))
                    break
                if not key.startswith(prefix) or key <= start_after:
                    continue
                if entry.is_symlink() and not self._inside(os.path.realpath(entry.path)):
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue  # a dangling symlink, or deleted since the folder was read
                if stat.S_ISREG(st.st_mode):
                    yield self.info_of(key, st)
            else:
                stack.pop()
                active.discard(real)

    def _children(self, directory: str, key: str) -> list[tuple[str, os.DirEntry[str]]]:
        """A folder's entries, sub-folders named with a trailing ``/``, in key order."""
        try:
            with os.scandir(directory) as it:
                entries = [
                    (entry.name + "/" if entry.is_dir() else entry.name, entry)
                    for entry in it
                    if _listed(entry.name)
                ]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise self.translate_error(exc, key) from None
        entries.sort(key=itemgetter(0))
        return entries

    # -- objects ----------------------------------------------------------------------------

    def info(self, key: str) -> ObjectInfo:
        key = clean_key(key)
        try:
            st = os.stat(self.fs_path(key))
        except OSError as exc:
            raise self.translate_error(exc, key) from None
        if not stat.S_ISREG(st.st_mode):
            raise self.not_a_file(key)
        return self.info_of(key, st)

    def open(self, key: str, mode: str = "rb") -> IO[bytes]:
        """Open an object to read, following no symlink: not one that leads outside the
        root, and not one swapped in after ``fs_path`` resolved the path (``PermissionDenied``).

        Most keys hold no link: they are opened by a walk down from the root's descriptor
        alone; only a key that meets a link on the way is resolved first (and then walked
        from ``/``), so a link inside the tree still reads what it leads to."""
        key = clean_key(key)
        if mode != "rb":
            raise InvalidArgument("local objects open only to read; write with put_stream or put_file")
        try:
            fd = open_nofollow(key, base=self._root_directory())
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise self.translate_error(exc, key) from None
            try:
                fd = open_nofollow(self.fs_path(key))
            except OSError as again:
                raise self._refused(again, key) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise self.not_a_file(key)
        return os.fdopen(fd, "rb")

    def _atomic_write(self, key: str, fill: Callable[[IO[bytes]], Any]) -> ObjectInfo:
        """Write ``key`` through ``fill(file)`` into a hidden file, then rename it into place.

        Both happen relative to the key's folder, reached from the root's descriptor through
        no symlink (see ``nofollow``): a write never goes through a link, not even one inside
        the root, and a folder swapped for one is refused (``PermissionDenied``).
        """
        key = clean_key(key)
        folder, name = os.path.split(key)
        tmp = f"{TMP_MARK}{uuid.uuid4().hex}"
        try:
            directory = open_directory(folder, create=True, base=self._root_directory())
        except OSError as exc:
            raise self._refused(exc, key) from None
        done = False
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            with os.fdopen(os.open(tmp, flags, 0o666, dir_fd=directory), "wb") as out:
                fill(out)
            os.replace(tmp, name, src_dir_fd=directory, dst_dir_fd=directory)
            done = True
            st = os.stat(name, dir_fd=directory, follow_symlinks=False)
        except OSError as exc:
            raise self.translate_error(exc, key) from None
        finally:
            if not done:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=directory)
            os.close(directory)
        if not stat.S_ISREG(st.st_mode):
            raise self.not_a_file(key)
        return self.info_of(key, st)

    def put_file(self, local_path: str, key: str) -> ObjectInfo:
        if not os.path.isfile(local_path):
            raise InvalidArgument(f"{local_path!r} is not a readable local file")

        def fill(out: IO[bytes]) -> None:
            with open(local_path, "rb") as source:
                shutil.copyfileobj(source, out, LOCAL_CHUNK)

        return self._atomic_write(key, fill)

    def put_stream(self, stream: IO[bytes], key: str) -> ObjectInfo:
        return self._atomic_write(key, lambda out: shutil.copyfileobj(stream, out, LOCAL_CHUNK))

    def copy(
        self, src_key: str, dst_key: str, source: StorageProvider | None = None, *, size: int | None = None
    ) -> ObjectInfo:
        """Copy the bytes, hashing them on the way (the result carries their SHA-1); any
        other provider streams."""
        if source is not None and not isinstance(source, LocalProvider):
            return super().copy(src_key, dst_key, source, size=size)
        origin = source or self
        with origin.open(src_key) as source_file:
            reader = HashingReader(source_file)
            stored = self._atomic_write(dst_key, lambda out: shutil.copyfileobj(reader, out, LOCAL_CHUNK))
        return dataclasses.replace(stored, sha1=reader.hexdigest())

    def opened_etag(self, stream: IO[bytes]) -> str | None:
        """The open file's own etag (a path may name another file by now)."""
        return self.info_of("", os.fstat(stream.fileno())).etag

    def existing(self, keys: list[str]) -> set[str]:
        """Which keys name anything on disk (a file, a folder, a link, dangling or not): one
        lstat each. (A key through a link is reported by what the link leads to; nothing is
        ever written through one.)"""
        return {key for key in keys if os.path.lexists(os.path.join(self._root, clean_key(key)))}

    def delete(self, key: str) -> None:
        """Remove the file ``key`` names, relative to its folder reached from the root through
        no symlink (a link at the key itself is removed, never what it points to)."""
        folder, name = os.path.split(clean_key(key))
        try:
            directory = open_directory(folder, base=self._root_directory())
        except FileNotFoundError:
            return
        except OSError as exc:
            raise self._refused(exc, key) from None
        try:
            os.unlink(name, dir_fd=directory)
        except (FileNotFoundError, IsADirectoryError):
            return
        except OSError as exc:
            raise self.translate_error(exc, key) from None
        finally:
            os.close(directory)

    # -- signed URLs --------------------------------------------------------------------------

    def _signature(self, key: str, method: str, expires: int) -> str:
        secret = self.value("signing_key")
        if not secret:
            raise StorageError(f"local config {self.config.name!r} has no signing_key to sign URLs with")
        message = f"{method}\n{expires}\n{key}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    def cannot_sign(self, method: str) -> StorageError:
        return StorageError(f"local config {self.config.name!r} has no endpoint to upload through")

    def key_id(self) -> str:
        """Names this config in signed URLs (``kid``) without revealing its signing key."""
        secret = self.value("signing_key") or ""
        return hashlib.sha256(f"{secret}\0{self.root}".encode()).hexdigest()[:16]

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        """A signed URL under ``endpoint``; without one, a ``file://`` URL for GET only."""
        method, key = self.signing(key, method, expires)
        endpoint = self.value("endpoint")
        if not endpoint:
            return "file://" + quote(self.fs_path(key))
        deadline = int(time.time()) + expires
        signature = self._signature(key, method, deadline)
        query = urlencode(
            {"method": method, "expires": deadline, "kid": self.key_id(), "signature": signature}
        )
        return f"{endpoint.rstrip('/')}/{quote(key)}?{query}"

    def verify_signed(self, key: str, method: str, expires: int, signature: str) -> str:
        """Check a signed URL's parameters; return the cleaned key or raise ``PermissionDenied``."""
        key = clean_key(key)
        expected = self._signature(key, method.upper(), expires)
        if expires < time.time() or not hmac.compare_digest(expected, signature):
            raise PermissionDenied("the signed URL is invalid or has expired")
        return key

    def probe_connection(self) -> None:
        """The directory must exist and be readable by this process."""
        name, path = self.config.name, self.config.file_path
        if not os.path.isdir(self._root):
            raise InvalidConfig(f"local config {name!r}: {path!r} does not exist or is not a directory")
        if not os.access(self._root, os.R_OK | os.X_OK):
            raise PermissionDenied(f"local config {name!r}: directory {path!r} is not readable")
