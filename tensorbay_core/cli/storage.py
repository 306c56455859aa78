"""``gas storage``: list, show, create, check and delete storage configs.

A secret field (an access key secret, an account key) is read from ``$GAS_STORAGE_<FIELD>``
or asked for without echo, so it stays out of shell history and process lists; given as a
plain ``--field`` flag it is accepted with a warning. Which fields are secret the installed
plugin says (``gas plugins``); for a type no local plugin knows, a field named like a
secret (``*secret*``, ``*key*``, ``*password*``, ``*token*``) counts as one.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from typing import Any

import click

from .output import echo_json, json_option, table
from .session import session

ENV_PREFIX = "GAS_STORAGE_"
_SECRET_NAME = re.compile(r"secret|key|password|token", re.IGNORECASE)


@click.group("storage")
def storage() -> None:
    """Storage configs: where datasets keep their files (see `gas plugins` for the types)."""


@storage.command("list")
@json_option
def list_configs(as_json: bool) -> None:
    """Every storage config (never its secrets)."""
    configs = session().gas().list_auth_storage_configs()
    if as_json:
        echo_json([asdict(c) for c in configs])
        return
    rows = [
        [c.name, c.type, c.file_path, "ok" if c.available else f"unavailable: {c.problem}"] for c in configs
    ]
    table(rows, ("cyan", None, None, None))


@storage.command("show")
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """One storage config's fields (never its secrets)."""
    config = session().gas().get_auth_storage_config(name)
    if as_json:
        echo_json(asdict(config))
        return
    rows = [["name", config.name], ["type", config.type], ["file_path", config.file_path]]
    rows += [[key, str(value)] for key, value in sorted(config.fields.items())]
    if not config.available:
        rows.append(["problem", config.problem])
    table(rows, ("cyan",))


def _flags(args: list[str]) -> dict[str, str]:
    """``--field value`` and ``--field=value`` pairs; dashes in a field's name become ``_``."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) == 2:
            raise click.UsageError(f"unexpected {arg!r}: give fields as --FIELD VALUE")
        name, equals, value = arg[2:].partition("=")
        if not equals:
            if i + 1 >= len(args):
                raise click.UsageError(f"--{name} needs a value")
            i += 1
            value = args[i]
        fields[name.replace("-", "_")] = value
        i += 1
    return fields


def _schema(type_: str) -> list[dict[str, Any]] | None:
    """The fields a locally installed plugin declares for ``type_``, if one does."""
    from ..storage import get_plugins

    for provider in get_plugins().describe():
        if provider["type"] == type_:
            return list(provider["fields"])
    return None


def _secrets(type_: str, given: dict[str, str]) -> dict[str, str]:
    """The secret fields: from the environment, or asked for; a flag's value with a warning."""
    schema = _schema(type_)
    if schema is None:
        secret = {name: False for name in given if _SECRET_NAME.search(name)}
    else:
        secret = {f["name"]: f["required"] for f in schema if f["secret"] and not f.get("generated")}
    found: dict[str, str] = {}
    for name, required in secret.items():
        env = ENV_PREFIX + name.upper()
        if name in given:
            click.echo(
                f"warning: --{name} on the command line is visible in process lists and shell history; "
                f"leave it out to be asked for it, or set ${env}",
                err=True,
            )
            found[name] = given[name]
        elif os.environ.get(env):
            found[name] = os.environ[env]
        elif required:
            found[name] = click.prompt(f"{name} (not shown)", hide_input=True)
    return found


@storage.command("create", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("type_", metavar="TYPE")
@click.argument("name")
@click.option("--file-path", required=True, help="the folder (or bucket prefix) the config covers")
@click.pass_context
def create(ctx: click.Context, type_: str, name: str, file_path: str) -> None:
    """Create a config of TYPE: gas storage create TYPE NAME --file-path PATH --FIELD VALUE ...

    Its connection is checked now, so a wrong key or bucket fails here. Secret fields are
    read from $GAS_STORAGE_<FIELD> (e.g. GAS_STORAGE_ACCESSKEY_SECRET) or asked for.
    """
    given = _flags(ctx.args)
    fields = {**given, **_secrets(type_, given)}
    session().gas().create_storage_config(type_, name, file_path, **fields)
    click.echo(f"Created storage config {name!r} ({type_}, {file_path})")


@storage.command("check")
@click.argument("name")
def check(name: str) -> None:
    """Check that a config's storage answers (lists one file)."""
    gas = session().gas()
    config = gas.get_auth_storage_config(name)
    if not config.available:
        raise click.ClickException(f"storage config {name!r} is unavailable: {config.problem}")
    next(iter(gas.get_cloud_client(name).list_auth_data()), None)
    click.echo(f"Storage config {name!r} ({config.type}) is reachable")


@storage.command("delete")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="do not ask for confirmation")
def delete(name: str, yes: bool) -> None:
    """Delete a config no dataset uses (its files stay where they are)."""
    if not yes:
        click.confirm(f"Delete storage config {name!r}?", abort=True)
    session().gas().delete_storage_config(name)
    click.echo(f"Deleted storage config {name!r}")
