"""Version operations: drafts, commits and branches.

A draft owns a tree it may change; ``commit`` freezes that tree under a new commit id and
moves the branch head. Reads default to the default branch's head.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, delete, literal, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExists, Conflict, InvalidArgument, NotFound, StatusError
from ..names import check_name
from .base import DEFAULT_BRANCH
from .garbage import GarbageOps
from .store import branches, commits, datasets, drafts, entries, inserted_id, now, segments, trees
from .tags import TagOps

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


class VersionOps(TagOps, GarbageOps):
    """Drafts, commits and branches of a dataset.

    Every state change is one conditional statement the database decides, so it stays
    right with several server processes: draft numbers come from a counter on the dataset
    row, a commit moves its branch only from the head its draft started on
    (compare-and-set) and only while the draft is open.
    """

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

    def _branch_head(self, conn: Connection, ds: Row[Any], branch_name: str, lock: bool = False) -> Row[Any]:
        query = select(branches).where(branches.c.dataset_id == ds.id, branches.c.name == branch_name)
        head = conn.execute(query.with_for_update() if lock else query).first()
        if head is None:
            raise InvalidArgument(f"branch {branch_name!r} of dataset {ds.name!r} does not exist")
        return head

    def _new_draft(
        self, conn: Connection, ds: Row[Any], head: Row[Any], title: str, description: str
    ) -> dict[str, Any]:
        number = (
            conn.execute(
                update(datasets)
                .where(datasets.c.id == ds.id)
                .values(next_draft=datasets.c.next_draft + 1)
                .returning(datasets.c.next_draft)
            ).scalar_one()
            - 1
        )
        base_tree = None
        if head.commit_id is not None:
            base_tree = conn.execute(
                select(commits.c.tree_id).where(commits.c.id == head.commit_id)
            ).scalar_one()
        conn.execute(
            drafts.insert().values(
                dataset_id=ds.id,
                number=number,
                tree_id=self._copy_tree(conn, ds.id, base_tree),
                branch=head.name,
                base_commit_id=head.commit_id,
                title=title,
                description=description,
                status="OPEN",
                created_at=now(),
            )
        )
        return _draft_json(self._draft(conn, ds, number))

    def create_draft(
        self, user: int, dataset: str, title: str, description: str = "", branch_name: str = DEFAULT_BRANCH
    ) -> dict[str, Any]:
        """Open a draft on a branch, starting from the branch head."""
        if not title:
            raise InvalidArgument("a draft needs a title")
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            head = self._branch_head(conn, ds, branch_name, lock=True)  # not one being deleted
            return self._new_draft(conn, ds, head, title, description)

    def open_draft(
        self, user: int, dataset: str, title: str, description: str = "", branch_name: str = DEFAULT_BRANCH
    ) -> dict[str, Any]:
        """The first open draft of a branch, or a new one if it has none.

        Atomic (the branch row is locked), so concurrent uploads into a dataset with no
        open draft all land in one draft instead of opening one each.
        """
        if not title:
            raise InvalidArgument("a draft needs a title")
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            head = self._branch_head(conn, ds, branch_name, lock=True)
            found = conn.execute(
                select(drafts)
                .where(
                    drafts.c.dataset_id == ds.id, drafts.c.branch == branch_name, drafts.c.status == "OPEN"
                )
                .order_by(drafts.c.number)
                .limit(1)
            ).first()
            if found is not None:
                return _draft_json(found)
            return self._new_draft(conn, ds, head, title, description)

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

    def get_draft(self, user: int, dataset: str, draft_number: int) -> dict[str, Any]:
        """One draft."""
        with self.store.read() as conn:
            return _draft_json(self._draft(conn, self._dataset(conn, user, dataset), draft_number))

    def update_draft(
        self,
        user: int,
        dataset: str,
        draft_number: int,
        title: str | None = None,
        description: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Change an open draft's title or description, or close it (status CLOSED).

        Closing abandons the draft: its entries go, and the objects only it used are deleted.
        """
        dropped: list[int] = []
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            draft = self._open_draft(conn, ds, draft_number)
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
                done = conn.execute(
                    drafts.update()
                    .where(
                        drafts.c.dataset_id == ds.id,
                        drafts.c.number == draft_number,
                        drafts.c.status == "OPEN",
                    )
                    .values(**changes)
                )
                if done.rowcount != 1:
                    raise StatusError(f"draft #{draft_number} of dataset {dataset!r} is no longer open")
            if status == "CLOSED":
                dropped = self._drop_entries(conn, entries.c.tree_id == draft.tree_id)
                conn.execute(delete(segments).where(segments.c.tree_id == draft.tree_id))
            result = _draft_json(self._draft(conn, ds, draft_number))
        self._collect(dropped)
        return result

    def commit(
        self, user: int, dataset: str, draft_number: int, title: str, description: str = ""
    ) -> dict[str, Any]:
        """Freeze an open draft as a new commit on its branch.

        The draft must still be open and its branch still at the head the draft started
        from; both are checked by the updates themselves, so of two concurrent commits
        exactly one wins and the other gets ``StatusError`` or ``Conflict``.
        """
        if not title:
            raise InvalidArgument("a commit needs a title")
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            draft = self._open_draft(conn, ds, draft_number)
            closed = conn.execute(
                drafts.update()
                .where(
                    drafts.c.dataset_id == ds.id, drafts.c.number == draft_number, drafts.c.status == "OPEN"
                )
                .values(status="COMMITTED")
            )
            if closed.rowcount != 1:
                raise StatusError(f"draft #{draft_number} of dataset {dataset!r} is no longer open")
            commit_id = uuid.uuid4().hex
            base = draft.base_commit_id
            moved = conn.execute(
                branches.update()
                .where(
                    branches.c.dataset_id == ds.id,
                    branches.c.name == draft.branch,
                    branches.c.commit_id.is_(None) if base is None else branches.c.commit_id == base,
                )
                .values(commit_id=commit_id)
            )
            if moved.rowcount != 1:
                raise Conflict(
                    f"branch {draft.branch!r} moved since draft #{draft_number} was opened; "
                    "open a new draft from the new head"
                )
            conn.execute(
                commits.insert().values(
                    id=commit_id,
                    dataset_id=ds.id,
                    parent_id=base,
                    tree_id=draft.tree_id,
                    branch=draft.branch,
                    title=title,
                    description=description,
                    created_at=now(),
                )
            )
            return _commit_json(conn.execute(select(commits).where(commits.c.id == commit_id)).one())

    def list_commits(self, user: int, dataset: str, version: str | None = None) -> list[dict[str, Any]]:
        """The history of a version, newest first."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, version)
            history = []
            while commit_id is not None:
                row = conn.execute(select(commits).where(commits.c.id == commit_id)).one()
                history.append(_commit_json(row))
                commit_id = row.parent_id
            return history

    def get_commit(self, user: int, dataset: str, version: str) -> dict[str, Any]:
        """The commit a branch name or (prefix of a) commit id names."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, version)
            if commit_id is None:
                raise InvalidArgument(f"branch {version!r} of dataset {dataset!r} has no commit yet")
            return _commit_json(conn.execute(select(commits).where(commits.c.id == commit_id)).one())

    def create_branch(self, user: int, dataset: str, name: str, version: str | None = None) -> dict[str, Any]:
        """A new branch at a commit (default: the default branch head)."""
        check_name("branch", name)
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            commit_id = self._resolve_commit(conn, ds, version)
            if commit_id is None:
                raise InvalidArgument("a branch needs a commit to start from; commit a draft first")
            self._lock_names(conn, ds)
            if self._is_tag(conn, ds, name):
                raise AlreadyExists(f"{name!r} is a tag of dataset {dataset!r}; a branch needs another name")
            try:
                conn.execute(branches.insert().values(dataset_id=ds.id, name=name, commit_id=commit_id))
            except IntegrityError:
                raise AlreadyExists(f"branch {name!r} already exists") from None
            return {"name": name, "commitId": commit_id}

    def delete_branch(self, user: int, dataset: str, name: str) -> None:
        """Remove a branch that is not the default one and has no open draft; its commits
        stay (tags, other branches and commit ids still reach them)."""
        if name == DEFAULT_BRANCH:
            raise InvalidArgument(f"the default branch {DEFAULT_BRANCH!r} cannot be deleted")
        with self.store.begin() as conn:
            ds = self._dataset(conn, user, dataset)
            query = select(branches).where(branches.c.dataset_id == ds.id, branches.c.name == name)
            if conn.execute(query.with_for_update()).first() is None:  # a draft opening waits
                raise NotFound(f"branch {name!r} of dataset {dataset!r} does not exist")
            open_drafts = conn.execute(
                select(drafts.c.number).where(
                    drafts.c.dataset_id == ds.id, drafts.c.branch == name, drafts.c.status == "OPEN"
                )
            ).scalars()
            numbers = ", ".join(f"#{n}" for n in open_drafts)
            if numbers:
                raise Conflict(f"branch {name!r} has open draft(s) {numbers}; commit or close them first")
            conn.execute(delete(branches).where(branches.c.dataset_id == ds.id, branches.c.name == name))

    def list_branches(self, user: int, dataset: str) -> list[dict[str, Any]]:
        """Every branch and its head."""
        with self.store.read() as conn:
            ds = self._dataset(conn, user, dataset)
            rows = conn.execute(
                select(branches).where(branches.c.dataset_id == ds.id).order_by(branches.c.name)
            )
            return [{"name": row.name, "commitId": row.commit_id} for row in rows]
