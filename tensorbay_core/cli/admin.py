"""``gas admin``: users and access keys of a ``gas serve`` database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import TensorBayError
from .serve import db_option, home_option, private_files

if TYPE_CHECKING:
    from ..service import Service


def _service(db: str | None, home: str | None) -> Service:
    from ..server.team import database_url, server_home, team_service

    private_files()  # the admin command may be the one that creates the home and database
    home = server_home(home)
    return team_service(database_url(db, home), home)


def _print_key(name: str, key: str) -> None:
    click.echo(key)
    click.echo(f"access key of user {name!r}: shown only this once, and stored only as a hash", err=True)


@click.group("admin")
def admin() -> None:
    """Manage the users and access keys of a team server (run where the server's --db/--home are)."""


@admin.command("create-user")
@click.argument("name")
@click.option("--admin", "is_admin", is_flag=True, help="mark the user as an administrator")
@db_option
@home_option
def create_user(name: str, is_admin: bool, db: str | None, home: str | None) -> None:
    """Add a user and print its first access key."""
    service = _service(db, home)
    try:
        _print_key(name, service.create_access_key(service.create_user(name, is_admin=is_admin)))
    except TensorBayError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        service.store.dispose()


@admin.command("create-key")
@click.argument("name")
@db_option
@home_option
def create_key(name: str, db: str | None, home: str | None) -> None:
    """Print a new access key for an existing user."""
    service = _service(db, home)
    try:
        _print_key(name, service.create_access_key(service.user_id(name)))
    except TensorBayError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        service.store.dispose()
