"""``gas import``: files of a storage config into a dataset, labelled, in one command.

The seed's whole flow (examples/quickstart.py): list the files under a prefix, attach the
label file whose stem matches each one, upload with the SDK's workflow (jobs, resumable,
a bar on a terminal) and optionally commit. The dataset is created on the config if it
does not exist, so the files are referenced in place instead of copied.
"""

from __future__ import annotations

import json
import posixpath
import sys
from typing import TYPE_CHECKING

import click
from tqdm import tqdm

from ..errors import NotFound
from ..names import check_remote_path
from .files import jobs_option, skip_option, upload
from .output import file_count
from .session import parse_tbrn, session
from .tbrn import TBRN

if TYPE_CHECKING:
    from ..client import GAS
    from ..dataset import AuthData
    from ..label import Classification

LABEL_FORMATS = ("classification-json",)


def _place(text: str) -> tuple[str, str]:
    """``CONFIG:PREFIX`` -> (config, prefix); the prefix may be empty (the whole config)."""
    config, colon, prefix = text.partition(":")
    if not colon or not config:
        raise click.BadParameter(f"{text!r}: write CONFIG:PREFIX, e.g. bucket:data/images/")
    return config, prefix


def _below(path: str, prefix: str) -> str:
    """A file's path below the prefix's folder (the prefix up to its last ``/``)."""
    return path[prefix.rfind("/") + 1 :]


def _stem(path: str, prefix: str) -> str:
    """A file's path below the prefix's folder, without extension: what pairs data with labels."""
    return posixpath.splitext(_below(path, prefix))[0]


def _labels(gas: GAS, place: str) -> dict[str, AuthData]:
    config, prefix = _place(place)
    return {_stem(a.cloud_path, prefix): a for a in gas.get_cloud_client(config).list_auth_data(prefix)}


def _read_label(label: AuthData) -> Classification:
    """A label file's label; a file that is not one is named in the error."""
    from ..label import Classification

    try:
        with label.open() as fp:
            return Classification.loads(json.load(fp))
    except ValueError as exc:  # malformed JSON, or JSON that is not this label
        raise click.ClickException(f"label file {label.cloud_path}: {exc}") from None


def _ensure_dataset(gas: GAS, target: TBRN, config: str) -> None:
    try:
        gas.get_dataset(target.dataset)
    except NotFound:
        gas.create_dataset(target.dataset, config)
        click.echo(f"Created dataset tb:{target.dataset} on storage config {config!r}")


@click.command("import")
@click.argument("source", metavar="CONFIG:PREFIX")
@click.argument("tbrn")
@click.option("--labels", metavar="CONFIG:PREFIX", help="label files, paired with the data by file stem")
@click.option(
    "--label-format",
    type=click.Choice(LABEL_FORMATS),
    default=LABEL_FORMATS[0],
    show_default=True,
    help="what a label file holds",
)
@click.option("-s", "--segment", default="", help="the segment to import into (default: the default segment)")
@click.option("-m", "--message", help="commit the draft with this title when every file is recorded")
@jobs_option
@skip_option
def import_command(
    source: str,
    tbrn: str,
    labels: str | None,
    label_format: str,
    segment: str,
    message: str | None,
    jobs: int,
    skip: bool,
) -> None:
    """Import the files under CONFIG:PREFIX into tb:DATASET[@BRANCH|#DRAFT].

    Paths below PREFIX become the data's remote paths. With --labels, each data gets the
    label file of the same stem (data/images/0001.png <- data/labels/0001.json).
    """
    from ..dataset import Dataset

    target = parse_tbrn(tbrn)
    if target.segment is not None:
        raise click.BadParameter(
            "give the segment with -s; the TBRN is tb:DATASET[@BRANCH|#DRAFT]", param_hint="TBRN"
        )
    config, prefix = _place(source)
    gas = session().gas()
    _ensure_dataset(gas, target, config)
    label_files = _labels(gas, labels) if labels else {}
    dataset = Dataset(target.dataset)
    data_segment = dataset.create_segment(segment)
    unlabelled = 0
    found = gas.get_cloud_client(config).list_auth_data(prefix)
    for auth_data in tqdm(
        found, desc="Reading labels", unit="file", disable=not labels or not sys.stderr.isatty()
    ):
        auth_data.path = check_remote_path(_below(auth_data.cloud_path, prefix))
        label = label_files.get(_stem(auth_data.cloud_path, prefix))
        if label is not None:
            auth_data.label.classification = _read_label(label)
        elif labels:
            unlabelled += 1
        data_segment.append(auth_data)
    if not len(data_segment):
        raise click.ClickException(
            f"no files under {source}: check the prefix with `gas storage show {config}`"
        )
    if unlabelled:
        click.echo(
            f"warning: {file_count(unlabelled)} without a label file of the same stem in {labels}", err=True
        )
    client = upload(dataset, target, jobs, skip, message)
    where = (
        TBRN(target.dataset, revision=client.commit_id)
        if message
        else TBRN(target.dataset, draft=client.draft_number)
    )
    click.echo(f"Imported {file_count(len(data_segment))} into {where}")
    if not message:
        click.echo(f"Publish them with: gas commit {where} -m MESSAGE", err=True)
