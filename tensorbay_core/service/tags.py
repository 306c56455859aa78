"""Tags: fixed names for commits (``v1.0``), readable wherever a revision is.

A tag never moves and never names a draft; deleting it leaves its commit and data as they
are (commits keep their entries, so nothing is collected). A tag cannot take a branch's
name nor a branch a tag's, so a revision name means one thing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExists, InvalidArgument, NotFound
from ..names import check_name
from .base import ServiceBase
from .store import branches, datasets, now, tags


def _tag_json(row: Row[Any]) -> dict[str, Any]:
    return {"name": row.name, "commitId": row.commit_id, "createdAt": row.created_at}


class TagOps(ServiceBase):
    """Create, read, list and delete a dataset's tags."""

    def create_tag(self, user: int, dataset: str, name: str, version: str | None = None) -> dict[str, Any]:
        """Tag a commit (default: the default branch head)."""
        check_name("tag", name)
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, version)
            if commit_id is None:
                raise InvalidArgument("a tag names a commit; commit a draft first")
            self._lock_names(conn, ds)
            if self._is_branch(conn, ds, name):
                raise AlreadyExists(f"{name!r} is a branch of dataset {dataset!r}; a tag needs another name")
            try:
                conn.execute(
                    tags.insert().values(dataset_id=ds.id, name=name, commit_id=commit_id, created_at=now())
                )
            except IntegrityError:
                raise AlreadyExists(f"tag {name!r} of dataset {dataset!r} already exists") from None
            return _tag_json(self._tag(conn, ds, name))

    def get_tag(self, user: int, dataset: str, name: str) -> dict[str, Any]:
        """One tag and its commit."""
        with self.store.read() as conn:
            return _tag_json(self._tag(conn, self._dataset(conn, user, dataset), name))

    def list_tags(self, user: int, dataset: str) -> list[dict[str, Any]]:
        """Every tag of a dataset, by name."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            rows = conn.execute(select(tags).where(tags.c.dataset_id == ds.id).order_by(tags.c.name))
            return [_tag_json(row) for row in rows]

    def delete_tag(self, user: int, dataset: str, name: str) -> None:
        """Remove a tag (its commit stays)."""
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            gone = conn.execute(delete(tags).where(tags.c.dataset_id == ds.id, tags.c.name == name))
            if not gone.rowcount:
                raise NotFound(f"tag {name!r} of dataset {dataset!r} does not exist")

    @staticmethod
    def _tag(conn: Connection, ds: Row[Any], name: str) -> Row[Any]:
        row = conn.execute(select(tags).where(tags.c.dataset_id == ds.id, tags.c.name == name)).first()
        if row is None:
            raise NotFound(f"tag {name!r} of dataset {ds.name!r} does not exist")
        return row

    @staticmethod
    def _lock_names(conn: Connection, ds: Row[Any]) -> None:
        """Hold the dataset row until the transaction ends: a new tag and a new branch each
        check the other's names and then insert, so two server processes must not interleave
        those steps (one would miss the other's name)."""
        conn.execute(select(datasets.c.id).where(datasets.c.id == ds.id).with_for_update())

    @staticmethod
    def _is_branch(conn: Connection, ds: Row[Any], name: str) -> bool:
        query = select(branches.c.name).where(branches.c.dataset_id == ds.id, branches.c.name == name)
        return conn.execute(query).first() is not None

    @staticmethod
    def _is_tag(conn: Connection, ds: Row[Any], name: str) -> bool:
        query = select(tags.c.name).where(tags.c.dataset_id == ds.id, tags.c.name == name)
        return conn.execute(query).first() is not None
