"""The ``gas`` command line: a click group whose subcommands live in their own modules.

A subcommand module is imported only when its command runs (or ``--help`` lists it),
so ``gas ls`` does not pay for the server's imports. Add a command to ``COMMANDS``.

Every command's SDK errors end as one line and exit status 1 (usage mistakes exit 2),
and the SDK's warnings as ``warning: ...`` lines, whatever the command.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import click

from .. import __version__
from ..client.profiles import DEFAULT_PROFILE
from ..errors import TensorBayError
from .session import Session

#: command name -> "module:attribute" of its click command, inside this package
COMMANDS = {
    "admin": "admin:admin",
    "auth": "auth:auth",
    "branch": "versions:branch",
    "commit": "versions:commit",
    "config": "auth:config",
    "cp": "files:cp",
    "dataset": "datasets:dataset",
    "draft": "versions:draft",
    "import": "importing:import_command",
    "log": "versions:log",
    "ls": "files:ls",
    "plugins": "plugins:plugins",
    "rm": "files:rm",
    "serve": "serve:serve",
    "storage": "storage:storage",
    "tag": "versions:tag",
}


def _show_warning(message: Warning | str, *_args: Any, **_kwargs: Any) -> None:
    click.echo(f"warning: {message}", err=True)


class LazyGroup(click.Group):
    """A group that imports a subcommand's module when the subcommand is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except TensorBayError as exc:
                raise click.ClickException(exc.message or type(exc).__name__) from None


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="gas")
@click.option(
    "-p",
    "--profile",
    metavar="PROFILE",
    help="the ~/.gasconfig profile to use (saved by `gas -p PROFILE auth`); default: 'default'",
)
@click.pass_context
def main(ctx: click.Context, profile: str | None) -> None:
    """TensorBay-style datasets on pluggable storage.

    Datasets are named by TBRN: tb:DATASET[@REVISION|#DRAFT][:SEGMENT[://PATH]].
    With no `gas auth`, commands work on the embedded default ($TENSORBAY_HOME).
    """
    ctx.obj = Session(profile or DEFAULT_PROFILE, profile is not None)
