"""Dataset operations: create, get, list, rename, update, delete."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExists, TensorBayError
from ..names import check_name
from .base import DEFAULT_BRANCH
from .configs import page_limit
from .garbage import GarbageOps
from .objects import CHUNK
from .store import branches, datasets, inserted_id, now, objects, storage_configs


class DatasetOps(GarbageOps):
    """Operations on a user's datasets."""

    def _describe(self, conn: Connection, ds: Row[Any]) -> dict[str, Any]:
        config_name = None
        if ds.config_id is not None:
            config_name = conn.execute(
                select(storage_configs.c.name).where(storage_configs.c.id == ds.config_id)
            ).scalar_one()
        return {
            "id": ds.uid,
            "name": ds.name,
            "alias": ds.alias,
            "configName": config_name,
            "defaultBranch": DEFAULT_BRANCH,
            "commitId": self._resolve_commit(conn, ds, None),
        }

    def create_dataset(
        self, user: int, name: str, config_name: str | None = None, alias: str = ""
    ) -> dict[str, Any]:
        """Create an empty dataset on the default storage or on a named config."""
        check_name("dataset", name)
        with self.store.begin() as conn:
            config_id = None
            if config_name:
                config = self._config_row(conn, user, config_name)
                self._provider_of_row(conn, config)  # its plugin must be installed to store anything
                config_id = config.id
            try:
                ds_id = inserted_id(
                    conn.execute(
                        datasets.insert().values(
                            owner_id=user,
                            name=name,
                            alias=alias or "",
                            config_id=config_id,
                            uid=uuid.uuid4().hex,
                            created_at=now(),
                        )
                    )
                )
            except IntegrityError:
                raise AlreadyExists(f"dataset {name!r} already exists") from None
            conn.execute(branches.insert().values(dataset_id=ds_id, name=DEFAULT_BRANCH, commit_id=None))
            return self._describe(conn, self._dataset(conn, user, name))

    def get_dataset(self, user: int, name: str) -> dict[str, Any]:
        """A dataset's id, alias, config and head commit."""
        with self.store.read() as conn:
            return self._describe(conn, self._dataset(conn, user, name))

    def list_dataset_names(self, user: int, offset: int = 0, limit: int = 128) -> dict[str, Any]:
        """A page of the user's dataset names, sorted."""
        with self.store.read() as conn:
            where = datasets.c.owner_id == user
            total = conn.execute(select(func.count()).select_from(datasets).where(where)).scalar_one()
            names = (
                conn.execute(
                    select(datasets.c.name)
                    .where(where)
                    .order_by(datasets.c.name)
                    .offset(max(offset, 0))
                    .limit(page_limit(limit))
                )
                .scalars()
                .all()
            )
        return {"names": list(names), "totalCount": total}

    def update_dataset(
        self, user: int, name: str, new_name: str | None = None, alias: str | None = None
    ) -> dict[str, Any]:
        """Rename a dataset and/or change its alias."""
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, name)
            changes: dict[str, Any] = {}
            if new_name is not None and new_name != name:
                changes["name"] = check_name("dataset", new_name)
            if alias is not None:
                changes["alias"] = alias
            if changes:
                try:
                    conn.execute(datasets.update().where(datasets.c.id == ds.id).values(**changes))
                except IntegrityError:
                    raise AlreadyExists(f"dataset {new_name!r} already exists") from None
            return self._describe(conn, self._dataset(conn, user, changes.get("name", name)))

    def delete_dataset(self, user: int, name: str) -> dict[str, Any]:
        """Delete a dataset, then the objects it wrote that nothing references any more; never
        the user's own files. Works when the storage is unreachable too: what could not be
        deleted is counted in ``leftObjects`` and removed by a later sweep."""
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, name)
            conn.execute(datasets.delete().where(datasets.c.id == ds.id))
        after = 0
        while True:
            with self.store.read() as conn:
                ids = list(
                    conn.execute(
                        select(objects.c.id)
                        .where(
                            objects.c.dataset_uid == ds.uid, objects.c.id > after, objects.c.state == "live"
                        )
                        .order_by(objects.c.id)
                        .limit(CHUNK)
                    ).scalars()
                )
            if not ids:
                break
            self._collect(ids)
            after = ids[-1]
        self._remove(self._abandon_claims(ds.uid))
        with contextlib.suppress(TensorBayError):  # housekeeping for other objects too: retried next time
            self._sweep()
        with self.store.read() as conn:
            left = conn.execute(
                select(func.count())
                .select_from(objects)
                .where(objects.c.dataset_uid == ds.uid, objects.c.state.in_(("writing", "live", "deleting")))
            ).scalar_one()
        return {"name": name, "leftObjects": left}

    def _abandon_claims(self, dataset_uid: str) -> list[Row[Any]]:
        """The deleted dataset's unfinished places (uploads never confirmed), marked for deletion."""
        with self.store.begin() as conn:
            rows = conn.execute(
                update(objects)
                .where(objects.c.dataset_uid == dataset_uid, objects.c.state == "writing")
                .values(state="deleting")
                .returning(*objects.c)
            ).all()
        return list(rows)
