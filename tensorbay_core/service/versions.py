"""Version operations: drafts, commits and branches.

A draft owns a tree it may change; ``commit`` freezes that tree under a new commit id and
moves the branch head. Reads default to the default branch's head.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, func, literal, select

from ..errors import AlreadyExists, Conflict, InvalidArgument
from .base import DEFAULT_BRANCH, ServiceBase, check_name
from .operations import operation
from .store import branches, commits, drafts, entries, inserted_id, now, segments, trees

DRAFT_STATUSES = ("OPEN", "CLOSED", "COMMITTED")


def _draft_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "number": row.number,
        "title": row.title,
        "description": row.description,
        "branchName": row.branch,
        "parentCommitId": row.base_commit_id,
        "status": row.status,
        "createdAt": row.created_at,
    }


def _commit_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "commitId": row.id,
        "parentCommitId": row.parent_id,
        "title": row.title,
        "description": row.description,
        "branchName": row.branch,
        "committedAt": row.created_at,
    }


class VersionOps(ServiceBase):
    """Drafts, commits and branches of a dataset."""

    def _copy_tree(self, conn: Connection, dataset_id: int, base_tree: int | None) -> int:
        if base_tree is None:
            return inserted_id(conn.execute(trees.insert().values(dataset_id=dataset_id)))
        base = conn.execute(select(trees).where(trees.c.id == base_tree)).one()
        tree_id = inserted_id(
            conn.execute(trees.insert().values(dataset_id=dataset_id, catalog=base.catalog, notes=base.notes))
        )
        conn.execute(
            segments.insert().from_select(
                ["tree_id", "name"],
                select(literal(tree_id), segments.c.name).where(segments.c.tree_id == base_tree),
            )
        )
        columns = [c.name for c in entries.columns if c.name != "tree_id"]
        conn.execute(
            entries.insert().from_select(
                ["tree_id", *columns],
                select(literal(tree_id), *[entries.c[c] for c in columns]).where(
                    entries.c.tree_id == base_tree
                ),
            )
        )
        return tree_id

    @operation("POST", "/datasets/{dataset}/drafts")
    def create_draft(
        self, user: int, dataset: str, title: str, description: str = "", branch_name: str = DEFAULT_BRANCH
    ) -> dict[str, Any]:
        """Open a draft on a branch, starting from the branch head."""
        if not title:
            raise InvalidArgument("a draft needs a title")
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            head = conn.execute(
                select(branches.c.commit_id).where(
                    branches.c.dataset_id == ds.id, branches.c.name == branch_name
                )
            ).first()
            if head is None:
                raise InvalidArgument(f"branch {branch_name!r} of dataset {dataset!r} does not exist")
            base_tree = None
            if head.commit_id is not None:
                base_tree = conn.execute(
                    select(commits.c.tree_id).where(commits.c.id == head.commit_id)
                ).scalar_one()
            number = 1 + (
                conn.execute(select(func.max(drafts.c.number)).where(drafts.c.dataset_id == ds.id)).scalar()
                or 0
            )
            conn.execute(
                drafts.insert().values(
                    dataset_id=ds.id,
                    number=number,
                    tree_id=self._copy_tree(conn, ds.id, base_tree),
                    branch=branch_name,
                    base_commit_id=head.commit_id,
                    title=title,
                    description=description,
                    status="OPEN",
                    created_at=now(),
                )
            )
            return _draft_json(self._draft(conn, ds, number))

    @operation("GET", "/datasets/{dataset}/drafts")
    def list_drafts(
        self, user: int, dataset: str, status: str = "OPEN", branch_name: str | None = None
    ) -> list[dict[str, Any]]:
        """Drafts of a dataset, by status (OPEN, CLOSED, COMMITTED or ALL)."""
        if status not in (*DRAFT_STATUSES, "ALL"):
            raise InvalidArgument(f"status must be one of {', '.join((*DRAFT_STATUSES, 'ALL'))}")
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            query = select(drafts).where(drafts.c.dataset_id == ds.id).order_by(drafts.c.number)
            if status != "ALL":
                query = query.where(drafts.c.status == status)
            if branch_name:
                query = query.where(drafts.c.branch == branch_name)
            return [_draft_json(row) for row in conn.execute(query)]

    @operation("GET", "/datasets/{dataset}/drafts/{draft_number}")
    def get_draft(self, user: int, dataset: str, draft_number: int) -> dict[str, Any]:
        """One draft."""
        with self.store.read() as conn:
            return _draft_json(self._draft(conn, self._dataset(conn, user, dataset), draft_number))

    @operation("PATCH", "/datasets/{dataset}/drafts/{draft_number}")
    def update_draft(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        title: str | None = None,
        description: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Change an open draft's title or description, or close it (status CLOSED)."""
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            self._open_draft(conn, ds, draft_number)
            changes: dict[str, Any] = {}
            if title:
                changes["title"] = title
            if description is not None:
                changes["description"] = description
            if status is not None:
                if status != "CLOSED":
                    raise InvalidArgument("a draft's status can only be changed to CLOSED")
                changes["status"] = status
            if changes:
                conn.execute(
                    drafts.update()
                    .where(drafts.c.dataset_id == ds.id, drafts.c.number == draft_number)
                    .values(**changes)
                )
            return _draft_json(self._draft(conn, ds, draft_number))

    @operation("POST", "/datasets/{dataset}/commits")
    def commit(
        self, user: int, dataset: str, draft_number: int, title: str, description: str = ""
    ) -> dict[str, Any]:
        """Freeze an open draft as a new commit on its branch."""
        if not title:
            raise InvalidArgument("a commit needs a title")
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            draft = self._open_draft(conn, ds, draft_number)
            head = conn.execute(
                select(branches.c.commit_id).where(
                    branches.c.dataset_id == ds.id, branches.c.name == draft.branch
                )
            ).scalar_one()
            if head != draft.base_commit_id:
                raise Conflict(
                    f"branch {draft.branch!r} moved since draft #{draft_number} was opened; "
                    "open a new draft from the new head"
                )
            commit_id = uuid.uuid4().hex
            conn.execute(
                commits.insert().values(
                    id=commit_id,
                    dataset_id=ds.id,
                    parent_id=head,
                    tree_id=draft.tree_id,
                    branch=draft.branch,
                    title=title,
                    description=description,
                    created_at=now(),
                )
            )
            conn.execute(
                drafts.update()
                .where(drafts.c.dataset_id == ds.id, drafts.c.number == draft_number)
                .values(status="COMMITTED")
            )
            conn.execute(
                branches.update()
                .where(branches.c.dataset_id == ds.id, branches.c.name == draft.branch)
                .values(commit_id=commit_id)
            )
            return _commit_json(conn.execute(select(commits).where(commits.c.id == commit_id)).one())

    @operation("GET", "/datasets/{dataset}/commits")
    def list_commits(self, user: int, dataset: str, revision: str | None = None) -> list[dict[str, Any]]:
        """The history of a revision, newest first."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, revision)
            history = []
            while commit_id is not None:
                row = conn.execute(select(commits).where(commits.c.id == commit_id)).one()
                history.append(_commit_json(row))
                commit_id = row.parent_id
            return history

    @operation("GET", "/datasets/{dataset}/revisions/{revision}")
    def get_commit(self, user: int, dataset: str, revision: str) -> dict[str, Any]:
        """The commit a branch name or (prefix of a) commit id names."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, revision)
            if commit_id is None:
                raise InvalidArgument(f"branch {revision!r} of dataset {dataset!r} has no commit yet")
            return _commit_json(conn.execute(select(commits).where(commits.c.id == commit_id)).one())

    @operation("POST", "/datasets/{dataset}/branches")
    def create_branch(
        self, user: int, dataset: str, name: str, revision: str | None = None
    ) -> dict[str, Any]:
        """A new branch at a commit (default: the default branch head)."""
        check_name("branch", name)
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, revision)
            if commit_id is None:
                raise InvalidArgument("a branch needs a commit to start from; commit a draft first")
            if conn.execute(
                select(branches).where(branches.c.dataset_id == ds.id, branches.c.name == name)
            ).first():
                raise AlreadyExists(f"branch {name!r} already exists")
            conn.execute(branches.insert().values(dataset_id=ds.id, name=name, commit_id=commit_id))
            return {"name": name, "commitId": commit_id}

    @operation("GET", "/datasets/{dataset}/branches")
    def list_branches(self, user: int, dataset: str) -> list[dict[str, Any]]:
        """Every branch and its head."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            rows = conn.execute(
                select(branches).where(branches.c.dataset_id == ds.id).order_by(branches.c.name)
            )
            return [{"name": row.name, "commitId": row.commit_id} for row in rows]
