"""``gas dataset``: list, create or delete datasets."""

from __future__ import annotations

import click

from .output import echo_json, json_option
from .session import parse_tbrn, session


@click.command("dataset")
@click.argument("tbrn", required=False)
@click.option("-d", "--delete", is_flag=True, help="delete the dataset")
@click.option("-y", "--yes", is_flag=True, help="with -d: do not ask for confirmation")
@click.option(
    "--config", "config_name", metavar="CONFIG", help="create on this storage config (see `gas storage list`)"
)
@click.option("--alias", default="", help="a display name for the new dataset")
@json_option
def dataset(
    tbrn: str | None, delete: bool, yes: bool, config_name: str | None, alias: str, as_json: bool
) -> None:
    """List datasets (no TBRN), create tb:DATASET, or delete it (-d).

    Deleting removes the objects the dataset wrote, never the files of your own storage.
    """
    gas = session().gas()
    if tbrn is None:
        if delete or config_name or alias:
            raise click.UsageError("name the dataset: gas dataset tb:DATASET ...")
        names = gas.list_dataset_names()
        if as_json:
            echo_json(names)
            return
        for name in names:
            click.echo(f"tb:{name}")
        return
    target = parse_tbrn(tbrn)
    if target.segment is not None or target.version is not None:
        raise click.BadParameter("a dataset is tb:DATASET, without version or segment", param_hint="TBRN")
    if delete:
        if config_name or alias:
            raise click.UsageError("-d takes no --config or --alias")
        if not yes:
            click.confirm(f"Delete dataset {target} and every version of it?", abort=True)
        gas.delete_dataset(target.dataset)
        click.echo(f"Deleted dataset {target}")
        return
    gas.create_dataset(target.dataset, config_name, alias)
    where = f"storage config {config_name!r}" if config_name else "the default storage"
    click.echo(f"Created dataset {target} on {where}")
