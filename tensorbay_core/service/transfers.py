"""Moving bytes into and out of datasets: imports from authorized storage, uploads, reads.

Every object written here first gets a claimed, empty place (``objects.Claims``); it is
recorded as live, together with the entries that reference it, in one transaction per
batch and only after its bytes are verified. So a failed or interrupted batch leaves
every recorded entry complete, never lands on anyone's bytes, and can be resumed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, cast

from sqlalchemy import Row, select

from ..errors import DataChanged, InvalidArgument, NotFound, PermissionDenied, TensorBayError
from ..names import check_remote_path, check_segment_name
from ..storage import ObjectInfo, StorageProvider
from ..storage.hashing import HashingReader, VerifyingReader
from ..storage.paths import clean_key
from .entries import EntryOps
from .objects import (
    CLAIM_SECONDS,
    Area,
    Claims,
    Wanted,
    hold_live,
    import_content,
    make_live,
    release,
    upload_content,
)
from .store import entries, now, objects

MAX_BATCH = 1000
_SHA1 = re.compile("[0-9a-f]{40}")
#: How long a signed PUT URL for an upload lives; its claim lapses a little later.
UPLOAD_URL_SECONDS = 3600
UPLOAD_CLAIM_SECONDS = UPLOAD_URL_SECONDS + 600


def _failure(path: str, exc: TensorBayError) -> dict[str, Any]:
    return {"remotePath": path, "status": "failed", "error": exc.message}


def _check_batch(items: list[Any]) -> None:
    if not isinstance(items, list):
        raise InvalidArgument("a batch must be a list of items")
    if len(items) > MAX_BATCH:
        raise InvalidArgument(f"a batch holds at most {MAX_BATCH} items, not {len(items)}")


def _size(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgument(f"{what} must be a non-negative integer, not {value!r}")
    return value


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"timestamp must be a finite number of seconds, not {value!r}")
    return float(value)


def _sha1(value: Any) -> str:
    if not (isinstance(value, str) and _SHA1.fullmatch(value)):
        raise InvalidArgument(f"checksum must be a lowercase SHA-1 hex digest, not {value!r}")
    return value


@dataclass(frozen=True)
class Checked:
    """A data file's object as recorded (once checked, with the etag it has now), and how to
    check a read of it."""

    provider: StorageProvider
    key: str
    size: int
    etag: str
    sha1: str | None
    changed: Callable[[], DataChanged]
    deleted: Callable[[], DataChanged]


@dataclass
class Item:
    """One item of a batch, checked: where it goes, what to record with it."""

    path: str
    label: str
    timestamp: float | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class Planned:
    """A local file of an upload batch: the object that will hold its bytes, either a live
    one that already does (``live``) or a claimed empty place (``object_id`` at ``key``)."""

    item: Item
    sha1: str
    size: int
    key: str
    object_id: int
    live: Row[Any] | None


def _items(batch: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> list[Item]:
    """The batch's items with valid paths, labels and timestamps; the others fail."""
    checked: list[Item] = []
    for raw in batch:
        path = str(raw.get("remotePath", "")) if isinstance(raw, dict) else ""
        try:
            if not isinstance(raw, dict):
                raise InvalidArgument("each item must be an object")
            path = check_remote_path(path)
            if path in results:
                raise InvalidArgument(f"remote path {path!r} appears twice in one batch")
            label = raw.get("label") or {}
            if not isinstance(label, dict):
                raise InvalidArgument("label must be an object")
            checked.append(Item(path, json.dumps(label), _timestamp(raw.get("timestamp")), raw))
            results[path] = {}
        except TensorBayError as exc:
            results[path or f"#{len(results)}"] = _failure(path, exc)
    return checked


def _attempt(
    items: list[Item], results: dict[str, dict[str, Any]], step: Callable[[Item], Any]
) -> list[tuple[Item, Any]]:
    """``step(item)`` for each item; an item whose step raises a ``TensorBayError`` fails
    (recorded in ``results``), the others go on with their step's value."""
    done = []
    for item in items:
        try:
            done.append((item, step(item)))
        except TensorBayError as exc:
            results[item.path] = _failure(item.path, exc)
    return done


def _entry(
    item: Item, key: str, size: int, etag: str, checksum: str, object_id: int | None
) -> dict[str, Any]:
    return {
        "path": item.path,
        "storage_key": key,
        "size": size,
        "etag": etag,
        "checksum": checksum,
        "object_id": object_id,
        "label": item.label,
        "timestamp": item.timestamp,
    }


class TransferOps(EntryOps):
    """Import, upload and read the bytes behind entries."""

    def _target(self, user: int, dataset: str, draft_number: int, segment: str) -> Area:
        """Open-draft check, segment creation, and where the dataset's objects go.

        Reads first: the segment nearly always exists, and a write transaction would
        queue every upload worker on SQLite's write lock.
        """
        check_segment_name(segment)
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            tree_id = self._open_draft(conn, ds, draft_number).tree_id
            if self._has_segment(conn, tree_id, segment):
                return self._area(conn, ds)
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            self._ensure_segment(conn, self._open_draft(conn, ds, draft_number).tree_id, segment)
            return self._area(conn, ds)

    def _existing(
        self, user: int, dataset: str, draft_number: int, segment: str, paths: list[str]
    ) -> dict[str, Row[Any]]:
        """The draft's entries at ``paths``."""
        with self.store.read() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            rows = conn.execute(
                select(entries).where(
                    entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path.in_(paths)
                )
            )
            return {row.path: row for row in rows}

    def _commit_batch(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        segment: str,
        rows: list[dict[str, Any]],
        fresh: dict[int, tuple[ObjectInfo, str | None]],
        results: dict[str, dict[str, Any]],
        before: dict[str, Any],
    ) -> None:
        """Record a batch in one transaction: the claimed objects in ``fresh`` (by id: what
        was stored and its SHA-1) become live, the other objects the entries reference are
        held live, and the entries are written. An entry whose object went away meanwhile
        fails instead (retrying it places the bytes again)."""
        if not rows:
            return
        with self.store.begin() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            usable = make_live(
                conn, {i: (stored.size, stored.etag, sha1) for i, (stored, sha1) in fresh.items()}
            )
            usable |= hold_live(conn, {r["object_id"] for r in rows} - set(fresh) - {None})
            kept = []
            for row in rows:
                if row["object_id"] is None or row["object_id"] in usable:
                    kept.append(row)
                else:
                    gone = TensorBayError("the stored object was removed meanwhile; upload it again")
                    results[row["path"]] = _failure(row["path"], gone)
            replaced = self._record_entries(conn, tree_id, segment, kept, before)
        self._collect(replaced)

    # -- imports ----------------------------------------------------------------------------

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
        size and etag, as listed, spare a request per copy. An object whose key already is
        its target key is referenced in place. Others are copied (server-side where the
        backend can) to ``file_path/segment/remote path`` when that place is free, else to
        a fallback place of the dataset's own; a copy of the same source version the
        dataset already holds is reused instead of copied again. With ``skip_uploaded``,
        entries already recording the same source version are left as they are.
        """
        _check_batch(items)
        area = self._target(user, dataset, draft_number, segment)
        target = area.provider
        source = self.provider_for_config(user, config_name)
        results: dict[str, dict[str, Any]] = {}
        checked = _items(items, results)

        def locate(item: Item) -> tuple[str, ObjectInfo]:
            src_key = clean_key(str(item.raw.get("cloudPath", "")))
            return src_key, self._listed(src_key, item.raw) or source.info(src_key)

        located = _attempt(checked, results, locate)
        old = self._existing(user, dataset, draft_number, segment, [i.path for i, _ in located])
        rows: list[dict[str, Any]] = []
        to_place: list[tuple[Item, str, ObjectInfo, str]] = []
        in_place: list[tuple[Item, str]] = []
        for item, (src_key, src) in located:
            checksum = f"etag:{src.etag}"
            prior = old.get(item.path)
            if skip_uploaded and prior is not None and (prior.size, prior.checksum) == (src.size, checksum):
                results[item.path] = {"remotePath": item.path, "status": "skipped"}
            elif source.place(src_key) == target.place(area.import_key(segment, item.path)):
                in_place.append((item, src_key))
            else:
                to_place.append(
                    (item, src_key, src, import_content(source.place(src_key), src.etag, src.size))
                )
        claims = Claims(area, self.store)
        rows += self._reference_in_place(claims, source, in_place, results)
        with self.store.read() as conn:
            live = claims.live_by_content(conn, (c for *_, c in to_place))
        copies = []
        for item, src_key, src, content in to_place:
            found = live.get(content)
            if found is not None:
                rows.append(
                    _entry(item, found.storage_key, found.size, found.etag, f"etag:{src.etag}", found.id)
                )
                results[item.path] = {"remotePath": item.path, "status": "reused"}
            else:
                copies.append((item, src_key, src, content))
        placed = claims.place_all(
            [Wanted(area.import_key(segment, item.path), content) for item, _, _, content in copies],
            now() + CLAIM_SECONDS,
        )
        fresh: dict[int, tuple[ObjectInfo, str | None]] = {}

        def copy(job: tuple[Item, str, ObjectInfo, str]) -> None:
            item, src_key, src, _content = job
            key, object_id = placed[area.import_key(segment, item.path)]
            stored = target.copy(src_key, key, source, size=src.size)
            if stored.size != src.size:
                raise TensorBayError(f"the copy has {stored.size} bytes, the source {src.size}")
            fresh[object_id] = (stored, stored.sha1)
            rows.append(_entry(item, key, stored.size, stored.etag, f"etag:{src.etag}", object_id))
            results[item.path] = {"remotePath": item.path, "status": "copied"}

        for job in copies:
            try:
                copy(job)
            except TensorBayError as exc:
                results[job[0].path] = _failure(job[0].path, exc)
                self._abandon(area, *placed[area.import_key(segment, job[0].path)])
        before = {path: row.object_id for path, row in old.items()}
        self._commit_batch(user, dataset, draft_number, segment, rows, fresh, results, before)
        return {"results": list(results.values())}

    def _reference_in_place(
        self,
        claims: Claims,
        source: StorageProvider,
        items: list[tuple[Item, str]],
        results: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Entries for objects that already sit at their target key: nothing is copied.

        The object is the user's (no id: never deleted by us) unless we own that place, in
        which case the entry references our object so it is not deleted under it.
        """
        if not items:
            return []
        keys = {item.path: key for item, key in items}
        with self.store.read() as conn:
            owned = claims.at(conn, keys.values())

        def reference(item: Item) -> dict[str, Any]:
            key = keys[item.path]
            row = owned.get(key)
            if row is not None and row.state != "live":
                raise TensorBayError(f"{key!r} is being written or deleted by the service; retry later")
            now_info = source.info(key)  # referenced as it is now: it must be there
            results[item.path] = {"remotePath": item.path, "status": "referenced"}
            object_id = row.id if row is not None else None
            return _entry(item, key, now_info.size, now_info.etag, f"etag:{now_info.etag}", object_id)

        return [entry for _, entry in _attempt([item for item, _ in items], results, reference)]

    def _abandon(self, area: Area, key: str, object_id: int) -> None:
        """Give up a claimed place after a failed write: remove what may have landed there
        (it can only be ours) and drop the claim; if that fails too, the claim lapses and
        the sweep finishes it."""
        try:
            area.provider.delete(key)
            with self.store.begin() as conn:
                release(conn, [object_id])
        except TensorBayError:
            pass

    @staticmethod
    def _listed(key: str, item: dict[str, Any]) -> ObjectInfo | None:
        """The source's size and etag as the client listed them, which spares a HEAD per copy."""
        size, etag = item.get("size"), item.get("etag")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            return None
        return ObjectInfo(key, size, etag) if isinstance(etag, str) and etag else None

    # -- uploads ------------------------------------------------------------------------------

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
        """Where each local file of a batch goes: ``{"remotePath", "key", "status", "url"?, "headers"?}``.

        Each file is ``{"remotePath", "checksum" (SHA-1), "size"}``. A file whose bytes the
        dataset already stores needs no upload (status "stored"); with ``skip_uploaded`` an
        entry with the same path, size and checksum is skipped altogether. The others get a
        claimed, empty place of the dataset's own (status "upload"), and with ``sign`` a
        signed PUT URL for it and the headers the PUT must send (the provider's
        ``signed_put_headers``). Nothing is recorded until ``confirm_uploads``.
        """
        claim_seconds = UPLOAD_CLAIM_SECONDS if sign else CLAIM_SECONDS
        area, results, plans, _ = self._plan_uploads(
            user, dataset, draft_number, files, segment, skip_uploaded, claim_seconds
        )
        for plan in plans:
            path = plan.item.path
            if plan.live is not None:
                results[path] = {"remotePath": path, "key": plan.key, "status": "stored"}
                continue
            upload: dict[str, Any] = {"remotePath": path, "key": plan.key, "status": "upload"}
            if sign:
                upload["url"] = area.provider.sign_url(plan.key, "PUT", UPLOAD_URL_SECONDS)
                upload["headers"] = dict(area.provider.signed_put_headers)
            results[path] = upload
        return {"uploads": list(results.values())}

    def _plan_uploads(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        files: list[dict[str, Any]],
        segment: str,
        skip_uploaded: bool,
        claim_seconds: float,
    ) -> tuple[Area, dict[str, dict[str, Any]], list[Planned], dict[str, Row[Any]]]:
        """The batch's files checked, with for each the live object already holding its bytes
        or a claimed empty place; failed and skipped files are in the results. Also the
        draft's entries at the batch's paths as they were."""
        _check_batch(files)
        area = self._target(user, dataset, draft_number, segment)
        results: dict[str, dict[str, Any]] = {}
        checked = [
            (item, sha1, size)
            for item, (sha1, size) in _attempt(
                _items(files, results),
                results,
                lambda i: (_sha1(i.raw.get("checksum")), _size(i.raw.get("size"), "size")),
            )
        ]
        old = self._existing(user, dataset, draft_number, segment, [i.path for i, _, _ in checked])
        claims = Claims(area, self.store)
        with self.store.read() as conn:
            live = claims.live_by_content(conn, (upload_content(sha1) for _, sha1, _ in checked))
        needed: dict[str, Wanted] = {}
        kept = []
        for item, sha1, size in checked:
            prior = old.get(item.path)
            stored = live.get(upload_content(sha1))
            if skip_uploaded and prior is not None and (prior.checksum, prior.size) == (sha1, size):
                results[item.path] = {"remotePath": item.path, "status": "skipped"}
                continue
            if stored is None or stored.size != size:
                stored = None
                needed.setdefault(sha1, Wanted(area.upload_key(sha1), upload_content(sha1)))
            kept.append((item, sha1, size, stored))
        placed = claims.place_all(list(needed.values()), now() + claim_seconds)
        plans = []
        for item, sha1, size, stored in kept:
            key, object_id = (
                (stored.storage_key, stored.id) if stored is not None else placed[area.upload_key(sha1)]
            )
            plans.append(Planned(item, sha1, size, key, object_id, stored))
            results[item.path] = {}
        return area, results, plans, old

    def upload_local_files(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        files: list[dict[str, Any]],
        segment: str = "",
        skip_uploaded: bool = False,
    ) -> dict[str, Any]:
        """Embedded mode's upload of a batch of local files, in one call: planned as by
        ``prepare_uploads``, each new object written to its claimed place while its bytes
        are hashed, then the batch recorded as by ``confirm_uploads``.

        Each file is a ``prepare_uploads`` file plus ``localPath``, ``label`` and
        ``timestamp``. What is recorded is the SHA-1 and stat of what this call wrote, so
        nothing is looked up or read twice; a file whose bytes changed since the client
        hashed them fails (its place is given up) instead.
        """
        area, results, plans, old = self._plan_uploads(
            user, dataset, draft_number, files, segment, skip_uploaded, CLAIM_SECONDS
        )
        fresh: dict[int, tuple[ObjectInfo, str | None]] = {}
        broken: dict[int, str] = {}
        rows: list[dict[str, Any]] = []
        for plan in plans:
            path = plan.item.path
            if plan.live is None and plan.object_id not in fresh and plan.object_id not in broken:
                try:
                    stored = self._write_claimed(area, plan, str(plan.item.raw.get("localPath", "")))
                    fresh[plan.object_id] = (stored, plan.sha1)
                except TensorBayError as exc:
                    broken[plan.object_id] = exc.message
                except OSError as exc:
                    broken[plan.object_id] = f"{plan.item.raw.get('localPath')}: {exc.strerror or exc}"
            if plan.object_id in broken:
                results[path] = {"remotePath": path, "status": "failed", "error": broken[plan.object_id]}
                continue
            held = fresh[plan.object_id][0] if plan.live is None else plan.live
            rows.append(_entry(plan.item, plan.key, held.size, held.etag, plan.sha1, plan.object_id))
            results[path] = {"remotePath": path, "status": "uploaded"}
        before = {path: row.object_id for path, row in old.items()}
        self._commit_batch(user, dataset, draft_number, segment, rows, fresh, results, before)
        return {"results": list(results.values())}

    def _places(self, user: int, dataset: str, keys: list[str]) -> tuple[Area, dict[str, Row[Any]]]:
        """The dataset's area and, by key, the claims and live objects of this dataset at
        ``keys`` (a key that is neither is missing from the result)."""
        with self.store.read() as conn:
            area = self._area(conn, self._dataset(conn, user, dataset))
            found = Claims(area, self.store).at(conn, keys)
        return area, {
            key: row
            for key, row in found.items()
            if row.dataset_uid == area.dataset_uid and row.state in ("writing", "live")
        }

    def claimed_sha1(self, provider: StorageProvider, key: str) -> str | None:
        """The SHA-1 an upload place was claimed for, if ``key`` is one still waiting for its
        bytes (None otherwise): a signed PUT may write only that, and only there."""
        with self.store.read() as conn:
            content = conn.execute(
                select(objects.c.content).where(
                    objects.c.place == provider.place(key), objects.c.state == "writing"
                )
            ).scalar()
        return content.removeprefix("sha1:") if content and content.startswith("sha1:") else None

    def _write_claimed(self, area: Area, plan: Planned, local_path: str) -> ObjectInfo:
        """Write a local file to its claimed place, hashing it on the way: what was written
        must be the bytes the place was claimed for, else the place is given up."""
        with open(local_path, "rb") as fp:
            reader = HashingReader(fp)
            stored = area.provider.put_stream(cast(IO[bytes], reader), plan.key)
        if reader.hexdigest() != plan.sha1:
            self._abandon(area, plan.key, plan.object_id)
            raise InvalidArgument(f"{local_path!r} changed while it was uploaded; upload it again")
        return stored

    def confirm_uploads(
        self, user: int, dataset: str, draft_number: int, files: list[dict[str, Any]], segment: str = ""
    ) -> dict[str, Any]:
        """Record uploaded files once their bytes are verified.

        Each item is ``{"remotePath", "key", "checksum", "size", "label"?, "timestamp"?}``
        with the key ``prepare_uploads`` gave. The object there must hold exactly the bytes
        of that checksum: the SHA-1 the service computed while writing them, or else of a
        fresh read. Anything else is refused and never recorded.
        """
        _check_batch(files)
        area = self._target(user, dataset, draft_number, segment)
        results: dict[str, dict[str, Any]] = {}
        rows: list[dict[str, Any]] = []
        fresh: dict[int, tuple[ObjectInfo, str | None]] = {}
        parsed = _attempt(
            _items(files, results),
            results,
            lambda i: (
                clean_key(str(i.raw.get("key", ""))),
                _sha1(i.raw.get("checksum")),
                _size(i.raw.get("size"), "size"),
            ),
        )
        _, places = self._places(user, dataset, sorted({key for _, (key, _, _) in parsed}))
        wanted = {item.path: fields for item, fields in parsed}

        def verify(item: Item) -> None:
            key, sha1, size = wanted[item.path]
            row = places.get(key)
            if row is None or row.content != upload_content(sha1):
                raise PermissionDenied(f"{key!r} is not an upload place of this file")
            if row.state == "live":
                rows.append(_entry(item, key, row.size, row.etag, sha1, row.id))
            else:
                if row.id not in fresh:
                    fresh[row.id] = (self._verified(area.provider, key, sha1, size), sha1)
                stored = fresh[row.id][0]
                rows.append(_entry(item, key, stored.size, stored.etag, sha1, row.id))
            results[item.path] = {"remotePath": item.path, "status": "uploaded"}

        _attempt([item for item, _ in parsed], results, verify)
        before = self._entry_objects(user, dataset, draft_number, segment, [r["path"] for r in rows])
        self._commit_batch(user, dataset, draft_number, segment, rows, fresh, results, before)
        return {"results": list(results.values())}

    @staticmethod
    def _verified(provider: StorageProvider, key: str, sha1: str, size: int) -> ObjectInfo:
        """The stored object at a claimed place, if it holds exactly the declared bytes, read
        back and hashed (whoever sent them, the service did not see them pass)."""
        try:
            stored = provider.info(key)
        except NotFound:
            raise InvalidArgument(f"nothing was uploaded to {key!r}") from None
        if stored.size != size:
            raise InvalidArgument(f"the stored object has {stored.size} bytes, the file {size}")
        if provider.content_sha1(key) != sha1:
            raise InvalidArgument(f"the bytes stored at {key!r} are not the file's (SHA-1 differs)")
        return dataclasses.replace(stored, sha1=sha1)

    # -- reads ----------------------------------------------------------------------------------

    def _recorded(self, user: int, dataset: str, path: str, segment: str, version: str | None) -> Checked:
        """A data file's object as it was recorded (nothing asked of the storage yet)."""
        with self.store.read() as conn:
            row = self._entry(conn, user, dataset, segment, path, version)
            provider = self._area(conn, self._dataset(conn, user, dataset)).provider
            sha1 = row.checksum if len(row.checksum) == 40 else None
            if sha1 is None and row.object_id is not None:
                sha1 = conn.execute(select(objects.c.sha1).where(objects.c.id == row.object_id)).scalar()
        where = f"{segment}/{path}" if segment else path

        def changed() -> DataChanged:
            return DataChanged(
                f"the object behind {where} of dataset {dataset!r} changed since it was recorded; "
                "this version can no longer be read byte-exact"
            )

        def deleted() -> DataChanged:
            return DataChanged(f"the object behind {where} of dataset {dataset!r} was deleted")

        return Checked(provider, row.storage_key, row.size, row.etag, sha1, changed, deleted)

    def _checked(self, found: Checked) -> Checked:
        """``found`` if its object still holds the recorded bytes, with the etag it has now.

        The etag and size must match; on a disk where re-reading is cheap, a changed etag
        (a ``touch``, a rewrite with the same bytes) is forgiven when the SHA-1 matches.
        """
        provider = found.provider
        try:
            current = provider.info(found.key)
        except NotFound:
            raise found.deleted() from None
        if current.size != found.size:
            raise found.changed()
        if current.etag != found.etag and not (
            found.sha1 and provider.cheap_reads and provider.content_sha1(found.key) == found.sha1
        ):
            raise found.changed()
        return dataclasses.replace(found, etag=current.etag)

    def _open_checked(self, found: Checked) -> tuple[IO[bytes], Checked]:
        """Open a recorded object, refusing one that is not the recorded one any more.

        Where the opened stream names its object's etag (S3, OSS, Azure: from the request
        that opens it) that is the check, and the storage is asked nothing more; a stream
        that cannot say, or a disk where a changed etag may be forgiven, is checked first.
        """
        provider = found.provider
        if provider.cheap_reads:
            found = self._checked(found)
        try:
            stream = provider.open(found.key)
        except NotFound:
            raise found.deleted() from None
        opened = provider.opened_etag(stream)
        if opened is None and not provider.cheap_reads:
            try:
                found = self._checked(found)
            except BaseException:
                stream.close()
                raise
        elif opened is not None and opened != found.etag:
            stream.close()
            raise found.changed()
        return stream, found

    def open_data(
        self,
        user: int,
        dataset: str,
        path: str,
        segment: str = "",
        version: str | None = None,
    ) -> IO[bytes]:
        """Open a data file; the stream raises ``DataChanged`` rather than deliver bytes that
        are not the recorded ones (an object replaced since, or while it is read)."""
        stream, found = self._open_checked(self._recorded(user, dataset, path, segment, version))
        translate = partial(found.provider.translate_error, key=found.key)
        return cast(IO[bytes], VerifyingReader(stream, found.size, found.sha1, found.changed, translate))

    def read_data_range(
        self, user: int, dataset: str, path: str, segment: str, version: str | None, start: int, end: int
    ) -> bytes:
        """Bytes ``[start, end)`` of a data file (fewer at its end), read from the recorded
        object: checked by its etag as it is opened, since a part has no SHA-1 to match."""
        found = self._recorded(user, dataset, path, segment, version)
        end = min(end, found.size)
        if start >= end:
            return b""
        stream, found = self._open_checked(found)
        try:
            with stream:
                stream.seek(start)
                return stream.read(end - start)
        except TensorBayError:
            raise
        except Exception as exc:
            raise found.provider.translate_error(exc, found.key) from None

    def get_data_url(
        self,
        user: int,
        dataset: str,
        path: str,
        segment: str = "",
        version: str | None = None,
        expires: int = 3600,
    ) -> dict[str, Any]:
        """A signed GET URL of a data file, after checking it is still the recorded object,
        with what a reader checks the download by: ``etag``, ``size`` and (when known) ``sha1``."""
        found = self._checked(self._recorded(user, dataset, path, segment, version))
        url = found.provider.sign_url(found.key, "GET", expires)
        return {"url": url, "etag": found.etag, "size": found.size, "sha1": found.sha1}
