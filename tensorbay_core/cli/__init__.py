"""The ``gas`` command line: a click group whose subcommands live in their own modules.

A subcommand module is imported only when its command runs (or ``--help`` lists it),
so ``gas plugins`` does not pay for the server's imports. Add a command to ``COMMANDS``.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: command name -> "module:attribute" of its click command, inside this package
COMMANDS = {"admin": "admin:admin", "plugins": "plugins:plugins", "serve": "serve:serve"}


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


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="gas")
def main() -> None:
    """TensorBay-style datasets on pluggable storage."""
