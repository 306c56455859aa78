"""Storage config operations: create (validated and connection-checked), list, get, delete."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import (
    AlreadyExists,
    AuthenticationError,
    Conflict,
    InvalidArgument,
    PermissionDenied,
    TensorBayError,
)
from ..names import check_name
from ..storage import StorageProvider, create_provider
from .garbage import GarbageOps
from .store import datasets, now, objects, storage_configs

MAX_PAGE = 1000


def page_limit(limit: int) -> int:
    """Clamp a requested page size to 1..1000."""
    if not isinstance(limit, int) or limit < 1:
        raise InvalidArgument(f"limit must be a positive integer, not {limit!r}")
    return min(limit, MAX_PAGE)


class ConfigOps(GarbageOps):
    """Operations on a user's storage configs."""

    def _public(self, provider: StorageProvider) -> dict[str, Any]:
        return {**provider.config.public(), "available": True}

    def _public_row(self, conn: Connection, row: Row[Any]) -> dict[str, Any]:
        """A stored config as listed. One whose plugin is missing (or broken) is still listed,
        marked unavailable with the reason, and shows no fields: which are secret is
        something only its plugin knows."""
        try:
            return self._public(self._provider_of_row(conn, row))
        except TensorBayError as exc:
            return {
                "name": row.name,
                "type": row.type,
                "filePath": row.file_path,
                "fields": {},
                "available": False,
                "problem": exc.message,
            }

    def _prepared(
        self, user: int, type: str, name: str, file_path: str, values: dict[str, Any]
    ) -> StorageProvider:
        """The provider a new config will have: fields validated, the provider's team-mode
        rules applied (``for_team``, ``check_for_team``), generated fields made."""
        cls = create_provider(type, name, file_path, values).__class__  # its type's rules
        values = dict(values)
        if self.team is None:
            for field in cls.fields:
                if field.generated and not values.get(field.name):
                    values[field.name] = secrets.token_urlsafe(32)
            return create_provider(type, name, file_path, values)
        with self.store.read() as conn:
            context = self.team.context(self._user_name(conn, user))
        file_path, values = cls.for_team(file_path, self.team.generated(cls, values), context)
        provider = create_provider(type, name, file_path, values)
        provider.check_for_team(context)
        return provider

    def _check_reach(self, user: int, provider: StorageProvider) -> None:
        """The connection check; in team mode, one generic error for storage out of reach."""
        try:
            provider.check_connection()
        except (AuthenticationError, PermissionDenied):
            raise
        except TensorBayError as exc:
            if self.team is None or not provider.reaches_network:
                raise
            raise self.team.unreachable(provider, user, exc) from None

    def create_storage_config(
        self, user: int, type: str, name: str, file_path: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Validate a config, check that it reaches its storage, and save it."""
        check_name("storage config", name)
        provider = self._prepared(user, type, name, file_path, values)
        self._check_reach(user, provider)
        with self.store.begin() as conn:
            try:
                conn.execute(
                    storage_configs.insert().values(
                        owner_id=user,
                        name=name,
                        type=provider.type,
                        file_path=provider.config.file_path,
                        sealed_values=self.box.seal(provider.config.revealed()),
                        created_at=now(),
                    )
                )
            except IntegrityError:
                raise AlreadyExists(f"storage config {name!r} already exists") from None
        return self._public(provider)

    def list_storage_configs(self, user: int, offset: int = 0, limit: int = 128) -> dict[str, Any]:
        """A page of the user's configs, without secrets."""
        with self.store.read() as conn:
            where = storage_configs.c.owner_id == user
            total = conn.execute(select(func.count()).select_from(storage_configs).where(where)).scalar_one()
            rows = conn.execute(
                select(storage_configs)
                .where(where)
                .order_by(storage_configs.c.name)
                .offset(max(offset, 0))
                .limit(page_limit(limit))
            ).all()
            configs = [self._public_row(conn, row) for row in rows]
        return {"configs": configs, "totalCount": total}

    def get_storage_config(self, user: int, name: str) -> dict[str, Any]:
        """One config, without secrets (marked unavailable if its plugin is missing)."""
        with self.store.read() as conn:
            return self._public_row(conn, self._config_row(conn, user, name))

    def delete_storage_config(self, user: int, name: str) -> None:
        """Delete a config no dataset uses (after removing what deleted datasets left in it)."""
        with self.store.read() as conn:
            config_id = self._config_row(conn, user, name).id
        self._sweep(config_id=config_id)
        with self.store.begin() as conn:
            row = self._config_row(conn, user, name)
            used = conn.execute(
                select(datasets.c.name).where(datasets.c.config_id == row.id).limit(5)
            ).scalars()
            names = list(used)
            if names:
                raise Conflict(
                    f"storage config {name!r} is used by dataset(s) {', '.join(map(repr, names))}; "
                    "delete those datasets first"
                )
            stored = conn.execute(
                select(func.count())
                .select_from(objects)
                .where(objects.c.config_id == row.id, objects.c.state.in_(("writing", "live", "deleting")))
            ).scalar_one()
            if stored:
                raise Conflict(
                    f"storage config {name!r} still holds {stored} object(s) of deleted datasets that could "
                    "not be removed (the storage was unreachable); make it reachable and delete the config "
                    "again: they are removed first"
                )
            conn.execute(storage_configs.delete().where(storage_configs.c.id == row.id))
        self._forget_provider(row.id)

    def list_cloud_files(
        self, user: int, config_name: str, prefix: str = "", start_after: str = "", limit: int = 1000
    ) -> dict[str, Any]:
        """A page of the objects under ``prefix`` in a config's storage, in key order."""
        provider = self.provider_for_config(user, config_name)
        limit = page_limit(limit)
        page = self.listings.page(
            (provider, prefix), start_after, limit, lambda: provider.iter_objects(prefix, start_after)
        )
        files = [{"path": o.path, "size": o.size, "etag": o.etag, "mtime": o.mtime} for o in page]
        # A full page may have more after it; the next request says (fetching one more
        # object here would cost a whole extra listing request per page).
        return {"files": files, "truncated": len(page) == limit}

    def get_cloud_file_url(
        self, user: int, config_name: str, path: str, expires: int = 3600
    ) -> dict[str, str]:
        """A signed GET URL of one object in a config's storage."""
        provider = self.provider_for_config(user, config_name)
        provider.info(path)
        return {"url": provider.sign_url(path, "GET", expires)}
