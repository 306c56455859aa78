"""Users and access keys. Keys are stored as SHA-256 hashes; the plain key is shown once."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import AlreadyExists, AuthenticationError, NotFound
from ..names import check_name
from .base import ServiceBase
from .store import access_keys, inserted_id, now, users

KEY_PREFIX = "Accesskey-"


def hash_key(access_key: str) -> str:
    """The stored form of an access key."""
    return hashlib.sha256(access_key.encode()).hexdigest()


class UserOps(ServiceBase):
    """Users, their access keys, and authentication."""

    def create_user(self, name: str, is_admin: bool = False) -> int:
        """Add a user; returns its id."""
        check_name("user", name)
        with self.store.begin() as conn:
            try:
                return inserted_id(
                    conn.execute(users.insert().values(name=name, is_admin=is_admin, created_at=now()))
                )
            except IntegrityError:
                raise AlreadyExists(f"user {name!r} already exists") from None

    def user_id(self, name: str) -> int:
        """The id of a user by name."""
        with self.store.begin() as conn:
            found = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if found is None:
            raise NotFound(f"user {name!r} does not exist")
        return int(found)

    def ensure_user(self, name: str) -> int:
        """The id of a user, created if missing."""
        try:
            return self.user_id(name)
        except NotFound:
            try:
                return self.create_user(name)
            except AlreadyExists:
                return self.user_id(name)

    def create_access_key(self, user: int) -> str:
        """A new access key for a user (only its hash is stored)."""
        key = KEY_PREFIX + secrets.token_hex(16)
        with self.store.begin() as conn:
            conn.execute(access_keys.insert().values(key_hash=hash_key(key), user_id=user, created_at=now()))
        return key

    def authenticate(self, access_key: str) -> int:
        """The user an access key belongs to; ``AuthenticationError`` if none."""
        with self.store.begin() as conn:
            found = conn.execute(
                select(access_keys.c.user_id).where(access_keys.c.key_hash == hash_key(access_key or ""))
            ).scalar()
        if found is None:
            raise AuthenticationError(
                "the access key was not accepted; check it, or ask an admin for a new one"
            )
        return int(found)
