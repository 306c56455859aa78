"""The GAS API: every operation a client can call, with its parameters and answer.

The service implements it (each method taking the acting user first), the embedded client
calls the service through it, the HTTP client is generated from it, and so are the
server's routes. A version to read is named by one ``version`` value: a branch, a tag or
(a prefix of) a commit id, or ``#N`` for draft N; none means the default branch's head.
Writes always name their draft.
"""

from __future__ import annotations

from typing import Any, Protocol

from .operations import route
from .records import (
    BatchResults,
    BranchInfo,
    CloudFilePage,
    CommitInfo,
    DataEntry,
    DataPage,
    DatasetInfo,
    DatasetNamePage,
    DataUrl,
    DeletedDataset,
    DraftInfo,
    FileItem,
    ImportItem,
    Json,
    SignedUrl,
    StorageConfig,
    StorageConfigPage,
    TagInfo,
    UploadedItem,
    UploadPlan,
)

DEFAULT_BRANCH = "main"


class GasApi(Protocol):
    """The operations of the GAS service, as one user calls them."""

    # -- storage configs -----------------------------------------------------------------------

    @route("POST", "/storage-configs")
    def create_storage_config(
        self, type: str, name: str, file_path: str, values: dict[str, Any]
    ) -> StorageConfig:
        """Validate a config, check that it reaches its storage, and save it."""
        ...

    @route("GET", "/storage-configs")
    def list_storage_configs(self, offset: int = 0, limit: int = 128) -> StorageConfigPage:
        """A page of the user's configs, without secrets; one whose plugin is missing is
        listed as unavailable."""
        ...

    @route("GET", "/storage-configs/{name}")
    def get_storage_config(self, name: str) -> StorageConfig:
        """One config, without secrets."""
        ...

    @route("DELETE", "/storage-configs/{name}")
    def delete_storage_config(self, name: str) -> None:
        """Delete a config no dataset uses (after removing what deleted datasets left in it)."""
        ...

    @route("GET", "/cloud/{config_name}/files")
    def list_cloud_files(
        self, config_name: str, prefix: str = "", start_after: str = "", limit: int = 1000
    ) -> CloudFilePage:
        """A page of the objects under ``prefix`` in a config's storage, in key order."""
        ...

    @route("GET", "/cloud/{config_name}/urls")
    def get_cloud_file_url(self, config_name: str, path: str, expires: int = 3600) -> SignedUrl:
        """A signed GET URL of one object in a config's storage."""
        ...

    # -- datasets ------------------------------------------------------------------------------

    @route("POST", "/datasets")
    def create_dataset(self, name: str, config_name: str | None = None, alias: str = "") -> DatasetInfo:
        """Create an empty dataset on the default storage or on a named config."""
        ...

    @route("GET", "/datasets/{name}")
    def get_dataset(self, name: str) -> DatasetInfo:
        """A dataset's id, alias, config and head commit."""
        ...

    @route("GET", "/datasets")
    def list_dataset_names(self, offset: int = 0, limit: int = 128) -> DatasetNamePage:
        """A page of the user's dataset names, sorted."""
        ...

    @route("PATCH", "/datasets/{name}")
    def update_dataset(self, name: str, new_name: str | None = None, alias: str | None = None) -> DatasetInfo:
        """Rename a dataset and/or change its alias."""
        ...

    @route("DELETE", "/datasets/{name}")
    def delete_dataset(self, name: str) -> DeletedDataset:
        """Delete a dataset, then the objects it wrote that nothing references any more; never
        the user's own files. ``leftObjects`` counts what an unreachable storage kept."""
        ...

    # -- drafts, commits, branches ----------------------------------------------------------------

    @route("POST", "/datasets/{dataset}/drafts")
    def create_draft(
        self, dataset: str, title: str, description: str = "", branch_name: str = DEFAULT_BRANCH
    ) -> DraftInfo:
        """Open a draft on a branch, starting from the branch head."""
        ...

    @route("POST", "/datasets/{dataset}/drafts/open")
    def open_draft(
        self, dataset: str, title: str, description: str = "", branch_name: str = DEFAULT_BRANCH
    ) -> DraftInfo:
        """The first open draft of a branch, or a new one if it has none (atomic: concurrent
        callers share one draft)."""
        ...

    @route("GET", "/datasets/{dataset}/drafts")
    def list_drafts(
        self, dataset: str, status: str = "OPEN", branch_name: str | None = None
    ) -> list[DraftInfo]:
        """Drafts of a dataset, by status (OPEN, CLOSED, COMMITTED or ALL)."""
        ...

    @route("GET", "/datasets/{dataset}/drafts/{draft_number}")
    def get_draft(self, dataset: str, draft_number: int) -> DraftInfo:
        """One draft."""
        ...

    @route("PATCH", "/datasets/{dataset}/drafts/{draft_number}")
    def update_draft(
        self,
        dataset: str,
        draft_number: int,
        title: str | None = None,
        description: str | None = None,
        status: str | None = None,
    ) -> DraftInfo:
        """Change an open draft's title or description, or close it (status CLOSED)."""
        ...

    @route("POST", "/datasets/{dataset}/commits")
    def commit(self, dataset: str, draft_number: int, title: str, description: str = "") -> CommitInfo:
        """Freeze an open draft as a new commit on its branch (exactly one of concurrent
        commits of a draft wins)."""
        ...

    @route("GET", "/datasets/{dataset}/commits")
    def list_commits(self, dataset: str, version: str | None = None) -> list[CommitInfo]:
        """The history of a version, newest first."""
        ...

    @route("GET", "/datasets/{dataset}/revisions/{version}")
    def get_commit(self, dataset: str, version: str) -> CommitInfo:
        """The commit a branch, a tag or (a prefix of) a commit id names."""
        ...

    @route("POST", "/datasets/{dataset}/branches")
    def create_branch(self, dataset: str, name: str, version: str | None = None) -> BranchInfo:
        """A new branch at a commit (default: the default branch head)."""
        ...

    @route("GET", "/datasets/{dataset}/branches")
    def list_branches(self, dataset: str) -> list[BranchInfo]:
        """Every branch and its head."""
        ...

    @route("DELETE", "/datasets/{dataset}/branches/{name}")
    def delete_branch(self, dataset: str, name: str) -> None:
        """Remove a branch other than the default one that has no open draft (its commits stay)."""
        ...

    @route("POST", "/datasets/{dataset}/tags")
    def create_tag(self, dataset: str, name: str, version: str | None = None) -> TagInfo:
        """Tag a commit (default: the default branch head); a tag never moves."""
        ...

    @route("GET", "/datasets/{dataset}/tags")
    def list_tags(self, dataset: str) -> list[TagInfo]:
        """Every tag, by name."""
        ...

    @route("GET", "/datasets/{dataset}/tags/{name}")
    def get_tag(self, dataset: str, name: str) -> TagInfo:
        """One tag and the commit it names."""
        ...

    @route("DELETE", "/datasets/{dataset}/tags/{name}")
    def delete_tag(self, dataset: str, name: str) -> None:
        """Remove a tag (its commit stays)."""
        ...

    # -- contents -----------------------------------------------------------------------------------

    @route("GET", "/datasets/{dataset}/segments")
    def list_segment_names(self, dataset: str, version: str | None = None) -> list[str]:
        """Segment names of a version, sorted."""
        ...

    @route("POST", "/datasets/{dataset}/segments")
    def create_segment(self, dataset: str, draft_number: int, name: str = "") -> None:
        """Create a segment in a draft (no error if it exists)."""
        ...

    @route("DELETE", "/datasets/{dataset}/segments")
    def delete_segment(self, dataset: str, draft_number: int, name: str) -> None:
        """Remove a segment and its entries from a draft; objects only it used are deleted."""
        ...

    @route("GET", "/datasets/{dataset}/data")
    def list_data(
        self,
        dataset: str,
        segment: str = "",
        version: str | None = None,
        start_after: str = "",
        limit: int = 128,
    ) -> DataPage:
        """A page of a segment's data in path order, after ``start_after``."""
        ...

    @route("GET", "/datasets/{dataset}/data/count")
    def count_data(self, dataset: str, segment: str = "", version: str | None = None) -> int:
        """How many data a segment holds in a version."""
        ...

    @route("GET", "/datasets/{dataset}/data/details")
    def get_data(self, dataset: str, path: str, segment: str = "", version: str | None = None) -> DataEntry:
        """One data entry."""
        ...

    @route("GET", "/datasets/{dataset}/data/url")
    def get_data_url(
        self, dataset: str, path: str, segment: str = "", version: str | None = None, expires: int = 3600
    ) -> DataUrl:
        """A signed GET URL of a data file, after checking it is still the recorded object,
        with what a reader checks the download by: ``etag``, ``size`` and (when known) ``sha1``."""
        ...

    @route("POST", "/datasets/{dataset}/data/delete")
    def delete_data(self, dataset: str, draft_number: int, paths: list[str], segment: str = "") -> None:
        """Remove data entries from a draft; objects no version uses any more are deleted."""
        ...

    @route("PUT", "/datasets/{dataset}/labels")
    def update_labels(
        self, dataset: str, draft_number: int, labels: dict[str, Json], segment: str = ""
    ) -> None:
        """Replace the labels of existing data in a draft (``{path: label}``)."""
        ...

    @route("GET", "/datasets/{dataset}/catalog")
    def get_catalog(self, dataset: str, version: str | None = None) -> Json:
        """A version's catalog (TensorBay JSON)."""
        ...

    @route("PUT", "/datasets/{dataset}/catalog")
    def upload_catalog(self, dataset: str, draft_number: int, catalog: Json) -> None:
        """Set a draft's catalog."""
        ...

    @route("GET", "/datasets/{dataset}/notes")
    def get_notes(self, dataset: str, version: str | None = None) -> Json:
        """A version's notes."""
        ...

    @route("PUT", "/datasets/{dataset}/notes")
    def update_notes(self, dataset: str, draft_number: int, notes: Json) -> None:
        """Set a draft's notes."""
        ...

    # -- moving bytes -------------------------------------------------------------------------------

    @route("POST", "/datasets/{dataset}/imports")
    def import_auth_data(
        self,
        dataset: str,
        draft_number: int,
        config_name: str,
        items: list[ImportItem],
        segment: str = "",
        skip_uploaded: bool = False,
    ) -> BatchResults:
        """Import a batch of objects of a storage config into a draft: referenced in place when
        an object is its own target, else copied (server-side where the backend can) to a free
        place; a copy of the same source version the dataset holds is reused."""
        ...

    @route("POST", "/datasets/{dataset}/uploads")
    def prepare_uploads(
        self,
        dataset: str,
        draft_number: int,
        files: list[FileItem],
        segment: str = "",
        skip_uploaded: bool = False,
        sign: bool = False,
    ) -> UploadPlan:
        """Where each local file of a batch goes: a claimed, empty place of the dataset's own
        (status "upload", with a signed PUT URL when ``sign``), or nowhere when the dataset
        stores its bytes already ("stored") or the draft holds it ("skipped")."""
        ...

    @route("POST", "/datasets/{dataset}/uploads/confirm")
    def confirm_uploads(
        self, dataset: str, draft_number: int, files: list[UploadedItem], segment: str = ""
    ) -> BatchResults:
        """Record uploaded files once their bytes are verified (the SHA-1 of what is stored
        must be the file's)."""
        ...
