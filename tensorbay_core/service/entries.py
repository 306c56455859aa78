"""Reading and editing a version's contents: segments, data entries, catalog and notes."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select

from ..errors import InvalidArgument, NotFound
from ..names import check_segment_name
from .configs import page_limit
from .garbage import GarbageOps
from .objects import chunks
from .store import entries, insert_ignoring_conflicts, segments, trees, upsert


def entry_json(row: Row[Any]) -> dict[str, Any]:
    """An entry as the API returns it."""
    body: dict[str, Any] = {
        "remotePath": row.path,
        "label": json.loads(row.label),
        "size": row.size,
        "checksum": row.checksum,
    }
    if row.timestamp is not None:
        body["timestamp"] = row.timestamp
    return body


class EntryOps(GarbageOps):
    """Segments, data, catalog and notes of one version.

    Every change that drops entries from a draft hands the objects they referenced to
    ``_collect``, which deletes those no other entry (of any version) still references.
    """

    def _tree(self, conn: Connection, user: int, dataset: str, version: str | None) -> int | None:
        return self._read_tree(conn, self._dataset(conn, user, dataset), version)

    def _draft_tree(self, conn: Connection, user: int, dataset: str, draft_number: int | None) -> int:
        ds = self._dataset(conn, user, dataset)
        return int(self._open_draft(conn, ds, draft_number).tree_id)

    def _has_segment(self, conn: Connection, tree_id: int, name: str) -> bool:
        return (
            conn.execute(
                select(segments.c.name).where(segments.c.tree_id == tree_id, segments.c.name == name)
            ).first()
            is not None
        )

    def _ensure_segment(self, conn: Connection, tree_id: int, name: str) -> None:
        check_segment_name(name)
        conn.execute(insert_ignoring_conflicts(conn, segments), [{"tree_id": tree_id, "name": name}])

    def _record_entries(
        self, conn: Connection, tree_id: int, segment: str, rows: list[dict[str, Any]], before: dict[str, Any]
    ) -> list[int]:
        """Write entries into a draft's tree, replacing those at the same paths; the ids of
        objects the replaced entries referenced (``before``: path to object id, as read
        earlier), for ``_collect`` after the transaction. An entry replaced meanwhile by a
        concurrent writer is missed here: its object is collected with the dataset."""
        upsert(
            conn,
            entries,
            [{**r, "tree_id": tree_id, "segment": segment} for r in rows],
            ["tree_id", "segment", "path"],
        )
        replaced = {before.get(r["path"]) for r in rows} - {r["object_id"] for r in rows}
        return sorted(int(i) for i in replaced if i is not None)

    def list_segment_names(self, user: int, dataset: str, version: str | None = None) -> list[str]:
        """Segment names of a version, sorted."""
        with self.store.read() as conn:
            tree_id = self._tree(conn, user, dataset, version)
            if tree_id is None:
                return []
            rows = conn.execute(
                select(segments.c.name).where(segments.c.tree_id == tree_id).order_by(segments.c.name)
            )
            return list(rows.scalars())

    def create_segment(self, user: int, dataset: str, draft_number: int, name: str = "") -> None:
        """Create a segment in a draft (no error if it exists)."""
        with self.store.begin() as conn:
            self._ensure_segment(conn, self._draft_tree(conn, user, dataset, draft_number), name)

    def delete_segment(self, user: int, dataset: str, draft_number: int, name: str) -> None:
        """Remove a segment and its entries from a draft; objects only it used are deleted."""
        with self.store.begin() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            dropped = self._drop_entries(conn, entries.c.tree_id == tree_id, entries.c.segment == name)
            conn.execute(delete(segments).where(segments.c.tree_id == tree_id, segments.c.name == name))
        self._collect(dropped)

    def list_data(
        self,
        user: int,
        dataset: str,
        segment: str = "",
        version: str | None = None,
        start_after: str = "",
        limit: int = 128,
    ) -> dict[str, Any]:
        """A page of a segment's data in path order, after ``start_after``."""
        limit = page_limit(limit)
        with self.store.read() as conn:
            tree_id = self._tree(conn, user, dataset, version)
            if tree_id is None:
                return {"data": [], "truncated": False}
            rows = conn.execute(
                select(entries)
                .where(
                    entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path > start_after
                )
                .order_by(entries.c.path)
                .limit(limit + 1)
            ).all()
        return {"data": [entry_json(r) for r in rows[:limit]], "truncated": len(rows) > limit}

    def count_data(
        self,
        user: int,
        dataset: str,
        segment: str = "",
        version: str | None = None,
    ) -> int:
        """How many data a segment holds in a version."""
        with self.store.read() as conn:
            tree_id = self._tree(conn, user, dataset, version)
            if tree_id is None:
                return 0
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(entries)
                    .where(entries.c.tree_id == tree_id, entries.c.segment == segment)
                ).scalar_one()
            )

    def _entry(
        self,
        conn: Connection,
        user: int,
        dataset: str,
        segment: str,
        path: str,
        version: str | None,
    ) -> Row[Any]:
        tree_id = self._tree(conn, user, dataset, version)
        row = None
        if tree_id is not None:
            row = conn.execute(
                select(entries).where(
                    entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path == path
                )
            ).first()
        if row is None:
            raise NotFound(f"data {path!r} does not exist in segment {segment!r} of dataset {dataset!r}")
        return row

    def get_data(
        self,
        user: int,
        dataset: str,
        path: str,
        segment: str = "",
        version: str | None = None,
    ) -> dict[str, Any]:
        """One data entry."""
        with self.store.read() as conn:
            return entry_json(self._entry(conn, user, dataset, segment, path, version))

    def _entry_objects(
        self, user: int, dataset: str, draft_number: int, segment: str, paths: list[str]
    ) -> dict[str, Any]:
        """The object ids the draft's entries at ``paths`` reference (None: a user's object)."""
        found: dict[str, Any] = {}
        with self.store.read() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            for part in chunks(paths):
                rows = conn.execute(
                    select(entries.c.path, entries.c.object_id).where(
                        entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path.in_(part)
                    )
                )
                found.update({row.path: row.object_id for row in rows})
        return found

    def delete_data(
        self, user: int, dataset: str, draft_number: int, paths: list[str], segment: str = ""
    ) -> None:
        """Remove data entries from a draft; objects no version uses any more are deleted
        (those of committed versions stay)."""
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise InvalidArgument("paths must be a list of remote paths")
        dropped: list[int] = []
        with self.store.begin() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            for part in chunks(sorted(set(paths))):
                dropped += self._drop_entries(
                    conn, entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path.in_(part)
                )
        self._collect(dropped)

    def update_labels(
        self, user: int, dataset: str, draft_number: int, labels: dict[str, dict[str, Any]], segment: str = ""
    ) -> None:
        """Replace the labels of existing data in a draft (``{path: label}``)."""
        with self.store.begin() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            for path, label in labels.items():
                done = conn.execute(
                    entries.update()
                    .where(entries.c.tree_id == tree_id, entries.c.segment == segment, entries.c.path == path)
                    .values(label=json.dumps(label))
                )
                if done.rowcount == 0:
                    raise NotFound(f"data {path!r} does not exist in segment {segment!r}")

    def _tree_field(self, user: int, dataset: str, field: str, version: str | None) -> Any:
        with self.store.read() as conn:
            tree_id = self._tree(conn, user, dataset, version)
            if tree_id is None:
                return {}
            return json.loads(conn.execute(select(trees.c[field]).where(trees.c.id == tree_id)).scalar_one())

    def _set_tree_field(self, user: int, dataset: str, draft_number: int, field: str, value: Any) -> None:
        with self.store.begin() as conn:
            tree_id = self._draft_tree(conn, user, dataset, draft_number)
            conn.execute(trees.update().where(trees.c.id == tree_id).values({field: json.dumps(value)}))

    def get_catalog(self, user: int, dataset: str, version: str | None = None) -> dict[str, Any]:
        """A version's catalog (TensorBay JSON)."""
        return dict(self._tree_field(user, dataset, "catalog", version))

    def upload_catalog(self, user: int, dataset: str, draft_number: int, catalog: dict[str, Any]) -> None:
        """Set a draft's catalog."""
        self._set_tree_field(user, dataset, draft_number, "catalog", catalog)

    def get_notes(self, user: int, dataset: str, version: str | None = None) -> dict[str, Any]:
        """A version's notes."""
        return dict(self._tree_field(user, dataset, "notes", version))

    def update_notes(self, user: int, dataset: str, draft_number: int, notes: dict[str, Any]) -> None:
        """Set a draft's notes."""
        self._set_tree_field(user, dataset, draft_number, "notes", notes)
