"""Ownership of stored objects: where a dataset's objects go, claims, reuse, and deletion.

The invariants (DESIGN.md I1-I5) hold because every object the service writes goes
through one life cycle, recorded in the ``objects`` table:

- **writing**: the place is *claimed* before a byte is written. A claim is an insert that
  the database refuses when any row already names the place (another dataset's object, a
  concurrent writer, a tombstone), and a place that holds anything in storage is never
  claimed: the user's files and everything we do not know about stay untouched (I1). The
  claim lapses at ``expires_at``, which no signed URL for it outlives.
- **live**: the bytes are stored and verified (size, and SHA-1 where the service saw or
  re-read them); entries reference the object by id, recorded in the same transaction that
  made it live (I5). A live object is never written again, so every entry pointing to it
  keeps its bytes (I2).
- **deleting**: no entry references it any more; its bytes are being removed.
- **deleted**: a tombstone that keeps the place unclaimable for ``REUSE_AFTER``, so a
  signed URL handed out for the old object can never reach newer bytes there (I4).

Deletes remove only objects in this table, only once nothing references them, and only
while their bytes are still what we wrote (I3). Places are never reused across datasets:
uploads and fallback copies live under the dataset's own random ``uid``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, select, update

from ..errors import NotFound, TensorBayError
from ..storage import MAX_SIGNED_SECONDS, StorageProvider
from ..storage.paths import join_key
from .store import Store, entries, insert_ignoring_conflicts, now, objects

log = logging.getLogger("tensorbay_core.service")

#: How long a claim may stay unfinished when no signed URL was issued for it.
CLAIM_SECONDS = 24 * 3600
#: A deleted object's place stays blocked as long as any signed URL for it may live.
REUSE_AFTER = MAX_SIGNED_SECONDS
#: Rows handled per statement (well under SQLite's limit on bound variables).
CHUNK = 500
UPLOADS_DIR = ".objects"
FALLBACK_DIR = ".v"


def upload_content(sha1: str) -> str:
    """What an uploaded object holds, by the SHA-1 of its bytes."""
    return f"sha1:{sha1}"


def import_content(source_place: str, etag: str, size: int) -> str:
    """What an imported object holds: a copy of one version of one source object."""
    digest = hashlib.sha1(f"{source_place}\n{etag}\n{size}".encode(), usedforsecurity=False).hexdigest()
    return f"src:{digest}"


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Area:
    """Where one dataset's objects go.

    ``home`` is the dataset's own prefix (its uid is in it, so no other dataset ever writes
    there); uploads are stored content-addressed under it. ``import_root`` is where imported
    files land, as ``import_root/segment/path``, when that place is free: a user config's
    ``file_path`` (readable keys in the user's bucket) or ``home`` on the default storage.
    """

    provider: StorageProvider
    config_id: int | None
    dataset_uid: str
    home: str
    import_root: str

    def upload_key(self, sha1: str) -> str:
        """The first-choice place of an uploaded object."""
        return join_key(self.home, UPLOADS_DIR, sha1)

    def import_key(self, segment: str, path: str) -> str:
        """The first-choice place of an imported object."""
        return join_key(self.import_root, segment, path)

    def fallback_key(self, key: str, token: str) -> str:
        """A place for an object whose first choice is taken: under ``home``, in a folder
        named by ``token`` (random, one per batch), keeping the key's own path readable."""
        for root in (self.home, self.import_root):
            if root and key.startswith(root + "/"):
                key = key[len(root) + 1 :]
                break
        return join_key(self.home, FALLBACK_DIR, token, key)


@dataclass(frozen=True)
class Wanted:
    """An object a batch needs a place for."""

    key: str  # first choice
    content: str


class Claims:
    """Claims and look-ups on the ``objects`` table for one dataset's area."""

    def __init__(self, area: Area, store: Store) -> None:
        self.area = area
        self.store = store

    def live_by_content(self, conn: Connection, contents: Iterable[str]) -> dict[str, Row[Any]]:
        """The dataset's live objects that hold one of ``contents``."""
        wanted = sorted(set(contents))
        found: dict[str, Row[Any]] = {}
        for part in chunks(wanted):
            rows = conn.execute(
                select(objects).where(
                    objects.c.dataset_uid == self.area.dataset_uid,
                    objects.c.content.in_(part),
                    objects.c.state == "live",
                )
            )
            for row in rows:
                found.setdefault(row.content, row)
        return found

    def at(self, conn: Connection, keys: Iterable[str]) -> dict[str, Row[Any]]:
        """The rows naming the places of ``keys`` (in this area's storage), by key."""
        by_place = {self.area.provider.place(k): k for k in keys}
        found: dict[str, Row[Any]] = {}
        for part in chunks(sorted(by_place)):
            for row in conn.execute(select(objects).where(objects.c.place.in_(part))):
                found[by_place[row.place]] = row
        return found

    def claim(self, conn: Connection, wanted: list[Wanted], expires_at: float) -> dict[str, int]:
        """Claim the places of ``wanted`` that no row names yet; ``{key: object id}`` of those claimed."""
        provider, area = self.area.provider, self.area
        rows = [
            {
                "place": provider.place(w.key),
                "config_id": area.config_id,
                "storage_key": w.key,
                "dataset_uid": area.dataset_uid,
                "content": w.content,
                "state": "writing",
                "expires_at": expires_at,
                "created_at": now(),
            }
            for w in wanted
        ]
        if not rows:
            return {}
        statement = insert_ignoring_conflicts(conn, objects).returning(objects.c.id, objects.c.storage_key)
        return {row.storage_key: int(row.id) for row in conn.execute(statement, rows)}

    def place_all(self, wanted: list[Wanted], expires_at: float) -> dict[str, tuple[str, int]]:
        """A claimed, empty place for each wanted object: ``{first-choice key: (key, id)}``.

        The first choice when no row names it and nothing is stored there, else a
        fallback under the dataset's home. Runs its own short transactions.
        """
        placed: dict[str, tuple[str, int]] = {}
        pending = {w.key: w for w in wanted}
        fallback = False
        token = secrets.token_hex(6)
        while pending:
            tries = {
                (self.area.fallback_key(key, token) if fallback else key): w for key, w in pending.items()
            }
            with self.store.begin() as conn:
                claimed = self.claim(conn, [Wanted(k, w.content) for k, w in tries.items()], expires_at)
            occupied = self.area.provider.existing(list(claimed)) if claimed else set()
            if occupied:
                with self.store.begin() as conn:
                    release(conn, [claimed[k] for k in occupied])
            for key, w in tries.items():
                if key in claimed and key not in occupied:
                    placed[w.key] = (key, claimed[key])
                    del pending[w.key]
            if fallback and pending:
                raise TensorBayError(f"no free place for {len(pending)} object(s) under {self.area.home!r}")
            fallback = True
        return placed


def release(conn: Connection, ids: list[int]) -> None:
    """Drop claims whose place turned out to be occupied (nothing was written there)."""
    for part in chunks(ids):
        conn.execute(delete(objects).where(objects.c.id.in_(part), objects.c.state == "writing"))


def make_live(conn: Connection, stored: dict[int, tuple[int, str, str | None]]) -> set[int]:
    """Claimed objects whose bytes are stored and verified become live: ``stored`` maps an
    object id to its size, etag and SHA-1. Returns the ids made live (a claim that lapsed
    meanwhile is not)."""
    live: set[int] = set()
    for part in chunks(sorted(stored)):
        done = conn.execute(
            update(objects)
            .where(objects.c.id.in_(part), objects.c.state == "writing")
            .values(state="live")
            .returning(objects.c.id)
        )
        live.update(int(i) for i in done.scalars())
    if live:
        conn.execute(
            update(objects)
            .where(objects.c.id == bindparam("object_id"))
            .values(size=bindparam("size"), etag=bindparam("etag"), sha1=bindparam("sha1")),
            [
                {"object_id": i, "size": stored[i][0], "etag": stored[i][1], "sha1": stored[i][2]}
                for i in live
            ],
        )
    return live


def hold_live(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are live, locked against deletion until the transaction ends."""
    found: set[int] = set()
    for part in chunks(sorted(set(ids))):
        query = select(objects.c.id).where(objects.c.id.in_(part), objects.c.state == "live")
        found.update(int(i) for i in conn.execute(query.with_for_update(read=True)).scalars())
    return found


def unreferenced(conn: Connection, ids: list[int]) -> list[int]:
    """Which of ``ids`` no entry of any tree references."""
    used: set[int] = set()
    for part in chunks(ids):
        used.update(
            int(i)
            for i in conn.execute(
                select(entries.c.object_id).distinct().where(entries.c.object_id.in_(part))
            ).scalars()
        )
    return [i for i in ids if i not in used]


def doom(conn: Connection, ids: list[int]) -> list[Row[Any]]:
    """Mark the live objects among ``ids`` that nothing references as ``deleting``; their rows.

    The rows are locked first, so a writer that holds one (``hold_live``) finishes before
    the reference check; one that comes after sees it is no longer live.
    """
    doomed: list[Row[Any]] = []
    for part in chunks(sorted(set(ids))):
        locked = conn.execute(
            select(objects.c.id).where(objects.c.id.in_(part), objects.c.state == "live").with_for_update()
        ).scalars()
        free = unreferenced(conn, [int(i) for i in locked])
        if free:
            conn.execute(update(objects).where(objects.c.id.in_(free)).values(state="deleting"))
            doomed.extend(conn.execute(select(objects).where(objects.c.id.in_(free))).all())
    return doomed


def still_ours(provider: StorageProvider, row: Row[Any]) -> bool:
    """Whether the bytes at an object's place are still the ones we wrote.

    A place we claimed but never finished holds only what we wrote, if anything. A live
    object must still have its etag, or (where re-reading is cheap) its SHA-1; if someone
    replaced it, it is theirs now and stays.
    """
    if provider.place(row.storage_key) != row.place:
        return False  # the config (or default storage) no longer reaches this place
    try:
        current = provider.info(row.storage_key)
    except NotFound:
        return False
    if row.etag is None:
        return True
    if (current.etag, current.size) == (row.etag, row.size):
        return True
    return bool(row.sha1) and provider.cheap_reads and provider.content_sha1(row.storage_key) == row.sha1
