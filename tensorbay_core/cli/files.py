"""``gas ls``, ``gas cp`` and ``gas rm``: the data of a dataset, named by TBRN."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from ..errors import UploadError
from .output import echo_json, file_count, human_size, json_option, table
from .session import dataset_at, draft_of, parse_tbrn, session
from .tbrn import TBRN

#: Failed files an upload error names (the rest are counted).
SHOWN_FAILURES = 3

if TYPE_CHECKING:
    from ..client import DatasetClient
    from ..dataset import Dataset


def _data_under(client: DatasetClient, where: TBRN) -> Iterator[Any]:
    """The RemoteData of ``where``'s segment, under its path (a file, or a folder prefix)."""
    assert where.segment is not None
    path = where.path
    for data in client.get_segment(where.segment).list_data():
        if path is None or data.path == path or (path.endswith("/") and data.path.startswith(path)):
            yield data


@click.command("ls")
@click.argument("tbrn", required=False)
@click.option("-a", "--all", "all_", is_flag=True, help="list the data of every segment")
@click.option("-l", "--long", "long_", is_flag=True, help="show sizes and checksums")
@json_option
def ls(tbrn: str | None, all_: bool, long_: bool, as_json: bool) -> None:
    """List datasets (no TBRN), the segments of tb:DATASET, or the data of tb:DATASET:SEGMENT[://PATH].

    Reads the latest commit of main unless the TBRN names @REVISION or #DRAFT.
    """
    if tbrn is None:
        names = session().gas().list_dataset_names()
        if as_json:
            echo_json([{"tbrn": f"tb:{name}"} for name in names])
            return
        for name in names:
            click.echo(f"tb:{name}")
        return
    target = parse_tbrn(tbrn)
    client = dataset_at(target)
    if target.segment is None and not all_:
        segments = [target.with_segment(name) for name in client.list_segment_names()]
        if as_json:
            echo_json([{"tbrn": str(s), "segment": s.segment} for s in segments])
            return
        for segment in segments:
            click.echo(str(segment))
        return
    wheres = (
        [target]
        if target.segment is not None
        else [target.with_segment(n) for n in client.list_segment_names()]
    )
    rows: list[dict[str, Any]] = []
    for where in wheres:
        assert where.segment is not None
        for data in _data_under(client, where):
            rows.append(
                {
                    "tbrn": str(where.with_segment(where.segment, data.path)),
                    "size": data.size,
                    "checksum": data.checksum,
                    "label": data.label.dumps(),
                }
            )
    if as_json:
        echo_json(rows)
    elif long_:
        table([[human_size(r["size"]), r["checksum"][:12], r["tbrn"]] for r in rows], (None, "yellow"))
        click.echo(f"{file_count(len(rows))}, {human_size(sum(r['size'] for r in rows))}")
    else:
        for row in rows:
            click.echo(row["tbrn"])


def _local_files(paths: tuple[str, ...], recursive: bool, remote: str | None) -> Iterator[tuple[str, str]]:
    """``(local path, remote path)`` of each file to copy.

    A directory's files keep their paths relative to it, under ``remote`` as a folder; a
    file goes to ``remote`` itself, or into it if it ends with ``/``.
    """
    for path in paths:
        if os.path.isdir(path):
            if not recursive:
                raise click.UsageError(f"{path} is a directory: copy it with -r")
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    local = os.path.join(root, name)
                    yield local, _under(remote, os.path.relpath(local, path).replace(os.sep, "/"))
        elif os.path.isfile(path):
            yield (
                path,
                remote if remote and not remote.endswith("/") else _under(remote, os.path.basename(path)),
            )
        else:
            raise click.UsageError(f"{path}: no such file or directory")


def _under(folder: str | None, relative: str) -> str:
    return f"{folder.rstrip('/')}/{relative}" if folder else relative


def upload(dataset: Dataset, target: TBRN, jobs: int, skip: bool, commit: str | None = None) -> DatasetClient:
    """``GAS.upload_dataset`` with a bar on a terminal; a failure says how to resume from the CLI."""
    try:
        return (
            session()
            .gas()
            .upload_dataset(
                dataset,
                target.draft,
                branch_name=target.revision or "main",
                jobs=jobs,
                skip_uploaded_files=skip,
                quiet=not sys.stderr.isatty(),
                commit=commit,
            )
        )
    except UploadError as exc:
        shown = "; ".join(f"{path}: {reason}" for path, reason in exc.failures[:SHOWN_FAILURES])
        more = len(exc.failures) - SHOWN_FAILURES
        shown += f"; and {more} more" if more > 0 else ""
        unsent = f", {file_count(exc.unsent)} not sent" if exc.unsent else ""
        raise click.ClickException(
            f"{file_count(len(exc.failures))} failed{unsent} ({shown}): fix the cause and run the same "
            "command with --skip-uploaded-files to finish; what is uploaded is kept"
        ) from None


def jobs_option(function: click.decorators.FC) -> click.decorators.FC:
    """``-j/--jobs``: how many files are in flight at once."""
    return click.option(
        "-j",
        "--jobs",
        default=8,
        show_default=True,
        type=click.IntRange(1, 64),
        help="files in flight at once",
    )(function)


def skip_option(function: click.decorators.FC) -> click.decorators.FC:
    """``--skip-uploaded-files``: resume an upload."""
    return click.option(
        "--skip-uploaded-files", "skip", is_flag=True, help="skip files the draft already holds (resume)"
    )(function)


@click.command("cp")
@click.argument("sources", nargs=-1, required=True, metavar="LOCAL...")
@click.argument("tbrn")
@click.option("-r", "--recursive", is_flag=True, help="copy directories, keeping their files' relative paths")
@jobs_option
@skip_option
def cp(sources: tuple[str, ...], tbrn: str, recursive: bool, jobs: int, skip: bool) -> None:
    """Upload local files into tb:DATASET[#DRAFT]:SEGMENT[://PATH].

    Without #DRAFT the files go to the first open draft of main (or of @BRANCH), or a new
    one. PATH ending in '/' is a folder; otherwise it is the remote path of the one file.
    """
    from ..dataset import Data, Dataset

    target = parse_tbrn(tbrn)
    if target.segment is None:
        raise click.BadParameter(
            f"name the segment: {target}:SEGMENT (':' alone is the default one)", param_hint="TBRN"
        )
    if target.path and not target.path.endswith("/") and len(sources) > 1:
        raise click.UsageError(f"{len(sources)} sources cannot all be {target.path}: end the path with '/'")
    sent = list(_local_files(sources, recursive, target.path))
    dataset = Dataset(target.dataset)
    segment = dataset.create_segment(target.segment)
    for local, remote in sent:
        segment.append(Data(local, target_remote_path=remote))
    client = upload(dataset, target, jobs, skip)
    draft = TBRN(target.dataset, draft=client.draft_number, segment=target.segment)
    click.echo(f"Uploaded {file_count(len(sent))} to {draft}")


@click.command("rm")
@click.argument("tbrn")
@click.option(
    "-r", "--recursive", is_flag=True, help="remove a whole segment, or a folder (PATH ending in '/')"
)
def rm(tbrn: str, recursive: bool) -> None:
    """Remove data (tb:DATASET#N:SEGMENT://PATH) or a segment (-r tb:DATASET#N:SEGMENT) from a draft."""
    target = parse_tbrn(tbrn)
    if target.segment is None:
        raise click.BadParameter("name a segment or a path: tb:DATASET#N:SEGMENT[://PATH]", param_hint="TBRN")
    folder = target.path is None or target.path.endswith("/")
    if folder and not recursive:
        raise click.UsageError(f"{target} is a segment or a folder: remove it with -r")
    client = draft_of(target, "rm")
    if target.path is None:
        client.delete_segment(target.segment)
        click.echo(f"Removed segment {target}")
        return
    paths = [data.path for data in _data_under(client, target)]
    if not paths:
        raise click.ClickException(f"{target}: no such data in the draft")
    client.get_segment(target.segment).delete_data(paths)
    click.echo(f"Removed {file_count(len(paths))} from {target}")
