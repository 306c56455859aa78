"""The ``StorageProvider`` base class: the contract a storage backend implements.

A provider wraps one validated ``StorageConfig`` and an fsspec filesystem. Keys are
relative to the provider's root (a bucket, a container, a local directory) and are
checked by ``clean_key`` before any I/O. The base class gives fsspec-backed defaults,
so a simple provider only declares ``type``, ``fields``, ``root`` and ``make_filesystem``.
What a subclass must declare is checked when the class is defined, not at its first I/O.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import os
import posixpath
import shutil
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, ClassVar, cast

from fsspec import AbstractFileSystem
from fsspec.dircache import DirCache

from ..errors import (
    AuthenticationError,
    InsufficientStorage,
    InvalidArgument,
    InvalidConfig,
    NotFound,
    PermissionDenied,
    StorageError,
    TensorBayError,
)
from .config import Field, Secret, StorageConfig, validate_values
from .connection import connection_error
from .hashing import HashingReader, stream_sha1
from .paths import clean_key, clean_prefix, folder_prefix, listable
from .team import TeamContext

COPY_CHUNK = 8 * 1024 * 1024
SIGN_METHODS = ("GET", "PUT")

log = logging.getLogger("tensorbay_core.storage")


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One stored object: key relative to the provider root, size, etag, mtime, and the SHA-1
    of its bytes when the call that wrote it read them anyway (a streamed or local copy)."""

    path: str
    size: int
    etag: str
    mtime: float | None = None
    sha1: str | None = None


def listing_start(prefix: str) -> str:
    """The folder a listing of a clean ``prefix`` starts in: the prefix itself ("a/b/") or its parent."""
    return prefix.rstrip("/") if not prefix or prefix.endswith("/") else posixpath.dirname(prefix)


def folder_may_match(folder: str, prefix: str, start_after: str = "") -> bool:
    """Whether keys under ``folder`` can start with ``prefix`` and sort after ``start_after``,
    so the folder must be listed."""
    head = folder + "/"
    if start_after and head < start_after and not start_after.startswith(head):
        return False
    return head.startswith(prefix) or prefix.startswith(head)


#: The longest a signed URL may live: seven days, the most SigV4 allows, for every provider.
MAX_SIGNED_SECONDS = 7 * 24 * 3600


def check_signing(method: str, expires: int) -> str:
    """The upper-cased ``method`` to sign; ``InvalidArgument`` unless GET/PUT and
    ``0 < expires <= MAX_SIGNED_SECONDS`` (a longer lifetime is refused, not shortened)."""
    upper = method.upper() if isinstance(method, str) else ""
    if upper not in SIGN_METHODS:
        raise InvalidArgument(f"cannot sign {method!r}: only GET and PUT URLs can be signed")
    if not isinstance(expires, int) or isinstance(expires, bool) or expires <= 0:
        raise InvalidArgument(f"expires must be a positive number of seconds, not {expires!r}")
    if expires > MAX_SIGNED_SECONDS:
        raise InvalidArgument(f"expires may be at most {MAX_SIGNED_SECONDS} seconds (7 days), not {expires}")
    return upper


def contract_problems(cls: type[StorageProvider]) -> list[str]:
    """What the provider class ``cls`` lacks or declares wrongly, each with what to do about it."""
    problems = []
    type_name = getattr(cls, "type", None)
    if not isinstance(type_name, str) or not type_name:
        problems.append('set `type` to the storage type users name in a config, e.g. type = "mystore"')
    for member, what in REQUIRED_MEMBERS.items():
        if getattr(cls, member) is getattr(StorageProvider, member):
            problems.append(f"define `{member}`: {what}")
    if not isinstance(cls.fields, tuple) or not all(isinstance(f, Field) for f in cls.fields):
        problems.append("`fields` must be a tuple of `Field`s")
    signs = cls.signs
    if not isinstance(signs, frozenset) or not signs <= set(SIGN_METHODS):
        problems.append('`signs` must be a frozenset of "GET" and "PUT", the methods sign_url signs')
    elif "PUT" in signs and cls.sign_url is StorageProvider.sign_url:
        problems.append('`signs` claims "PUT", but only an overridden `sign_url` can sign PUT URLs')
    headers = cls.signed_put_headers
    if not isinstance(headers, Mapping) or not all(isinstance(v, str) for v in (*headers, *headers.values())):
        problems.append("`signed_put_headers` must map header names to values (str to str)")
    return problems


#: The members every concrete provider defines itself, and what each is.
REQUIRED_MEMBERS = {
    "root": "a property naming the bucket, container or directory every key is confined to",
    "make_filesystem": "a method building this config's fsspec filesystem (import its library inside it)",
}


def private_filesystem(fs: AbstractFileSystem) -> AbstractFileSystem:
    """``fs`` made the provider's own, whatever arguments built it: out of fsspec's instance
    cache (another config must never be handed it), and with its listings cache off (other
    writers, signed PUTs and other processes change the storage; a stale listing would hide
    their objects from ``info`` and ``exists``)."""
    cache = getattr(type(fs), "_cache", None)
    token = getattr(fs, "_fs_token_", None)
    if token is not None and isinstance(cache, MutableMapping) and cache.get(token) is fs:
        cache.pop(token, None)
    if getattr(getattr(fs, "dircache", None), "use_listings_cache", False):
        fs.dircache = DirCache(use_listings_cache=False)
    return fs


class StorageProvider:
    """Base class of every storage backend. Subclass it and register it through the hook.

    A subclass that lacks a required member (``type``, ``root``, ``make_filesystem``) fails
    when it is defined, with a ``TypeError`` saying what to add. A base class meant to be
    subclassed declares itself abstract: ``class Base(StorageProvider, abstract=True)``.
    """

    type: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]] = ()
    description: ClassVar[str] = ""
    #: What ``file_path`` means for this provider (shown by ``gas plugins``).
    file_path_help: ClassVar[str] = "a folder inside the bucket where datasets store their data"
    #: Non-secret fields that say which storage service a config reaches (besides its root);
    #: see ``location``.
    location_fields: ClassVar[tuple[str, ...]] = ("endpoint",)
    #: Whether reading an object back costs little (a local disk): the service then checks a
    #: changed etag against the recorded SHA-1 instead of reporting a change at once.
    cheap_reads: ClassVar[bool] = False
    #: The methods ``sign_url`` signs ("GET", "PUT"). The kit tests each one it names, and
    #: skips the others; an instance may narrow it in ``__init__`` (a config without the
    #: key that signs). The default ``sign_url`` signs GET through fsspec's ``sign``.
    signs: frozenset[str] = frozenset()
    #: Headers an uploader must send with a PUT to a URL from ``sign_url`` (e.g. Azure's blob
    #: type); the core sends exactly these.
    signed_put_headers: ClassVar[Mapping[str, str]] = {}
    #: A text the filesystem reads as a version id when a path contains it (s3fs's
    #: ``?versionId=``): keys containing it are refused and left out of listings.
    version_mark: ClassVar[str] = ""
    #: Whether a config reaches a service over the network: in team mode its connection
    #: errors then read the same whatever the endpoint said (no port scanning through them).
    reaches_network: ClassVar[bool] = True
    #: Whether this class only shares code with providers that subclass it (see the class doc).
    abstract: ClassVar[bool] = True

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = abstract
        if abstract:
            return
        problems = contract_problems(cls)
        if problems:
            raise TypeError(
                f"storage provider {cls.__module__}.{cls.__qualname__} does not meet the provider "
                f"contract: {'; '.join(problems)} (or, for a base class of other providers, "
                f"declare it `class {cls.__name__}(..., abstract=True)`)"
            )

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

    # -- team mode ------------------------------------------------------------------------

    @classmethod
    def for_team(
        cls, file_path: str, values: dict[str, Any], team: TeamContext
    ) -> tuple[str, dict[str, Any]]:
        """The ``file_path`` and values a new config gets on a shared server, before it is
        validated (e.g. a path taken in the user's area, the server's own endpoint). The
        default changes nothing."""
        return file_path, values

    def check_for_team(self, team: TeamContext) -> None:
        """Refuse (``PermissionDenied``) a config that may not be used on this server, when it
        is made and every time it is built from the database. The default refuses nothing."""

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
        """The filesystem path every key is confined to (bucket, container, directory).

        Spell it the way the filesystem's ``ls`` spells paths (no protocol).
        """
        raise NotImplementedError(f"{type(self).__name__} does not define `root`")

    def make_filesystem(self) -> AbstractFileSystem:
        """Build the fsspec filesystem for this config (called once, lazily, by ``filesystem``).

        Import the filesystem's library here, not at module level. The base takes the result
        out of fsspec's instance cache and turns its listings cache off (``private_filesystem``).
        """
        raise NotImplementedError(f"{type(self).__name__} does not define `make_filesystem`")

    def probe_connection(self) -> None:
        """Make the one cheap request that proves the config works; let any failure raise.

        The default: the root must exist as a folder, and the first key under the dataset
        prefix is listed. Object stores override it with a single listing request
        (``MaxKeys=1``). ``check_connection`` maps what it raises (see ``connection``).
        """
        name = self.config.name
        try:
            kind = self.filesystem().info(self.root).get("type")
        except FileNotFoundError:
            raise InvalidConfig(f"storage config {name!r}: {self.root!r} does not exist") from None
        if kind != "directory":
            raise InvalidConfig(f"storage config {name!r}: {self.root!r} is not a bucket or folder")
        next(self.iter_objects(folder_prefix(self.dataset_prefix)), None)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def dataset_prefix(self) -> str:
        """The key prefix under which datasets on this config keep their objects."""
        return self.config.file_path

    def filesystem(self) -> AbstractFileSystem:
        """The fsspec filesystem: built on first use, thread-safe, cached per provider."""
        if self._fs is None:
            with self._fs_lock:
                if self._fs is None:
                    try:
                        self._fs = private_filesystem(self.make_filesystem())
                    except Exception as exc:
                        raise self.translate_error(exc) from None
        return self._fs

    def fs_path(self, key: str) -> str:
        """The filesystem path of ``key``; refuses anything outside the root, and keys the
        filesystem would cut at its ``version_mark``."""
        cleaned = clean_key(key, allow_empty=True)
        if self.version_mark and self.version_mark in cleaned:
            raise InvalidArgument(
                f"storage path {key!r} contains {self.version_mark!r}, which the {self.type} "
                "filesystem reads as a version"
            )
        return posixpath.join(self.root, cleaned) if cleaned else self.root

    def listable(self, key: str) -> bool:
        """Whether a key found in storage is one the contract can name (see ``paths.listable``),
        without the ``version_mark``: listings skip the others."""
        return listable(key) and not (self.version_mark and self.version_mark in key)

    def location(self) -> str:
        """Which storage service this config reaches (an endpoint, an account), normalised so
        that two configs reaching the same service say the same; override to normalise."""
        return ",".join(str(self.config.values.get(name) or "") for name in self.location_fields)

    def place(self, key: str) -> str:
        """The object at ``key`` named so that every config reaching it names it alike
        (type, location, filesystem path): the service's ownership records use it."""
        return f"{self.type}\x1f{self.location()}\x1f{self.fs_path(key)}"

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

    def scrub(self, text: str) -> str:
        """``text`` with every secret value of this config masked."""
        for secret in self.secret_values():
            text = text.replace(secret, "********")
        return text

    def translate_error(self, exc: BaseException, key: str = "") -> TensorBayError:
        """Map a backend exception to the error hierarchy, scrubbed of secrets.

        Override it to recognise the SDK's own errors (``find_cause`` finds one a filesystem
        wrapped), build them with ``refused``, ``denied``, ``missing`` and ``root_missing``,
        and hand the rest to this one.
        """
        if isinstance(exc, TensorBayError):
            return exc
        text = self.scrub(f"{type(exc).__name__}: {exc}")
        log.debug("storage error on %s: %s", self.where(key), text)
        if isinstance(exc, FileNotFoundError | NotADirectoryError):
            return self.missing(key)
        if isinstance(exc, PermissionError):
            return self.denied(key, text)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # Not a StorageError to retry: a full disk stays full until someone frees space.
            return InsufficientStorage(f"no space left for {self.where(key)}: free some and retry")
        return StorageError(f"storage operation on {self.where(key)} failed: {text}")

    def where(self, key: str = "") -> str:
        """Names ``key`` of this config in a message (the config itself without a key)."""
        config = f"storage config {self.config.name!r}"
        return f"{key!r} on {config}" if key else config

    def refused(self, detail: str) -> AuthenticationError:
        """The error for credentials the backend did not accept; ``detail`` says how (a code)."""
        return AuthenticationError(f"{self.where()}: the credentials were refused ({self.scrub(detail)})")

    def denied(self, key: str, detail: str) -> PermissionDenied:
        """The error for valid credentials that may not do what was asked with ``key``."""
        target = f"{key!r} in {self.root!r}" if key else repr(self.root)
        return PermissionDenied(f"{self.where()}: access to {target} was denied ({self.scrub(detail)})")

    def missing(self, key: str) -> NotFound:
        """The error for a key that names no object."""
        return NotFound(f"{self.where(key)} does not exist")

    def root_missing(self) -> NotFound:
        """The error for a bucket, container or directory that does not exist."""
        return NotFound(f"{self.root!r} of {self.where()} does not exist")

    def not_a_file(self, key: str) -> NotFound:
        """The error for a key that names a folder (or anything else but an object)."""
        return NotFound(f"{key!r} on storage config {self.config.name!r} is not a file")

    # -- the contract: fsspec-backed defaults ---------------------------------------------

    def iter_objects(self, prefix: str = "", start_after: str = "") -> Iterator[ObjectInfo]:
        """Stream the objects under ``prefix`` in lexicographic key order.

        A prefix ending in ``/`` (or empty) names a folder; otherwise it filters keys
        ("a/b" matches "a/b.txt" and "a/b/c"). A missing prefix yields nothing. Only keys
        after ``start_after`` come, so a paged listing resumes without re-reading what it
        has seen. The default lists one folder at a time, depth first, and never the whole
        tree, skipping folders that lie wholly before ``start_after``.
        """
        prefix = clean_prefix(prefix)
        return self._walk(listing_start(prefix), prefix, start_after)

    def _walk(self, start: str, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        stack = [iter(self.list_folder(start))]
        while stack:
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
                continue
            key, info = entry
            if info.get("type") == "directory":
                if folder_may_match(key, prefix, start_after):
                    stack.append(iter(self.list_folder(key)))
            elif key.startswith(prefix) and key > start_after:
                yield self.object_info(key, info)

    def list_folder(self, folder: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The direct children of ``folder`` as ``(key, fsspec info)``, ordered so that a
        depth-first walk yields keys in lexicographic order; ``[]`` if it is missing."""
        try:
            entries = self.filesystem().ls(self.fs_path(folder), detail=True)
        except FileNotFoundError:
            return []
        except Exception as exc:
            raise self.translate_error(exc, folder) from None
        children = []
        for info in entries:
            key = self.key_of(info["name"])
            if key == folder or not self.listable(key):
                continue
            children.append((key + "/" if info.get("type") == "directory" else key, key, info))
        children.sort(key=lambda child: child[0])
        return [(key, info) for _, key, info in children]

    def object_info(self, key: str, info: Mapping[str, Any]) -> ObjectInfo:
        """Build an ``ObjectInfo`` from an fsspec info dict.

        Without an ETag from the backend, the etag is derived from size and time, so it
        still changes when the object is replaced.
        """
        times = ("mtime", "LastModified", "last_modified", "created")
        stamp: Any = next((info[k] for k in times if info.get(k)), None)
        if hasattr(stamp, "timestamp"):
            stamp = stamp.timestamp()
        mtime = float(stamp) if isinstance(stamp, int | float) else None
        size = int(info.get("size") or 0)
        etag = next((str(info[k]).strip('"') for k in ("ETag", "etag") if info.get(k)), "")
        if not etag:
            etag = hashlib.sha1(f"{size}:{mtime}".encode()).hexdigest()[:20]
        return ObjectInfo(key, size, etag, mtime)

    def info(self, key: str) -> ObjectInfo:
        """Size, etag and mtime of one object; ``NotFound`` if it is missing."""
        key = clean_key(key)
        try:
            info = self.filesystem().info(self.fs_path(key))
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        if info.get("type", "file") != "file":
            raise self.not_a_file(key)
        return self.object_info(key, info)

    def exists(self, key: str) -> bool:
        """Whether an object is stored at ``key``."""
        try:
            self.info(key)
        except NotFound:
            return False
        return True

    def existing(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` hold an object now, in as few requests as the backend allows.

        The default lists the keys that share the wanted keys' common prefix, from just
        before the first wanted key to the last: one request per 1,000 keys where the backend
        starts listings after a key. Override it where per-key checks are cheaper (a local disk).
        """
        wanted = sorted({clean_key(k) for k in keys})
        if len(wanted) <= 1:
            return {k for k in wanted if self.exists(k)}
        found: set[str] = set()
        for info in self.iter_objects(os.path.commonprefix(wanted), wanted[0][:-1]):  # noqa: RUF071 (a key prefix, not a path)
            if info.path > wanted[-1]:
                break
            found.add(info.path)
        return found & set(wanted)

    def open(self, key: str, mode: str = "rb") -> IO[bytes]:
        """Open an object for reading (``rb``); ``NotFound`` if it is missing.

        ``wb`` works where the backend can write through a file; ``put_stream`` is the
        portable way to write.
        """
        key = clean_key(key)
        if mode not in ("rb", "wb"):
            raise InvalidArgument(f"cannot open a stored object in mode {mode!r}: use 'rb' or 'wb'")
        try:
            return self.filesystem().open(self.fs_path(key), mode)
        except IsADirectoryError:
            raise self.not_a_file(key) from None
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def opened_etag(self, stream: IO[bytes]) -> str | None:
        """The etag of the object a stream from ``open`` reads, as of the open, if the
        backend tells (None: unknown). Override it where the open itself saw the object
        (an open file, a HEAD the SDK made): the service then refuses a stream of an object
        changed since it was recorded, before a byte is read."""
        return None

    def content_sha1(self, key: str) -> str:
        """The SHA-1 of an object's bytes, read through ``open``."""
        with self.open(key) as stream:
            return stream_sha1(stream)

    def put_file(self, local_path: str, key: str) -> ObjectInfo:
        """Upload a local file to ``key`` and return what was stored."""
        key = clean_key(key)
        if not os.path.isfile(local_path):
            raise InvalidArgument(f"{local_path!r} is not a readable local file")
        try:
            self.filesystem().put_file(local_path, self.fs_path(key))
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        return self.info(key)

    def put_stream(self, stream: IO[bytes], key: str) -> ObjectInfo:
        """Write a readable binary stream to ``key`` without a temporary file.

        If reading or writing fails, the partial upload is discarded where the backend
        can (fsspec's ``discard``), not committed.
        """
        key = clean_key(key)
        try:
            out = self.filesystem().open(self.fs_path(key), "wb")
            try:
                shutil.copyfileobj(stream, out, COPY_CHUNK)
            except BaseException:
                getattr(out, "discard", lambda: None)()
                raise
            out.close()
        except Exception as exc:
            raise self.translate_error(exc, key) from None
        return self.info(key)

    def copy_scope(self) -> tuple[Any, ...]:
        """Providers with equal scopes can copy between each other server-side.

        The default: same type and same field values (secrets compare as ``Secret``).
        """
        return (self.type, tuple(sorted(self.config.values.items())))

    def copy(
        self, src_key: str, dst_key: str, source: StorageProvider | None = None, *, size: int | None = None
    ) -> ObjectInfo:
        """Copy an object of ``source`` (default: this provider) to ``dst_key``.

        Server-side when ``source`` shares this scope, streamed (never through a
        temporary file) otherwise. ``size`` is the source's size when the caller already
        knows it (from a listing): a provider may use it to skip a request.
        """
        source = source or self
        src, dst = clean_key(src_key), clean_key(dst_key)
        if source is self or source.copy_scope() == self.copy_scope():
            try:
                self.server_side_copy(source.fs_path(src), self.fs_path(dst))
            except Exception as exc:
                raise self.translate_error(exc, src) from None
            return self.info(dst)
        with source.open(src) as stream:
            reader = HashingReader(stream, partial(source.translate_error, key=src))
            stored = self.put_stream(cast(IO[bytes], reader), dst)
        return dataclasses.replace(stored, sha1=reader.hexdigest())

    def server_side_copy(self, src_path: str, dst_path: str) -> None:
        """Copy one object inside the backend (filesystem paths, already confined)."""
        self.filesystem().cp_file(src_path, dst_path)

    def delete(self, key: str) -> None:
        """Delete one object; a missing object is not an error."""
        key = clean_key(key)
        try:
            self.filesystem().rm_file(self.fs_path(key))
        except FileNotFoundError:
            return
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def signing(self, key: str, method: str, expires: int) -> tuple[str, str]:
        """``(method, key)`` checked for ``sign_url``: ``InvalidArgument`` for a method other
        than GET or PUT, a bad lifetime or a bad key (before any I/O), then ``StorageError``
        for a method this provider does not sign (not in ``signs``)."""
        method = check_signing(method, expires)
        key = clean_key(key)
        if method not in self.signs:
            raise self.cannot_sign(method)
        return method, key

    def cannot_sign(self, method: str) -> StorageError:
        """The error for a method this provider does not sign; override it to say why."""
        return StorageError(
            f"storage config {self.config.name!r} does not sign {method} URLs "
            f"(the {self.type!r} provider's `signs` does not name {method})"
        )

    def sign_url(self, key: str, method: str = "GET", expires: int = 3600) -> str:
        """A URL that allows ``method`` (GET or PUT) on ``key`` for ``expires`` seconds.

        ``StorageError`` for a method not in ``signs``. A PUT to the URL sends the headers
        in ``signed_put_headers``. The default signs GET through fsspec's ``sign``; override
        it for PUT.
        """
        method, key = self.signing(key, method, expires)
        try:
            return str(self.filesystem().sign(self.fs_path(key), expiration=expires))
        except NotImplementedError:
            raise StorageError(f"storage type {self.type!r} cannot sign URLs") from None
        except Exception as exc:
            raise self.translate_error(exc, key) from None

    def check_connection(self) -> None:
        """Fail now, with a clear error, if the config cannot reach its storage.

        Runs ``probe_connection`` and maps its failure by the one policy in ``connection``:
        wrong credentials ``AuthenticationError``, no permission ``PermissionDenied``, a
        missing root or an unreachable endpoint ``InvalidConfig``. Override the probe, not this.
        """
        try:
            self.probe_connection()
        except Exception as exc:
            raise connection_error(self.config.name, self.translate_error(exc)) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"
