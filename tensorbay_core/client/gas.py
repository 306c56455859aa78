"""``GAS``: the entry point of the SDK, with TensorBay's method names."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..api.records import StorageConfig as StorageConfigJson
from ..dataset import Dataset
from ..errors import InvalidArgument
from .cloud import CloudClient
from .dataset import DatasetClient
from .transport import Transport
from .upload import UploadWorkflow, check_dataset, find_dataset

#: The SDK logs what a caller may want to know but need not act on; it prints nothing.
log = logging.getLogger("tensorbay_core.client")


@dataclass(frozen=True)
class StorageConfigInfo:
    """A storage config as listed: never carries its secrets.

    ``available`` is False when no installed plugin provides its type (``problem`` says
    what to install); such a config still lists, and only what needs its storage fails.
    """

    name: str
    type: str
    file_path: str
    fields: dict[str, Any] = field(default_factory=dict)
    available: bool = True
    problem: str = ""

    @classmethod
    def from_json(cls, body: StorageConfigJson) -> StorageConfigInfo:
        """Build from the service's JSON."""
        return cls(
            body["name"],
            body["type"],
            body["filePath"],
            dict(body["fields"]),
            body["available"],
            body.get("problem", ""),
        )


def _transport(access_key: str, url: str, home: str | None) -> Transport:
    if url:
        from .http import HTTPTransport

        return HTTPTransport(url, access_key)
    from ..service import EMBEDDED_USER, embedded_service
    from .embedded import EmbeddedTransport

    service = embedded_service(home)
    return EmbeddedTransport(service, service.ensure_user(EMBEDDED_USER))


class GAS:
    """Manage storage configs and datasets.

    With no ``url`` the service runs in this process (SQLite and local storage under
    ``$TENSORBAY_HOME``, default ``~/.tensorbay``); with ``url`` it is a ``gas serve``.
    """

    def __init__(self, access_key: str, url: str = "", *, home: str | None = None) -> None:
        if not isinstance(access_key, str) or not access_key:
            raise InvalidArgument("GAS needs an access key, e.g. GAS('Accesskey-...')")
        self._transport = _transport(access_key, url, home)

    def __repr__(self) -> str:
        return f"GAS({self._transport!r})"

    # -- storage configs ------------------------------------------------------------------

    def create_storage_config(self, type: str, name: str, file_path: str, **fields: Any) -> CloudClient:
        """Create a config of any installed provider type; its connection is checked now."""
        self._transport.api.create_storage_config(type, name, file_path, fields)
        return CloudClient(name, self._transport)

    def create_oss_storage_config(
        self,
        name: str,
        file_path: str,
        *,
        endpoint: str,
        accesskey_id: str,
        accesskey_secret: str,
        bucket_name: str,
        **extra: Any,
    ) -> CloudClient:
        """An Aliyun OSS config (needs the tensorbay-oss plugin)."""
        return self.create_storage_config(
            "oss",
            name,
            file_path,
            endpoint=endpoint,
            accesskey_id=accesskey_id,
            accesskey_secret=accesskey_secret,
            bucket_name=bucket_name,
            **extra,
        )

    def create_s3_storage_config(
        self,
        name: str,
        file_path: str,
        *,
        endpoint: str,
        accesskey_id: str,
        accesskey_secret: str,
        bucket_name: str,
        **extra: Any,
    ) -> CloudClient:
        """An Amazon S3 (or S3-compatible) config (needs the tensorbay-s3 plugin)."""
        return self.create_storage_config(
            "s3",
            name,
            file_path,
            endpoint=endpoint,
            accesskey_id=accesskey_id,
            accesskey_secret=accesskey_secret,
            bucket_name=bucket_name,
            **extra,
        )

    def create_azure_storage_config(
        self,
        name: str,
        file_path: str,
        *,
        account_type: str,
        account_name: str,
        account_key: str,
        container_name: str,
        **extra: Any,
    ) -> CloudClient:
        """An Azure Blob config (needs the tensorbay-azure plugin)."""
        return self.create_storage_config(
            "azure",
            name,
            file_path,
            account_type=account_type,
            account_name=account_name,
            account_key=account_key,
            container_name=container_name,
            **extra,
        )

    def create_local_storage_config(self, name: str, file_path: str, endpoint: str = "") -> CloudClient:
        """A directory on the service's machine; ``endpoint`` is where ``gas serve`` serves it."""
        return self.create_storage_config("local", name, file_path, endpoint=endpoint)

    def list_auth_storage_configs(self) -> list[StorageConfigInfo]:
        """Every storage config, without secrets."""
        configs: list[StorageConfigInfo] = []
        while True:
            page = self._transport.api.list_storage_configs(len(configs), 128)
            configs.extend(StorageConfigInfo.from_json(c) for c in page["configs"])
            if not page["configs"] or len(configs) >= page["totalCount"]:
                return configs

    def get_auth_storage_config(self, name: str) -> StorageConfigInfo:
        """One storage config, without secrets."""
        return StorageConfigInfo.from_json(self._transport.api.get_storage_config(name))

    def delete_storage_config(self, name: str) -> None:
        """Delete a config that no dataset uses."""
        self._transport.api.delete_storage_config(name)

    def get_cloud_client(self, name: str) -> CloudClient:
        """Browse the files of a storage config."""
        self._transport.api.get_storage_config(name)
        return CloudClient(name, self._transport)

    # -- datasets -------------------------------------------------------------------------

    def create_dataset(self, name: str, config_name: str | None = None, alias: str = "") -> DatasetClient:
        """Create a dataset on the default storage, or on the named storage config."""
        info = self._transport.api.create_dataset(name, config_name, alias)
        return DatasetClient(info, self._transport)

    def get_dataset(self, name: str) -> DatasetClient:
        """A client at the dataset's latest commit."""
        return DatasetClient(self._transport.api.get_dataset(name), self._transport)

    def list_dataset_names(self) -> list[str]:
        """Every dataset name, sorted."""
        names: list[str] = []
        while True:
            page = self._transport.api.list_dataset_names(len(names), 128)
            names.extend(page["names"])
            if not page["names"] or len(names) >= page["totalCount"]:
                return names

    def rename_dataset(self, name: str, new_name: str) -> None:
        """Rename a dataset."""
        self._transport.api.update_dataset(name, new_name=new_name)

    def update_dataset(self, name: str, *, alias: str | None = None) -> None:
        """Change a dataset's alias."""
        self._transport.api.update_dataset(name, alias=alias)

    def delete_dataset(self, name: str) -> None:
        """Delete a dataset and the objects it wrote; the user's original objects stay.

        If its storage could not be reached, the dataset is deleted anyway and a warning
        says how many objects were left; they are removed once the storage is reachable
        (deleting its config retries, and refuses until they are gone).
        """
        left = self._transport.api.delete_dataset(name)["leftObjects"]
        if left:
            warnings.warn(
                f"dataset {name!r} is deleted, but {left} of its stored objects could not be removed "
                "(the storage was unreachable); they are removed when it is reachable again",
                UserWarning,
                stacklevel=2,
            )

    def upload_dataset(
        self,
        dataset: Dataset,
        draft_number: int | None = None,
        *,
        branch_name: str = "main",
        jobs: int = 8,
        skip_uploaded_files: bool = False,
        quiet: bool = False,
        commit: str | None = None,
        validate: bool = True,
    ) -> DatasetClient:
        """Upload a local ``Dataset`` into a draft of the existing dataset of the same name.

        Local files are uploaded, AuthData imported server-side (or referenced in place).
        The upload goes to ``draft_number``, else the first open draft of ``branch_name``,
        else a new draft. With ``commit="title"`` the draft is committed at the end, only if
        every file was recorded; else commit it yourself: reads show the latest commit.
        """
        client = find_dataset(self.get_dataset, dataset.name)
        workflow = UploadWorkflow(
            self._transport, client, dataset, jobs=jobs, skip_uploaded_files=skip_uploaded_files, quiet=quiet
        )
        check_dataset(dataset, client.config_name, validate)
        workflow.choose_draft(draft_number, branch_name)
        workflow.run()
        if commit:
            client.commit(commit)
        else:
            # Logged, not printed: a library's output is its caller's. Reading a dataset
            # that has only drafts warns the user where it matters.
            log.info(
                "uploaded %r into draft #%s; reads show the latest commit: call commit(title) to publish it",
                dataset.name,
                client.draft_number,
            )
        return client
