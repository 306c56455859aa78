"""DatasetClient and SegmentClient: read and change one dataset through the transport."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import IO, Any

from ..api import DEFAULT_BRANCH
from ..api.records import BranchInfo, CommitInfo, DataEntry, DatasetInfo, DraftInfo, TagInfo
from ..api.wire import MAX_ITEMS
from ..dataset import Notes, RemoteData
from ..errors import StatusError
from ..label import Catalog, Label
from ..names import draft_version
from .paging import PagingList
from .transport import Transport

DATA_PAGE = 128


class SegmentClient:
    """One segment of a dataset version."""

    def __init__(self, name: str, dataset_client: DatasetClient) -> None:
        self.name = name
        self._dataset = dataset_client
        self._transport = dataset_client._transport
        self._api = dataset_client._transport.api

    def _remote_data(self, body: DataEntry) -> RemoteData:
        path = body["remotePath"]
        dataset, segment, version = self._dataset.name, self.name, self._dataset._version()
        return RemoteData(
            path,
            label=Label.loads(body.get("label") or {}),
            timestamp=body.get("timestamp"),
            size=body["size"],
            checksum=body["checksum"],
            opener=lambda: self._transport.open_data(dataset, path, segment, version),
            url_getter=lambda: self._api.get_data_url(dataset, path, segment, version)["url"],
        )

    def _fetch(self, after: str, limit: int) -> tuple[list[DataEntry], bool]:
        page = self._api.list_data(self._dataset.name, self.name, self._dataset._version(), after, limit)
        return page["data"], page["truncated"]

    def _count(self) -> int:
        return self._api.count_data(self._dataset.name, self.name, self._dataset._version())

    def list_data(self) -> PagingList[RemoteData]:
        """The segment's data, lazily, in path order."""

        def fetch(after: str, limit: int) -> tuple[list[RemoteData], bool]:
            bodies, truncated = self._fetch(after, limit)
            return [self._remote_data(b) for b in bodies], truncated

        return PagingList(fetch, lambda d: d.path, self._count, DATA_PAGE)

    def list_data_paths(self) -> PagingList[str]:
        """The segment's data paths, lazily, in order."""

        def fetch(after: str, limit: int) -> tuple[list[str], bool]:
            bodies, truncated = self._fetch(after, limit)
            return [b["remotePath"] for b in bodies], truncated

        return PagingList(fetch, lambda p: p, self._count, DATA_PAGE)

    def iter_data(self, start_after: str = "") -> Iterator[RemoteData]:
        """The segment's data after ``start_after``, in path order, page by page: where a
        reader resumes a walk without listing what comes before."""
        while True:
            bodies, truncated = self._fetch(start_after, DATA_PAGE)
            yield from (self._remote_data(b) for b in bodies)
            if not truncated or not bodies:
                return
            start_after = bodies[-1]["remotePath"]

    def open_data(self, remote_path: str) -> IO[bytes]:
        """One data's bytes, checked against what was recorded, without fetching its entry
        first (``get_data(path).open()`` is one request more)."""
        return self._transport.open_data(self._dataset.name, remote_path, self.name, self._dataset._version())

    def read_data_range(self, remote_path: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of one data (fewer at its end), checked by its object's etag."""
        return self._transport.read_data_range(
            self._dataset.name, remote_path, self.name, self._dataset._version(), start, end
        )

    def get_data(self, remote_path: str) -> RemoteData:
        """One data of the segment."""
        return self._remote_data(
            self._api.get_data(self._dataset.name, remote_path, self.name, self._dataset._version())
        )

    def delete_data(self, remote_paths: str | list[str]) -> None:
        """Remove data from the current draft (sent in batches the service accepts)."""
        paths = [remote_paths] if isinstance(remote_paths, str) else list(remote_paths)
        draft = self._dataset._draft_for_write()
        for start in range(0, len(paths), MAX_ITEMS):
            self._api.delete_data(self._dataset.name, draft, paths[start : start + MAX_ITEMS], self.name)

    def __repr__(self) -> str:
        return f"SegmentClient({self.name!r} of {self._dataset.name!r})"


class DatasetClient:
    """One dataset, at a commit (reads) or in a draft (reads and writes)."""

    def __init__(self, info: DatasetInfo, transport: Transport) -> None:
        self.name: str = info["name"]
        self.dataset_id: str = info["id"]
        self.alias: str = info.get("alias", "")
        self.config_name: str | None = info.get("configName")
        self._transport = transport
        self._api = transport.api
        self.commit_id: str | None = info.get("commitId")
        self.draft_number: int | None = None
        self._warned_empty = False

    # -- status ---------------------------------------------------------------------------

    @property
    def status(self) -> dict[str, Any]:
        """Where the client is: ``{"commit_id": ...}`` or ``{"draft_number": ...}``."""
        if self.draft_number is not None:
            return {"draft_number": self.draft_number}
        return {"commit_id": self.commit_id}

    def _version(self) -> str | None:
        """The version reads see: the current draft, else the current commit."""
        if self.draft_number is not None:
            return draft_version(self.draft_number)
        if self.commit_id is None:
            self._warn_if_only_drafts()
        return self.commit_id

    def _warn_if_only_drafts(self) -> None:
        if self._warned_empty:
            return
        self._warned_empty = True
        open_drafts = self.list_drafts()
        if open_drafts:
            numbers = ", ".join(f"#{d['number']}" for d in open_drafts)
            warnings.warn(
                f"dataset {self.name!r} has no commit yet, so reads see nothing; its open draft(s) {numbers} "
                f"hold the uploaded data: call commit(title) to publish them, or checkout(draft_number=N) "
                "to read a draft",
                UserWarning,
                stacklevel=4,
            )

    def _draft_for_write(self) -> int:
        if self.draft_number is None:
            raise StatusError(
                f"dataset client {self.name!r} is at a commit; call create_draft(title) or "
                "checkout(draft_number=N) before changing the dataset"
            )
        return self.draft_number

    def checkout(self, revision: str | None = None, draft_number: int | None = None) -> None:
        """Move to a revision (a branch, a tag or a commit id) or to a draft."""
        if revision is not None and draft_number is not None:
            raise StatusError("checkout takes a revision or a draft_number, not both")
        if draft_number is not None:
            self._api.get_draft(self.name, draft_number)
            self.draft_number = draft_number
            return
        commit = self._api.get_commit(self.name, revision or DEFAULT_BRANCH)
        self.commit_id, self.draft_number = commit["commitId"], None

    # -- versions -------------------------------------------------------------------------

    def create_draft(self, title: str, description: str = "", branch_name: str = DEFAULT_BRANCH) -> int:
        """Open a draft and move the client to it."""
        draft = self._api.create_draft(self.name, title, description, branch_name)
        self.draft_number = draft["number"]
        return self.draft_number

    def get_draft(self, draft_number: int | None = None) -> DraftInfo:
        """A draft (default: the current one)."""
        number = draft_number if draft_number is not None else self._draft_for_write()
        return self._api.get_draft(self.name, number)

    def list_drafts(self, status: str = "OPEN", branch_name: str | None = None) -> list[DraftInfo]:
        """Drafts by status (OPEN, CLOSED, COMMITTED or ALL)."""
        return self._api.list_drafts(self.name, status, branch_name)

    def update_draft(
        self, draft_number: int | None = None, *, title: str | None = None, description: str | None = None
    ) -> None:
        """Change a draft's title or description."""
        number = draft_number if draft_number is not None else self._draft_for_write()
        self._api.update_draft(self.name, number, title=title, description=description)

    def close_draft(self, draft_number: int) -> None:
        """Close a draft without committing it."""
        self._api.update_draft(self.name, draft_number, status="CLOSED")
        if self.draft_number == draft_number:
            self.draft_number = None

    def commit(self, title: str, description: str = "") -> str:
        """Commit the current draft; the client moves to the new commit."""
        commit = self._api.commit(self.name, self._draft_for_write(), title, description)
        self.commit_id, self.draft_number = commit["commitId"], None
        return commit["commitId"]

    def get_commit(self, revision: str | None = None) -> CommitInfo:
        """A commit (default: the current one)."""
        return self._api.get_commit(self.name, revision or self.commit_id or DEFAULT_BRANCH)

    def list_commits(self, revision: str | None = None) -> list[CommitInfo]:
        """History of a revision (default: the current commit), newest first."""
        return self._api.list_commits(self.name, revision or self.commit_id)

    def create_branch(self, name: str, revision: str | None = None) -> None:
        """A branch at a revision (default: the current commit)."""
        self._api.create_branch(self.name, name, revision or self.commit_id)

    def list_branches(self) -> list[BranchInfo]:
        """Branches and their heads."""
        return self._api.list_branches(self.name)

    def delete_branch(self, name: str) -> None:
        """Delete a branch (not the default one, and none with an open draft); its commits stay."""
        self._api.delete_branch(self.name, name)

    def create_tag(self, name: str, revision: str | None = None) -> None:
        """Tag a revision (default: the current commit) with a name that never moves."""
        self._api.create_tag(self.name, name, revision or self.commit_id)

    def get_tag(self, name: str) -> TagInfo:
        """A tag and its commit id."""
        return self._api.get_tag(self.name, name)

    def list_tags(self) -> list[TagInfo]:
        """Every tag, by name."""
        return self._api.list_tags(self.name)

    def delete_tag(self, name: str) -> None:
        """Delete a tag; its commit stays."""
        self._api.delete_tag(self.name, name)

    # -- content --------------------------------------------------------------------------

    def list_segment_names(self) -> list[str]:
        """Segment names of the current version."""
        return self._api.list_segment_names(self.name, self._version())

    def get_segment(self, name: str = "") -> SegmentClient:
        """A segment of the current version."""
        return SegmentClient(name, self)

    def create_segment(self, name: str = "") -> SegmentClient:
        """Create (or get) a segment in the current draft."""
        self._api.create_segment(self.name, self._draft_for_write(), name)
        return SegmentClient(name, self)

    def delete_segment(self, name: str) -> None:
        """Remove a segment from the current draft."""
        self._api.delete_segment(self.name, self._draft_for_write(), name)

    def get_catalog(self) -> Catalog:
        """The current version's catalog."""
        return Catalog.loads(self._api.get_catalog(self.name, self._version()))

    def upload_catalog(self, catalog: Catalog) -> None:
        """Set the current draft's catalog."""
        self._api.upload_catalog(self.name, self._draft_for_write(), catalog.dumps())

    def get_notes(self) -> Notes:
        """The current version's notes."""
        return Notes.loads(self._api.get_notes(self.name, self._version()) or {})

    def update_notes(self, notes: Notes) -> None:
        """Set the current draft's notes."""
        self._api.update_notes(self.name, self._draft_for_write(), notes.dumps())

    def __repr__(self) -> str:
        where = f"draft #{self.draft_number}" if self.draft_number is not None else f"commit {self.commit_id}"
        return f"DatasetClient({self.name!r}, {where})"
