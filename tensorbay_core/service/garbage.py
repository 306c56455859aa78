"""Removing objects nothing references any more, and finishing what failures left behind.

Called after every change that drops references (deleting data, segments, drafts,
datasets; replacing an entry in a draft). Only objects in the ``objects`` table are ever
deleted, only when no entry of any version references them, and only while their bytes
are still ours (``objects.still_ours``). A delete that cannot reach its storage leaves the
object ``deleting``; ``sweep`` retries it later, together with claims that lapsed and
tombstones old enough to free their place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from ..errors import TensorBayError
from ..storage import StorageProvider
from .base import ServiceBase
from .objects import REUSE_AFTER, chunks, doom, still_ours
from .store import entries, now, objects, storage_configs

log = logging.getLogger("tensorbay_core.service")

SWEEP_LIMIT = 1000


class GarbageOps(ServiceBase):
    """Deletes unreferenced objects we own; never anything else."""

    def _drop_entries(self, conn: Connection, *where: Any) -> list[int]:
        """Delete the entries matching ``where`` (in the caller's transaction); the ids of the
        objects they referenced, for ``_collect`` once the transaction is committed."""
        dropped = list(
            conn.execute(
                select(entries.c.object_id).distinct().where(*where, entries.c.object_id.is_not(None))
            ).scalars()
        )
        conn.execute(delete(entries).where(*where))
        return dropped

    def _object_providers(self, rows: list[Row[Any]]) -> dict[int | None, StorageProvider | None]:
        """The provider that reaches each row's storage (None where it cannot be built)."""
        found: dict[int | None, StorageProvider | None] = {None: self.default_storage}
        wanted = {row.config_id for row in rows} - {None}
        if not wanted:
            return found
        with self.store.read() as conn:
            configs = conn.execute(select(storage_configs).where(storage_configs.c.id.in_(wanted))).all()
            for config in configs:
                try:
                    found[config.id] = self._provider_of_row(conn, config)
                except TensorBayError as exc:
                    log.warning("storage config %r is unavailable, its objects stay: %s", config.name, exc)
        return found

    def _remove(self, rows: list[Row[Any]]) -> int:
        """Delete the bytes of ``deleting`` rows and turn them into tombstones; how many stayed."""
        providers = self._object_providers(rows)
        gone: list[int] = []
        for row in rows:
            provider = providers.get(row.config_id)
            if provider is None:
                continue
            try:
                if still_ours(provider, row):
                    provider.delete(row.storage_key)
                elif provider.exists(row.storage_key):
                    log.warning("object %r changed since we wrote it; left in place", row.storage_key)
            except TensorBayError as exc:
                log.warning("could not delete object %r (retried later): %s", row.storage_key, exc.message)
                continue
            gone.append(row.id)
        for part in chunks(gone):
            with self.store.begin() as conn:
                conn.execute(
                    update(objects)
                    .where(objects.c.id.in_(part), objects.c.state == "deleting")
                    .values(state="deleted", expires_at=now() + REUSE_AFTER)
                )
        return len(rows) - len(gone)

    def _collect(self, object_ids: Iterable[int | None]) -> int:
        """Delete the objects among ``object_ids`` that nothing references; how many could not be."""
        ids = sorted({i for i in object_ids if i is not None})
        left = 0
        for part in chunks(ids):
            with self.store.begin() as conn:
                doomed = doom(conn, part)
            left += self._remove(doomed)
        return left

    def _sweep(self, limit: int = SWEEP_LIMIT, config_id: int | None = None) -> int:
        """Finish lapsed claims and unfinished deletes (of one config's storage, if given), and
        free old tombstones; how many objects stayed."""
        moment = now()
        scope = [] if config_id is None else [objects.c.config_id == config_id]
        with self.store.begin() as conn:
            lapsed = (
                conn.execute(
                    select(objects.c.id)
                    .where(objects.c.state == "writing", objects.c.expires_at < moment, *scope)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            if lapsed:
                conn.execute(update(objects).where(objects.c.id.in_(lapsed)).values(state="deleting"))
            stuck = conn.execute(
                select(objects)
                .where(objects.c.state == "deleting", *scope)
                .order_by(objects.c.id)
                .limit(limit)
            ).all()
            conn.execute(delete(objects).where(objects.c.state == "deleted", objects.c.expires_at < moment))
        return self._remove(list(stuck))
