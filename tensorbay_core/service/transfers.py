"""Moving bytes into and out of datasets: imports from authorized storage, uploads, reads.

Entries are recorded only after their object is in place, one transaction per batch, so
a failed or interrupted upload leaves every recorded entry complete and can be resumed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import Row, select

from ..errors import DataChanged, InvalidArgument, NotFound, PermissionDenied, StorageError, TensorBayError
from ..storage import ObjectInfo, StorageProvider
from ..storage.paths import clean_key, join_key
from .base import ServiceBase
from .entries import EntryOps, check_remote_path, check_segment_name
from .operations import operation
from .store import entries

OBJECTS_DIR = ".objects"
MAX_BATCH = 1000


def _failure(path: str, exc: BaseException) -> dict[str, Any]:
    message = exc.message if isinstance(exc, TensorBayError) else f"{type(exc).__name__}: {exc}"
    return {"remotePath": path, "status": "failed", "error": message}


def _each(
    items: list[dict[str, Any]], handle: Callable[[dict[str, Any], str], dict[str, Any]]
) -> list[dict[str, Any]]:
    """``handle(item, remote_path)`` for each item of a batch; a failing item becomes a
    ``failed`` result and the others go on."""
    results = []
    for item in items:
        path = str(item.get("remotePath", ""))
        try:
            results.append(handle(item, check_remote_path(path)))
        except TensorBayError as exc:
            results.append(_failure(path, exc))
    return results


def _check_batch(items: list[Any]) -> None:
    if len(items) > MAX_BATCH:
        raise InvalidArgument(f"a batch holds at most {MAX_BATCH} items, not {len(items)}")


class TransferOps(EntryOps, ServiceBase):
    """Import, upload and read the bytes behind entries."""

    def _target(
        self, user: int, dataset: str, draft_number: int, segment: str
    ) -> tuple[StorageProvider, str]:
        """Open-draft check, segment creation, and the dataset's provider and prefix.

        Reads first: the segment nearly always exists, and a write transaction would
        queue every upload worker on SQLite's write lock.
        """
        check_segment_name(segment)
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            tree_id = self._open_draft(conn, ds, draft_number).tree_id
            if self._has_segment(conn, tree_id, segment):
                return self._dataset_storage(conn, ds)
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            tree_id = self._open_draft(conn, ds, draft_number).tree_id
            self._ensure_segment(conn, tree_id, segment)
            return self._dataset_storage(conn, ds)

    def _existing(
        self, user: int, dataset: str, draft_number: int, segment: str, paths: list[str]
    ) -> dict[str, Row[Any]]:
        with self.store.read() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            rows = conn.execute(
                select(entries).where(
                    entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path.in_(paths)
                )
            )
            return {row.path: row for row in rows}

    def _record(
        self, user: int, dataset: str, draft_number: int, segment: str, rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        with self.store.begin() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            conn.execute(
                entries.delete().where(
                    entries.c.tree_id == tree_id,
                    entries.c.segment == segment,
                    entries.c.path.in_([r["path"] for r in rows]),
                )
            )
            conn.execute(entries.insert(), [{**r, "tree_id": tree_id, "segment": segment} for r in rows])

    @staticmethod
    def _row(
        path: str, key: str, stored: ObjectInfo, checksum: str, owned: bool, item: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "path": path,
            "storage_key": key,
            "size": stored.size,
            "etag": stored.etag,
            "checksum": checksum,
            "owned": owned,
            "label": json.dumps(item.get("label") or {}),
            "timestamp": item.get("timestamp"),
        }

    @operation("POST", "/datasets/{dataset}/imports")
    def import_auth_data(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        config_name: str,
        items: list[dict[str, Any]],
        segment: str = "",
        skip_uploaded: bool = False,
    ) -> dict[str, Any]:
        """Import a batch of objects from an authorized storage config into a draft.

        Each item is ``{"cloudPath", "remotePath", "label"?, "timestamp"?, "size"?, "etag"?}``;
        size and etag, as listed, spare a request per copy. An object whose
        key already is its target key is referenced in place; others are copied server-side
        (streamed across backends). With ``skip_uploaded``, entries already holding the same
        source object, and targets already holding its bytes, are not copied again.
        """
        _check_batch(items)
        target, prefix = self._target(user, dataset, draft_number, segment)
        source = self.provider_for_config(user, config_name)
        same_scope = source is target or source.copy_scope() == target.copy_scope()
        existing = self._existing(
            user, dataset, draft_number, segment, [str(i.get("remotePath")) for i in items]
        )
        rows: list[dict[str, Any]] = []

        def handle(item: dict[str, Any], path: str) -> dict[str, Any]:
            src_key = clean_key(str(item.get("cloudPath", "")))
            src = self._listed(src_key, item) or source.info(src_key)
            checksum = f"etag:{src.etag}"
            old = existing.get(path)
            if skip_uploaded and old is not None and old.size == src.size and old.checksum == checksum:
                return {"remotePath": path, "status": "skipped"}
            key = join_key(prefix, segment, path)
            if same_scope and source.fs_path(src_key) == target.fs_path(key):
                src = source.info(src_key)  # referenced in place: it must be there now
                rows.append(self._row(path, key, src, f"etag:{src.etag}", False, item))
                return {"remotePath": path, "status": "referenced"}
            stored = self._already_copied(target, key, src) if skip_uploaded else None
            stored = stored or target.copy(src_key, key, source, size=src.size)
            rows.append(self._row(path, key, stored, checksum, True, item))
            return {"remotePath": path, "status": "copied"}

        results = _each(items, handle)
        self._record(user, dataset, draft_number, segment, rows)
        return {"results": results}

    @staticmethod
    def _listed(key: str, item: dict[str, Any]) -> ObjectInfo | None:
        """The source's size and etag as the client listed them, which spares a HEAD per copy."""
        size, etag = item.get("size"), item.get("etag")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            return None
        return ObjectInfo(key, size, etag) if isinstance(etag, str) and etag else None

    @staticmethod
    def _already_copied(target: StorageProvider, key: str, src: ObjectInfo) -> ObjectInfo | None:
        try:
            stored = target.info(key)
        except NotFound:
            return None
        return stored if stored.size == src.size and stored.etag == src.etag else None

    def _object_key(self, prefix: str, checksum: str) -> str:
        if not (
            isinstance(checksum, str)
            and len(checksum) == 40
            and all(c in "0123456789abcdef" for c in checksum)
        ):
            raise InvalidArgument(f"checksum must be a lowercase SHA-1 hex digest, not {checksum!r}")
        return join_key(prefix, OBJECTS_DIR, checksum)

    @operation("POST", "/datasets/{dataset}/uploads")
    def prepare_uploads(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        files: list[dict[str, Any]],
        segment: str = "",
        skip_uploaded: bool = False,
        sign: bool = False,
    ) -> dict[str, Any]:
        """Where each local file of a batch goes: ``{"remotePath", "key", "status", "url"?}``.

        Objects are content-addressed, so a file whose bytes are stored already needs no
        upload (``status`` "stored"); with ``skip_uploaded`` an entry with the same path and
        checksum is skipped altogether. ``sign`` adds a signed PUT URL for the others.
        """
        _check_batch(files)
        target, prefix = self._target(user, dataset, draft_number, segment)
        existing = self._existing(
            user, dataset, draft_number, segment, [str(f.get("remotePath")) for f in files]
        )

        def handle(item: dict[str, Any], path: str) -> dict[str, Any]:
            key = self._object_key(prefix, item.get("checksum", ""))
            old = existing.get(path)
            if (
                skip_uploaded
                and old is not None
                and (old.checksum, old.size) == (item["checksum"], item.get("size"))
            ):
                return {"remotePath": path, "key": key, "status": "skipped"}
            try:
                stored = target.info(key).size == item.get("size")
            except NotFound:
                stored = False
            upload: dict[str, Any] = {
                "remotePath": path,
                "key": key,
                "status": "stored" if stored else "upload",
            }
            if sign and not stored:
                upload["url"] = target.sign_url(key, "PUT", 3600)
            return upload

        return {"uploads": _each(files, handle)}

    def store_object(self, user: int, dataset: str, key: str, local_path: str) -> None:
        """Write a local file to a key ``prepare_uploads`` gave (embedded mode's data path)."""
        error = self.store_objects(user, dataset, [(key, local_path)])[0]
        if error is not None:
            raise StorageError(error)

    def store_objects(self, user: int, dataset: str, files: list[tuple[str, str]]) -> list[str | None]:
        """``store_object`` for a batch of ``(key, local_path)``; per file, an error or None."""
        if not files:
            return []
        with self.store.read() as conn:
            target, prefix = self._dataset_storage(conn, self._dataset(conn, user, dataset))
        area = join_key(prefix, OBJECTS_DIR) + "/"
        errors: list[str | None] = []
        for key, local_path in files:
            try:
                if not clean_key(key).startswith(area):
                    raise PermissionDenied(f"{key!r} is not an upload key of dataset {dataset!r}")
                target.put_file(local_path, key)
                errors.append(None)
            except TensorBayError as exc:
                errors.append(exc.message)
            except OSError as exc:
                errors.append(f"{local_path}: {exc.strerror or exc}")
        return errors

    @operation("POST", "/datasets/{dataset}/uploads/confirm")
    def confirm_uploads(
        self, user: int, dataset: str, draft_number: int, files: list[dict[str, Any]], segment: str = ""
    ) -> dict[str, Any]:
        """Record uploaded files after checking each object is stored with the right size.

        Each item is ``{"remotePath", "checksum", "size", "label"?, "timestamp"?}``.
        """
        _check_batch(files)
        target, prefix = self._target(user, dataset, draft_number, segment)
        rows: list[dict[str, Any]] = []

        def handle(item: dict[str, Any], path: str) -> dict[str, Any]:
            key = self._object_key(prefix, item.get("checksum", ""))
            stored = target.info(key)
            if stored.size != item.get("size"):
                raise InvalidArgument(f"stored object has {stored.size} bytes, expected {item.get('size')}")
            rows.append(self._row(path, key, stored, item["checksum"], True, item))
            return {"remotePath": path, "status": "uploaded"}

        results = _each(files, handle)
        self._record(user, dataset, draft_number, segment, rows)
        return {"results": results}

    def _checked_object(
        self, user: int, dataset: str, path: str, segment: str, commit: str | None, draft_number: int | None
    ) -> tuple[StorageProvider, str]:
        with self.store.read() as conn:
            row = self._entry(conn, user, dataset, segment, path, commit, draft_number)
            provider, _prefix = self._dataset_storage(conn, self._dataset(conn, user, dataset))
        try:
            now = provider.info(row.storage_key)
        except NotFound:
            raise DataChanged(
                f"the object behind {segment}/{path} of dataset {dataset!r} was deleted"
            ) from None
        if now.size != row.size or now.etag != row.etag:
            raise DataChanged(
                f"the object behind {segment}/{path} of dataset {dataset!r} changed since it was recorded "
                f"(size {row.size} -> {now.size}); this version can no longer be read byte-exact"
            )
        return provider, row.storage_key

    def open_data(
        self,
        user: int,
        dataset: str,
        path: str,
        segment: str = "",
        commit: str | None = None,
        draft_number: int | None = None,
    ) -> IO[bytes]:
        """Open a data file for reading after checking it is still the recorded object."""
        provider, key = self._checked_object(user, dataset, path, segment, commit, draft_number)
        return provider.open(key)

    @operation("GET", "/datasets/{dataset}/data/url")
    def get_data_url(
        self,
        user: int,
        dataset: str,
        path: str,
        segment: str = "",
        commit: str | None = None,
        draft_number: int | None = None,
        expires: int = 3600,
    ) -> dict[str, str]:
        """A signed GET URL of a data file, after checking it is still the recorded object."""
        provider, key = self._checked_object(user, dataset, path, segment, commit, draft_number)
        return {"url": provider.sign_url(key, "GET", expires)}
