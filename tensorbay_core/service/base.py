"""The service's shared state and look-ups: store, secret box, providers, name rules."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Connection, Row, select

from ..api import DEFAULT_BRANCH
from ..errors import InvalidArgument, NotFound, StatusError, TensorBayError
from ..names import Version
from ..storage import StorageProvider, create_provider
from ..storage.paths import join_key
from .listings import OpenListings
from .objects import Area
from .secrets import SecretBox
from .store import Store, branches, commits, datasets, drafts, storage_configs, users
from .team_policy import TeamPolicy

log = logging.getLogger("tensorbay_core.service")


class ServiceBase:
    """State every part of the service shares."""

    #: Team mode's rules (per-user local areas, ...), set by ``gas serve``; None when embedded.
    team: TeamPolicy | None = None

    def __init__(self, store: Store, box: SecretBox, default_storage: StorageProvider) -> None:
        self.store = store
        self.box = box
        self.default_storage = default_storage
        self._providers: dict[int, tuple[tuple[str, ...], StorageProvider]] = {}
        self._providers_lock = threading.Lock()
        self.listings = OpenListings()

    # -- configs and providers ------------------------------------------------------------

    def _config_row(self, conn: Connection, user: int, name: str) -> Row[Any]:
        if not name:
            raise InvalidArgument("a storage config name is required")
        row = conn.execute(
            select(storage_configs).where(storage_configs.c.owner_id == user, storage_configs.c.name == name)
        ).first()
        if row is None:
            raise NotFound(
                f"storage config {name!r} does not exist; create it with gas.create_*_storage_config"
            )
        return row

    def _provider_of_row(self, conn: Connection, row: Row[Any]) -> StorageProvider:
        """The provider of a config row, built once per config as it is now.

        Cached by row id together with what the row holds: another process sharing the
        store may have deleted the config and created another under the same id (SQLite
        reuses the highest row id), and its data must never go to the old one's storage.
        The sealed values are sealed with a fresh nonce each time, so they tell apart two
        configs even where every other column is alike.
        """
        made_of = (row.type, row.name, row.file_path, row.sealed_values)
        with self._providers_lock:
            cached = self._providers.get(row.id)
            if cached is not None and cached[0] == made_of:
                return cached[1]
            provider = create_provider(row.type, row.name, row.file_path, self.box.open(row.sealed_values))
            if self.team is not None:
                # Every build: a directory may be a symlink by now, or its root gone.
                provider.check_for_team(self.team.context(self._user_name(conn, row.owner_id)))
            self._providers[row.id] = (made_of, provider)
            return provider

    @staticmethod
    def _user_name(conn: Connection, user: int) -> str:
        """A user's name (their local area's directory name in team mode)."""
        return str(conn.execute(select(users.c.name).where(users.c.id == user)).scalar_one())

    def providers_of_type(self, type_name: str) -> list[StorageProvider]:
        """The default storage (if of that type) and every config of that type that can be
        built here: how a plugin's server routes find the configs they serve."""
        found = [self.default_storage] if self.default_storage.type == type_name else []
        with self.store.read() as conn:
            for row in conn.execute(select(storage_configs).where(storage_configs.c.type == type_name)):
                try:
                    found.append(self._provider_of_row(conn, row))
                except TensorBayError as exc:
                    log.warning("storage config %d is left out: %s", row.id, exc.message)
        return found

    def _forget_provider(self, config_id: int) -> None:
        with self._providers_lock:
            self._providers.pop(config_id, None)

    def provider_for_config(self, user: int, name: str) -> StorageProvider:
        """The provider of one of ``user``'s configs."""
        with self.store.read() as conn:
            return self._provider_of_row(conn, self._config_row(conn, user, name))

    def _area(self, conn: Connection, ds: Row[Any]) -> Area:
        """Where a dataset's objects go (see ``objects.Area``)."""
        if ds.config_id is None:
            provider = self.default_storage
            home = join_key(provider.dataset_prefix, "datasets", ds.uid)
            return Area(provider, None, ds.uid, home, home)
        row = conn.execute(select(storage_configs).where(storage_configs.c.id == ds.config_id)).one()
        provider = self._provider_of_row(conn, row)
        home = join_key(provider.dataset_prefix, ".tensorbay", ds.uid)
        return Area(provider, row.id, ds.uid, home, provider.dataset_prefix)

    # -- datasets and versions ------------------------------------------------------------

    def _dataset(self, conn: Connection, user: int, name: str) -> Row[Any]:
        row = conn.execute(
            select(datasets).where(datasets.c.owner_id == user, datasets.c.name == name)
        ).first()
        if row is None:
            raise NotFound(f"dataset {name!r} does not exist; create it with gas.create_dataset({name!r})")
        return row

    def _draft(self, conn: Connection, ds: Row[Any], number: int) -> Row[Any]:
        row = conn.execute(
            select(drafts).where(drafts.c.dataset_id == ds.id, drafts.c.number == number)
        ).first()
        if row is None:
            raise NotFound(f"draft #{number} of dataset {ds.name!r} does not exist")
        return row

    def _open_draft(self, conn: Connection, ds: Row[Any], number: int | None) -> Row[Any]:
        if number is None:
            raise StatusError(
                f"writing to dataset {ds.name!r} needs a draft: "
                "call create_draft(title) or checkout(draft_number=N)"
            )
        row = self._draft(conn, ds, number)
        if row.status != "OPEN":
            raise StatusError(f"draft #{number} of dataset {ds.name!r} is {row.status.lower()}, not open")
        return row

    def _resolve_commit(self, conn: Connection, ds: Row[Any], revision: str | None) -> str | None:
        """A commit id from a branch name or commit id (default: the default branch head)."""
        revision = revision or DEFAULT_BRANCH
        head = conn.execute(
            select(branches.c.commit_id).where(branches.c.dataset_id == ds.id, branches.c.name == revision)
        ).first()
        if head is not None:
            return head.commit_id
        found = conn.execute(
            select(commits.c.id).where(commits.c.dataset_id == ds.id, commits.c.id.startswith(revision))
        ).all()
        if len(found) == 1:
            return str(found[0].id)
        if len(found) > 1:
            raise InvalidArgument(f"revision {revision!r} of dataset {ds.name!r} is ambiguous")
        raise NotFound(f"revision {revision!r} of dataset {ds.name!r} does not exist")

    def _read_tree(self, conn: Connection, ds: Row[Any], version: str | None = None) -> int | None:
        """The tree a read sees: a draft (``#N``), a branch or commit, or the default branch head."""
        wanted = Version.parse(version)
        if wanted.draft is not None:
            return int(self._draft(conn, ds, wanted.draft).tree_id)
        commit_id = self._resolve_commit(conn, ds, wanted.revision)
        if commit_id is None:
            return None
        return int(conn.execute(select(commits.c.tree_id).where(commits.c.id == commit_id)).scalar_one())
