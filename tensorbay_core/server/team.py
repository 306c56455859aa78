"""Opening the service for team mode: home, database, secret key, default storage, policies."""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import InvalidConfig
from ..service import Service
from ..service.secrets import SecretBox
from ..service.store import Store
from ..service.team_policy import TeamPolicy
from ..storage import StorageProvider, create_provider, get_plugins
from ..storage.plugins import DEFAULT_STORAGE_TYPE

HOME_ENV = "TENSORBAY_SERVER_HOME"
#: The average rate, in bytes per second, below which a request body is given up on.
MIN_BODY_RATE = 4096
#: Seconds a client gets for its headers, and as grace before the body rate counts.
REQUEST_TIMEOUT = 30.0


def server_home(home: str | None = None) -> str:
    """``home``, else ``$TENSORBAY_SERVER_HOME``, else ``~/.tensorbay-server`` (absolute)."""
    chosen = home or os.environ.get(HOME_ENV) or "~/.tensorbay-server"
    return os.path.abspath(os.path.expanduser(chosen))


def database_url(db: str | None, home: str) -> str:
    """``db``, else a SQLite file under ``home``."""
    return db or "sqlite:///" + os.path.join(home, "gas.db")


def load_storage_spec(path: str) -> dict[str, Any]:
    """Read a default-storage JSON file: ``{"type", "file_path", <field>: <value>, ...}``."""
    try:
        with open(path, encoding="utf-8") as fp:
            spec = json.load(fp)
    except (OSError, ValueError) as exc:
        raise InvalidConfig(f"cannot read the default storage file {path!r}: {type(exc).__name__}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise InvalidConfig(f'{path!r} must hold a JSON object with a "type" and the provider\'s fields')
    return spec


def _default_storage(
    home: str, box: SecretBox, team: TeamPolicy, spec: dict[str, Any] | None
) -> StorageProvider:
    """The storage of datasets made without a config: ``spec``, else a folder under ``home``.

    The provider's team-mode rules apply as to any config (a ``local`` one is served at the
    server's own URL); its generated fields are derived from the secret key, so they stay
    the same across restarts and signed URLs outlive one.
    """
    if spec is None:
        root = os.path.join(home, "storage")
        os.makedirs(root, exist_ok=True)
        spec = {"type": DEFAULT_STORAGE_TYPE, "file_path": root}
    values = {k: v for k, v in spec.items() if k not in ("type", "file_path")}
    cls = get_plugins().provider_class(spec["type"])
    for field in cls.fields:
        if field.generated:
            values.setdefault(field.name, box.derive(f"default-storage:{field.name}"))
    file_path, values = cls.for_team(spec.get("file_path", ""), values, team.context(""))
    return create_provider(spec["type"], "default", file_path, values)


def team_service(
    db_url: str,
    home: str,
    public_url: str = "http://127.0.0.1:8866",
    default_storage: dict[str, Any] | None = None,
    local_roots: tuple[str, ...] = (),
) -> Service:
    """The service ``gas serve`` runs: schema created, secret key loaded (or made 0600).

    Each user's local configs are confined to ``<root>/<user name>`` for each of
    ``local_roots`` (``TeamPolicy``). A root may not overlap ``home`` (it holds the
    database, the secret key and the default storage), nor another root (one user's area
    would hold another's).
    """
    os.makedirs(home, mode=0o700, exist_ok=True)
    roots = tuple(dict.fromkeys(os.path.realpath(r) for r in local_roots))
    real_home = os.path.realpath(home)
    for i, root in enumerate(roots):
        if _overlaps(root, real_home):
            raise InvalidConfig(f"local root {root!r} overlaps the server home {real_home!r}; choose another")
        for other in roots[i + 1 :]:
            if _overlaps(root, other):
                raise InvalidConfig(f"local roots {root!r} and {other!r} overlap; give only one of them")
    box = SecretBox.from_env_or_file(os.path.join(home, "secret.key"))
    team = TeamPolicy(roots, public_url)
    service = Service(Store(db_url), box, _default_storage(home, box, team, default_storage))
    service.team = team
    return service


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b.rstrip(os.sep) + os.sep) or b.startswith(a.rstrip(os.sep) + os.sep)
