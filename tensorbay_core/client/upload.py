"""``upload_dataset``: the bounded, batched, resumable upload of a local Dataset.

Local files (``Data``) are hashed, sent where the service says (content-addressed), then
confirmed; ``AuthData`` are imported server-side. Work is cut into batches; at most
``2 * jobs`` batches are in flight; the service records a batch's entries in one
transaction only once their objects are stored, so an interrupted upload resumes with
``skip_uploaded_files=True`` and copies nothing twice.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from tqdm import tqdm

from ..dataset import AuthData, Data, Dataset
from ..errors import InvalidArgument, TensorBayError, UploadError
from ..label.mask import LocalMask
from .dataset import DatasetClient
from .transport import Transport

MAX_BATCH = 100
SHOWN_FAILURES = 10
MASKS = ("semantic_mask", "instance_mask", "panoptic_mask")


@dataclass
class Batch:
    """Items of one kind (local files, or AuthData of one config) of one segment."""

    segment: str
    kind: str  # "data" or the source config name of AuthData
    items: list[Any]


def check_dataset(dataset: Dataset, default_config: str | None, validate: bool) -> int:
    """Refuse bad input before anything is sent; return the number of data."""
    total = 0
    problems: list[str] = []
    for segment in dataset:
        seen: set[str] = set()
        for data in segment:
            total += 1
            where = f"{segment.name}/{data.path}" if segment.name else data.path
            if data.path in seen:
                problems.append(f"{where}: two data of segment {segment.name!r} have this remote path")
            seen.add(data.path)
            if isinstance(data, Data):
                if not os.path.isfile(data.local_path):
                    problems.append(f"{where}: local file {data.local_path!r} does not exist")
            elif isinstance(data, AuthData):
                if not (getattr(data, "config_name", None) or default_config):
                    problems.append(
                        f"{where}: AuthData needs a storage config: list it with gas.get_cloud_client(name)"
                        " or create the dataset with config_name="
                    )
            else:
                problems.append(f"{where}: {type(data).__name__} cannot be uploaded; use Data or AuthData")
            if any(isinstance(getattr(data.label, m, None), LocalMask) for m in MASKS):
                problems.append(f"{where}: mask files cannot be uploaded yet; upload the mask images as data")
            if len(problems) > SHOWN_FAILURES:
                break
    if problems:
        raise InvalidArgument("nothing was uploaded:\n  " + "\n  ".join(problems[:SHOWN_FAILURES]))
    if validate:
        dataset.validate()
    return total


def _batches(dataset: Dataset, default_config: str | None, size: int) -> Iterator[Batch]:
    for segment in dataset:
        pending: dict[str, Batch] = {}
        for data in segment:
            kind = (
                "data" if isinstance(data, Data) else (getattr(data, "config_name", None) or default_config)
            )
            batch = pending.setdefault(str(kind), Batch(segment.name, str(kind), []))
            batch.items.append(data)
            if len(batch.items) >= size:
                yield pending.pop(str(kind))
        yield from (b for b in pending.values() if b.items)


class Uploader:
    """Runs the batches of one ``upload_dataset`` call."""

    def __init__(self, transport: Transport, client: DatasetClient, skip: bool) -> None:
        self.transport = transport
        self.client = client
        self.skip = skip
        self.draft = client._draft_for_write()
        self.failures: list[tuple[str, str]] = []
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def _call(self, op: str, batch: Batch, **params: Any) -> Any:
        return self.transport.call(
            op, dataset=self.client.name, draft_number=self.draft, segment=batch.segment, **params
        )

    def _import(self, batch: Batch) -> list[dict[str, Any]]:
        items = [
            {
                "cloudPath": d.cloud_path,
                "remotePath": d.path,
                "label": d.label.dumps(),
                "timestamp": d.timestamp,
                "size": d.size,
                "etag": d.etag,
            }
            for d in batch.items
        ]
        return list(
            self._call(
                "import_auth_data", batch, config_name=batch.kind, items=items, skip_uploaded=self.skip
            )["results"]
        )

    def _upload(self, batch: Batch) -> list[dict[str, Any]]:
        by_path = {d.path: d for d in batch.items}
        files = [{"remotePath": d.path, "checksum": d.get_checksum(), "size": d.size} for d in batch.items]
        plan = self._call(
            "prepare_uploads", batch, files=files, skip_uploaded=self.skip, sign=self.transport.signs_uploads
        )["uploads"]
        sends = [(u, by_path[u["remotePath"]].local_path) for u in plan if u["status"] == "upload"]
        outcomes = self.transport.put_objects(self.client.name, sends)
        errors = dict(zip((u["remotePath"] for u, _ in sends), outcomes, strict=True))
        results, confirm = [], []
        for upload in plan:
            data = by_path[upload["remotePath"]]
            if upload["status"] in ("failed", "skipped"):
                results.append(upload)
                continue
            if errors.get(data.path):
                results.append({"remotePath": data.path, "status": "failed", "error": errors[data.path]})
                continue
            confirm.append(
                {
                    "remotePath": data.path,
                    "checksum": data.get_checksum(),
                    "size": data.size,
                    "label": data.label.dumps(),
                    "timestamp": data.timestamp,
                }
            )
        if confirm:
            results.extend(self._call("confirm_uploads", batch, files=confirm)["results"])
        return results

    def run_batch(self, batch: Batch) -> None:
        """Send one batch; file-level failures are collected, not raised."""
        try:
            results = self._upload(batch) if batch.kind == "data" else self._import(batch)
        except (TensorBayError, OSError) as exc:
            results = [{"remotePath": d.path, "status": "failed", "error": str(exc)} for d in batch.items]
        with self._lock:
            for result in results:
                self.counts[result["status"]] = self.counts.get(result["status"], 0) + 1
                if result["status"] == "failed":
                    where = (
                        f"{batch.segment}/{result['remotePath']}" if batch.segment else result["remotePath"]
                    )
                    self.failures.append((where, result.get("error", "")))


def upload(
    transport: Transport,
    client: DatasetClient,
    dataset: Dataset,
    *,
    jobs: int,
    skip_uploaded_files: bool,
    quiet: bool,
) -> dict[str, int]:
    """Upload every segment of ``dataset`` into the client's draft; return status counts."""
    total = sum(len(segment) for segment in dataset)
    size = max(1, min(MAX_BATCH, math.ceil(total / max(1, jobs * 4))))
    uploader = Uploader(transport, client, skip_uploaded_files)
    if dataset.catalog.dumps():
        client.upload_catalog(dataset.catalog)
    client.update_notes(dataset.notes)
    for segment in dataset:
        client.create_segment(segment.name)
    slots = threading.BoundedSemaphore(2 * jobs)
    bar = tqdm(total=total, desc=f"Uploading {dataset.name}", unit="file", disable=quiet)

    def done(batch: Batch, _future: Future[None]) -> None:
        slots.release()
        bar.update(len(batch.items))

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="tensorbay-upload")
    try:
        for batch in _batches(dataset, client.config_name, size):
            slots.acquire()
            future = pool.submit(uploader.run_batch, batch)
            future.add_done_callback(partial(done, batch))
        pool.shutdown(wait=True)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        print(_resume_hint(client), file=sys.stderr)
        raise
    bar.close()
    if uploader.failures:
        shown = "\n  ".join(f"{path}: {reason}" for path, reason in uploader.failures[:SHOWN_FAILURES])
        more = len(uploader.failures) - SHOWN_FAILURES
        raise UploadError(
            f"{len(uploader.failures)} of {total} files failed (the others are in draft "
            f"#{client.draft_number}):\n  {shown}"
            + (f"\n  ... and {more} more" if more > 0 else "")
            + "\n"
            + _resume_hint(client),
            uploader.failures,
        )
    return uploader.counts


def _resume_hint(client: DatasetClient) -> str:
    return (
        f"To finish, fix the cause and run gas.upload_dataset(dataset, draft_number={client.draft_number}, "
        "skip_uploaded_files=True): what is already uploaded is kept and not copied again."
    )
