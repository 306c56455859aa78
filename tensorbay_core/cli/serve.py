"""``gas serve``: run the GAS service over HTTP for a team."""

from __future__ import annotations

import os
from typing import Any

import click

from ..server.team import (
    HOME_ENV,
    MIN_BODY_RATE,
    REQUEST_TIMEOUT,
    database_url,
    load_storage_spec,
    server_home,
)
from ..storage import egress

DB_ENV = "TENSORBAY_DB"
ALLOW_ENV = "TENSORBAY_ALLOW_ENDPOINTS"


def _allowed_endpoints(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[egress.AllowedEndpoint, ...]:
    try:
        return tuple(egress.AllowedEndpoint.parse(value) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _admin_endpoints(db_url: str, spec: dict[str, Any] | None) -> list[egress.AllowedEndpoint]:
    """What the admin's own settings name: the database's host and the default storage's
    endpoint are reachable whatever their address."""
    from sqlalchemy.engine import make_url

    found = []
    db_host = make_url(db_url).host
    if db_host and not db_host.startswith("/"):  # a directory: PostgreSQL's Unix socket
        found.append(egress.AllowedEndpoint.parse(db_host))
    endpoint = (spec or {}).get("endpoint")
    if isinstance(endpoint, str) and endpoint:
        try:
            found.append(egress.AllowedEndpoint.parse(endpoint))
        except ValueError:
            raise click.BadParameter(f"the endpoint of --default-storage: {endpoint!r}") from None
    return found


def private_files() -> None:
    """Files and directories this process creates are its own only (0600/0700): the server
    home holds the database and the secret key, and stored objects are users' data."""
    os.umask(0o077)


def home_option(function: click.decorators.FC) -> click.decorators.FC:
    """``--home``: where the server keeps its database, secret key and default storage."""
    return click.option(
        "--home",
        envvar=HOME_ENV,
        type=click.Path(file_okay=False),
        help=f"server home (default ${HOME_ENV} or ~/.tensorbay-server)",
    )(function)


def db_option(function: click.decorators.FC) -> click.decorators.FC:
    """``--db``: the metadata database URL."""
    return click.option(
        "--db",
        envvar=DB_ENV,
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite under --home)",
    )(function)


@click.command("serve")
@db_option
@home_option
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to listen on")
@click.option("--port", default=8866, show_default=True, type=int, help="port to listen on")
@click.option("--public-url", help="the URL clients reach this server at (default http://HOST:PORT)")
@click.option(
    "--default-storage",
    type=click.Path(exists=True, dir_okay=False),
    help='JSON file {"type", "file_path", <fields>} for datasets created without a config '
    "(default: a local directory under --home)",
)
@click.option(
    "--local-root",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="a directory users' local storage configs may use (repeatable; default: none)",
)
@click.option(
    "--allow-endpoint",
    "allow_endpoints",
    multiple=True,
    envvar=ALLOW_ENV,
    callback=_allowed_endpoints,
    metavar="HOST[:PORT]",
    help="a storage endpoint on a loopback, private or link-local address that configs may "
    f"reach (repeatable; ${ALLOW_ENV} holds several, space-separated). Public addresses need none",
)
@click.option(
    "--max-connections",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="open connections (and requests in progress) beyond which the server answers 503",
)
@click.option(
    "--request-timeout",
    default=REQUEST_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="seconds a client gets to send its request headers, and before its body must keep "
    f"arriving at {MIN_BODY_RATE} bytes/s",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
def serve(
    db: str | None,
    home: str | None,
    host: str,
    port: int,
    public_url: str | None,
    default_storage: str | None,
    local_root: tuple[str, ...],
    allow_endpoints: tuple[egress.AllowedEndpoint, ...],
    max_connections: int,
    request_timeout: float,
    log_level: str,
) -> None:
    """Serve the GAS API at /api/v1 and local storage at /storage."""
    try:
        import uvicorn

        from ..server.app import create_app
        from ..server.limits import GuardedH11Protocol
        from ..server.logs import configure_logging
    except ImportError as exc:
        raise click.ClickException(
            f"gas serve needs the server extra ({exc.name} is missing): pip install 'tensorbay-core[server]'"
        ) from None
    from ..server.team import team_service

    private_files()
    configure_logging(log_level)
    home = server_home(home)
    url = public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    spec = load_storage_spec(default_storage) if default_storage else None
    db_url = database_url(db, home)
    egress.install(egress.EgressPolicy([*allow_endpoints, *_admin_endpoints(db_url, spec)]))
    service = team_service(db_url, home, url, spec, local_root)
    service.default_storage.check_connection()
    click.echo(f"gas serve: {url}/api/v1 (home {home})", err=True)
    uvicorn.run(
        create_app(service, request_timeout),
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,  # uvicorn's records go to the one filtered handler (server.logs)
        loop="asyncio",  # uvloop's sockets would bypass the egress policy's audit hook
        timeout_keep_alive=30,
        limit_concurrency=max_connections,
        http=GuardedH11Protocol.with_timeout(request_timeout),
    )
