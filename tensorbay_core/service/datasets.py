"""Dataset operations: create, get, list, rename, update, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, and_, exists, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExists
from .base import DEFAULT_BRANCH, ServiceBase, check_name
from .configs import page_limit
from .operations import operation
from .store import branches, datasets, entries, inserted_id, now, storage_configs, trees

DELETE_CHUNK = 1000


class DatasetOps(ServiceBase):
    """Operations on a user's datasets."""

    def _describe(self, conn: Connection, ds: Row[Any]) -> dict[str, Any]:
        config_name = None
        if ds.config_id is not None:
            config_name = conn.execute(
                select(storage_configs.c.name).where(storage_configs.c.id == ds.config_id)
            ).scalar_one()
        return {
            "id": ds.id,
            "name": ds.name,
            "alias": ds.alias,
            "configName": config_name,
            "defaultBranch": DEFAULT_BRANCH,
            "commitId": self._resolve_commit(conn, ds, None),
        }

    @operation("POST", "/datasets")
    def create_dataset(
        self, user: int, name: str, config_name: str | None = None, alias: str = ""
    ) -> dict[str, Any]:
        """Create an empty dataset on the default storage or on a named config."""
        check_name("dataset", name)
        with self.store.begin() as conn:
            config_id = self._config_row(conn, user, config_name).id if config_name else None
            try:
                ds_id = inserted_id(
                    conn.execute(
                        datasets.insert().values(
                            owner_id=user, name=name, alias=alias or "", config_id=config_id, created_at=now()
                        )
                    )
                )
            except IntegrityError:
                raise AlreadyExists(f"dataset {name!r} already exists") from None
            conn.execute(branches.insert().values(dataset_id=ds_id, name=DEFAULT_BRANCH, commit_id=None))
            return self._describe(conn, self._dataset(conn, user, name))

    @operation("GET", "/datasets/{name}")
    def get_dataset(self, user: int, name: str) -> dict[str, Any]:
        """A dataset's id, alias, config and head commit."""
        with self.store.read() as conn:
            return self._describe(conn, self._dataset(conn, user, name))

    @operation("GET", "/datasets")
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

    @operation("PATCH", "/datasets/{name}")
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

    @operation("DELETE", "/datasets/{name}")
    def delete_dataset(self, user: int, name: str) -> None:
        """Delete a dataset and the objects it copied or uploaded; never the user's originals."""
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, name)
            provider, _prefix = self._dataset_storage(conn, ds)
        last = ""
        while True:
            with self.store.read() as conn:
                keys = self._owned_keys_page(conn, ds, last)
            if not keys:
                break
            for key in keys:
                provider.delete(key)
            last = keys[-1]
        with self.store.begin() as conn:
            conn.execute(datasets.delete().where(datasets.c.id == ds.id))

    def _owned_keys_page(self, conn: Connection, ds: Row[Any], after: str) -> list[str]:
        """Keys this dataset owns that no other dataset on the same storage references."""
        mine = select(trees.c.id).where(trees.c.dataset_id == ds.id)
        other = entries.alias("other")
        other_trees = trees.alias("other_trees")
        other_ds = datasets.alias("other_ds")
        shared = exists().where(
            and_(
                other.c.storage_key == entries.c.storage_key,
                other.c.tree_id == other_trees.c.id,
                other_trees.c.dataset_id == other_ds.c.id,
                other_ds.c.id != ds.id,
                other_ds.c.config_id.is_(None)
                if ds.config_id is None
                else other_ds.c.config_id == ds.config_id,
            )
        )
        rows = conn.execute(
            select(entries.c.storage_key)
            .distinct()
            .where(
                entries.c.tree_id.in_(mine), entries.c.owned.is_(True), entries.c.storage_key > after, ~shared
            )
            .order_by(entries.c.storage_key)
            .limit(DELETE_CHUNK)
        ).scalars()
        return list(rows)
