"""``tb://``: dataset versions as a read-only fsspec filesystem, built on the SDK.

Everything goes through ``GAS``/``DatasetClient``, so embedded mode and a ``gas serve``
behave the same; bytes come from the storage (signed URLs with Range requests, or the
provider in embedded mode), never through the API. Listings stream page by page.

A version named by a branch (or none: the default branch's head) is resolved to its commit
once per filesystem instance, so one instance reads one consistent version;
``invalidate_cache()`` looks again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

from ..client import GAS, DatasetClient, SegmentClient
from ..dataset import RemoteData
from ..errors import NotFound
from .credentials import Credentials
from .location import PROTOCOL, Location, segment_part, strip_protocol

Info = dict[str, Any]


def _directory(name: str) -> Info:
    return {"name": name, "size": 0, "type": "directory"}


def file_info(name: str, data: RemoteData) -> Info:
    """A data's fsspec info: size, SHA-1 ``checksum``, TensorBay JSON ``label``, ``timestamp``."""
    return {
        "name": name,
        "size": data.size,
        "type": "file",
        "checksum": data.checksum,
        "label": data.label.dumps(),
        "timestamp": data.timestamp,
    }


class TensorBayFileSystem(AbstractFileSystem):
    """Read-only view of datasets: ``tb://<dataset>[@<revision>]/<segment>/<remote path>``.

    ``storage_options``: ``access_key`` and ``url`` of a ``gas serve``; else ``profile``
    (a ``gas auth`` profile, default ``default`` if ``~/.gasconfig`` has it); else embedded
    mode, with ``home`` as its ``TENSORBAY_HOME``.
    """

    protocol = (PROTOCOL,)
    root_marker = ""
    #: A connection belongs to the process that opened it: fsspec's instance cache is per
    #: process, and ``_gas`` reconnects after a fork in any case.
    cachable = True

    def __init__(
        self,
        access_key: str | None = None,
        url: str | None = None,
        home: str | None = None,
        profile: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.credentials = Credentials(access_key, url, home, profile)
        self._lock = threading.Lock()
        self._pid = -1
        self._gas_instance: GAS | None = None
        self._clients: dict[str, DatasetClient] = {}

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        return strip_protocol(str(path))

    # -- connecting ---------------------------------------------------------------------

    def _gas(self) -> GAS:
        with self._lock:
            if self._gas_instance is None or self._pid != os.getpid():
                self._gas_instance = self.credentials.connect()
                self._pid = os.getpid()
                self._clients = {}
            return self._gas_instance

    def _dataset(self, where: Location) -> DatasetClient:
        """The client of a dataset at the location's version (resolved once, then cached)."""
        with self._lock:
            client = self._clients.get(where.head)
        if client is None:
            client = self._resolve(where)
            with self._lock:
                self._clients[where.head] = client
        return client

    def _resolve(self, where: Location) -> DatasetClient:
        """A new client of a dataset at the location's version, looked up now."""
        assert where.dataset is not None
        client = self._gas().get_dataset(where.dataset)
        if where.version is not None and where.version.startswith("#"):
            client.checkout(draft_number=int(where.version[1:]))
        elif where.version is not None:
            client.checkout(where.version)
        return client

    def _segment(self, where: Location) -> SegmentClient:
        assert where.segment is not None
        return self._dataset(where).get_segment(where.segment)

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget listings and resolved versions: a branch is looked up again."""
        with self._lock:
            self._clients = {}
        super().invalidate_cache(path)

    # -- listing ------------------------------------------------------------------------

    def _segment_names(self, where: Location) -> list[str]:
        try:
            return self._dataset(where).list_segment_names()
        except NotFound as exc:
            raise FileNotFoundError(f"{where.head}: {exc}") from None

    def iter_files(self, path: str) -> Iterator[Info]:
        """Every file under a path, as ``info`` gives it, streamed page by page in path order:
        nothing is listed before the first file is yielded."""
        return self._files_at(Location.parse(self._strip_protocol(path)))

    def pin(self, path: str) -> str:
        """The path with its version resolved now to a commit id (a draft stays a draft):
        what every worker of a loader reads, whatever happens to the branch meanwhile."""
        name = self._strip_protocol(path)
        where = Location.parse(name)
        if where.dataset is None:
            raise IsADirectoryError("pin needs a dataset: tb://<dataset>[@<revision>]/...")
        try:
            client = self._resolve(where)
        except NotFound as exc:
            raise FileNotFoundError(f"{where.head}: {exc}") from None
        if client.draft_number is not None or client.commit_id is None:
            return str(name)
        return f"{where.dataset}@{client.commit_id}{name[len(where.head) :]}"

    def _files_at(self, where: Location) -> Iterator[Info]:
        """Every file under a location, streamed page by page in path order."""
        if where.dataset is None:
            for name in self._gas().list_dataset_names():
                yield from self._files_at(Location.parse(name))
            return
        if where.segment is None:
            for segment in self._segment_names(where):
                yield from self._files_at(Location.parse(f"{where.head}/{segment_part(segment)}"))
            return
        prefix = f"{where.path}/" if where.path else ""
        # The whole segment is walked: paths are ordered by the database's collation, in
        # which a prefix's paths need not be contiguous, so no jump to the prefix is exact.
        for data in self._segment(where).iter_data():
            if data.path.startswith(prefix):
                yield file_info(where.name(data.path), data)

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        """The children of a path: datasets, segments (the default one as ``.``), then
        files and directory-like prefixes."""
        name = self._strip_protocol(path)
        where = Location.parse(name)
        if where.dataset is None:
            entries = [_directory(n) for n in self._gas().list_dataset_names()]
        elif where.segment is None:
            entries = [_directory(f"{name}/{segment_part(s)}") for s in self._segment_names(where)]
        else:
            entries = self._children(name, where)
        return entries if detail else [e["name"] for e in entries]

    def _children(self, name: str, where: Location) -> list[Info]:
        entries: dict[str, Info] = {}
        depth = name.count("/") + 1
        for info in self._files_at(where):
            parts = info["name"].split("/")
            if len(parts) == depth + 1:
                entries[info["name"]] = info
            else:
                child = "/".join(parts[: depth + 1])
                entries.setdefault(child, _directory(child))
        if not entries:
            info = self.info(name)  # FileNotFoundError if it does not exist
            return [info] if info["type"] == "file" else []
        return list(entries.values())

    def info(self, path: str, **kwargs: Any) -> Info:
        """What a path is; a file's info has ``size``, ``checksum`` (SHA-1) and ``label``."""
        name = self._strip_protocol(path)
        where = Location.parse(name)
        if where.dataset is None:
            return _directory("")
        if where.segment is None:
            self._segment_names(where)
            return _directory(name)
        if not where.path:
            if where.segment not in self._segment_names(where):
                raise FileNotFoundError(name)
            return _directory(name)
        try:
            return file_info(name, self._segment(where).get_data(where.path))
        except NotFound:
            pass
        if next(self._files_at(where), None) is not None:
            return _directory(name)
        raise FileNotFoundError(name)

    def find(
        self,
        path: str,
        maxdepth: int | None = None,
        withdirs: bool = False,
        detail: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Files under a path (and their directories with ``withdirs``), from one streamed
        listing per segment rather than a listing per directory."""
        name = self._strip_protocol(path)
        found: dict[str, Info] = {}
        try:
            top = self.info(name)
        except FileNotFoundError:
            return {} if detail else []
        if top["type"] == "file":
            found[name] = top
        else:
            if withdirs and name:
                found[name] = top
            skip = len(name) + 1 if name else 0
            for info in self._files_at(Location.parse(name)):
                parts = info["name"][skip:].split("/")
                if withdirs:
                    for depth in range(1, len(parts)):
                        if maxdepth is None or depth <= maxdepth:
                            directory = info["name"][:skip] + "/".join(parts[:depth])
                            found.setdefault(directory, _directory(directory))
                if maxdepth is None or len(parts) <= maxdepth:
                    found[info["name"]] = info
        names = sorted(found)
        return {n: found[n] for n in names} if detail else names

    # -- reading ------------------------------------------------------------------------

    def _file_location(self, name: str) -> Location:
        where = Location.parse(name)
        if where.segment is None or not where.path:
            raise IsADirectoryError(name)
        return where

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        """A file's bytes; whole, they are checked by size and SHA-1, a range by the object's etag."""
        name = self._strip_protocol(path)
        where = self._file_location(name)
        segment = self._segment(where)
        try:
            if start is None and end is None:
                with segment.open_data(where.path) as stream:
                    return stream.read()
            if (start or 0) < 0 or (end or 0) < 0:
                size = self.info(name)["size"]
                start = size + start if start is not None and start < 0 else start
                end = size + end if end is not None and end < 0 else end
            return segment.read_data_range(where.path, start or 0, end if end is not None else 2**63)
        except NotFound:
            raise FileNotFoundError(name) from None

    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> TensorBayFile:
        if mode != "rb":
            raise PermissionError(
                "tb:// is read-only; write into a draft with the SDK (gas.upload_dataset or a SegmentClient)"
            )
        info = self.info(path)
        if info["type"] != "file":
            raise IsADirectoryError(path)
        return TensorBayFile(
            self,
            path,
            mode,
            block_size or "default",
            size=info["size"],
            cache_options=cache_options,
            **kwargs,
        )

    def ukey(self, path: str) -> str:
        """The content's SHA-1: the same file in any version has the same key."""
        return str(self.info(path)["checksum"])


class TensorBayFile(AbstractBufferedFile):
    """A data file read in Range requests of ``block_size`` (fsspec buffers and caches them)."""

    fs: TensorBayFileSystem

    def _fetch_range(self, start: int, end: int) -> bytes:
        return self.fs.cat_file(self.path, start, end)
