"""The metadata store: the schema (SQLAlchemy Core) and the engine for SQLite or PostgreSQL.

Versions are trees of entries. A draft owns a mutable tree; committing freezes that tree
(O(1)); a new draft copies its base commit's tree with one INSERT ... SELECT.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import CursorResult, make_url

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
)

storage_configs = Table(
    "storage_configs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("type", String(64), nullable=False),
    Column("file_path", Text, nullable=False),
    Column("sealed_values", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("owner_id", "name"),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("alias", String(256), nullable=False, default=""),
    Column("config_id", Integer, ForeignKey("storage_configs.id"), nullable=True),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("owner_id", "name"),
)

trees = Table(
    "trees",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("catalog", Text, nullable=False, default="{}"),
    Column("notes", Text, nullable=False, default="{}"),
)

segments = Table(
    "segments",
    metadata,
    Column("tree_id", Integer, ForeignKey("trees.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(512), primary_key=True),
)

entries = Table(
    "entries",
    metadata,
    Column("tree_id", Integer, ForeignKey("trees.id", ondelete="CASCADE"), primary_key=True),
    Column("segment", String(512), primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("storage_key", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(256), nullable=False),
    Column("checksum", String(256), nullable=False),
    Column("owned", Boolean, nullable=False),
    Column("label", Text, nullable=False, default="{}"),
    Column("timestamp", Float, nullable=True),
    Index("ix_entries_key", "storage_key"),
)

commits = Table(
    "commits",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", String(32), nullable=True),
    Column("tree_id", Integer, ForeignKey("trees.id"), nullable=False),
    Column("branch", String(256), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

branches = Table(
    "branches",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(256), primary_key=True),
    Column("commit_id", String(32), nullable=True),
)

drafts = Table(
    "drafts",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("tree_id", Integer, ForeignKey("trees.id"), nullable=False),
    Column("branch", String(256), nullable=False),
    Column("base_commit_id", String(32), nullable=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
)


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key an ``INSERT`` of one row created."""
    key = result.inserted_primary_key
    assert key is not None, "not an INSERT of one row"
    return int(key[0])


def now() -> float:
    """The timestamp stored in ``created_at`` columns."""
    return time.time()


class Store:
    """The database behind the service: an engine plus transaction helpers."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
        else:
            kwargs.update(pool_size=20, max_overflow=20, pool_pre_ping=True)
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        metadata.create_all(self.engine)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one read-write transaction, committed on success."""
        with self.engine.connect() as conn:
            conn.info["read_only"] = False
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection inside one read-only transaction (never waits for SQLite's write lock)."""
        with self.engine.connect() as conn:
            conn.info["read_only"] = True
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock up front (no deadlocking upgrades); readers do not."""
    conn.exec_driver_sql("BEGIN" if conn.info.get("read_only") else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
