"""The JSON the operations take and answer, as typed records.

Keys are the wire's (camelCase, as TensorBay's API spells them); mypy checks every use, so a
misspelt key is a type error on either side, not a runtime ``KeyError``.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

Json = dict[str, Any]


class StorageConfig(TypedDict):
    """A storage config as listed: its non-secret ``fields``; ``available`` is False (and
    ``problem`` says why) when no installed plugin provides its type. (Named as schema-driven
    test tools expect: the ``config_name`` they see taken is then one they know is made by
    ``create_storage_config``.)"""

    name: str
    type: str
    filePath: str
    fields: Json
    available: bool
    problem: NotRequired[str]


class StorageConfigPage(TypedDict):
    configs: list[StorageConfig]
    totalCount: int


class CloudFile(TypedDict):
    """An object of a storage config, as listed."""

    path: str
    size: int
    etag: str
    mtime: float | None


class CloudFilePage(TypedDict):
    files: list[CloudFile]
    truncated: bool


class SignedUrl(TypedDict):
    url: str


class DatasetInfo(TypedDict):
    id: str
    name: str
    alias: str
    configName: str | None
    defaultBranch: str
    commitId: str | None


class DatasetNamePage(TypedDict):
    names: list[str]
    totalCount: int


class DeletedDataset(TypedDict):
    name: str
    leftObjects: int


DraftStatus = Literal["OPEN", "CLOSED", "COMMITTED"]


class DraftInfo(TypedDict):
    number: int
    title: str
    description: str
    branchName: str
    parentCommitId: str | None
    status: DraftStatus
    createdAt: float


class CommitInfo(TypedDict):
    commitId: str
    parentCommitId: str | None
    title: str
    description: str
    branchName: str
    committedAt: float


class BranchInfo(TypedDict):
    name: str
    commitId: str | None


class DataEntry(TypedDict):
    """One data of a version."""

    remotePath: str
    label: Json
    size: int
    checksum: str
    timestamp: NotRequired[float]


class DataPage(TypedDict):
    data: list[DataEntry]
    truncated: bool


class DataUrl(TypedDict):
    """A signed GET URL and what its download must match."""

    url: str
    etag: str
    size: int
    sha1: str | None


class ImportItem(TypedDict):
    """An object of a storage config to import; size and etag as listed spare a request."""

    cloudPath: str
    remotePath: str
    label: NotRequired[Json]
    timestamp: NotRequired[float | None]
    size: NotRequired[int | None]
    etag: NotRequired[str | None]


class FileItem(TypedDict):
    """A local file to upload: its SHA-1 and size."""

    remotePath: str
    checksum: str
    size: int


class UploadedItem(FileItem):
    """An uploaded file to record, at the key ``prepare_uploads`` gave it."""

    key: str
    label: NotRequired[Json]
    timestamp: NotRequired[float | None]


class LocalFileItem(FileItem):
    """A local file to upload and record in one step (embedded mode, where the service can
    read the file itself): where it is, and what to record with it."""

    localPath: str
    label: NotRequired[Json]
    timestamp: NotRequired[float | None]


ItemStatus = Literal["skipped", "referenced", "reused", "copied", "stored", "upload", "uploaded", "failed"]


class ItemResult(TypedDict):
    """What became of one item of a batch."""

    remotePath: str
    status: ItemStatus
    error: NotRequired[str]


class UploadPlace(ItemResult):
    """Where a file of ``prepare_uploads`` goes: a key, and when asked a signed PUT URL with
    the headers its storage wants sent along."""

    key: NotRequired[str]
    url: NotRequired[str]
    headers: NotRequired[dict[str, str]]


class BatchResults(TypedDict):
    results: list[ItemResult]


class UploadPlan(TypedDict):
    uploads: list[UploadPlace]
