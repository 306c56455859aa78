"""The metadata store: the schema (SQLAlchemy Core) and the engine for SQLite or PostgreSQL.

Versions are trees of entries. A draft owns a mutable tree; committing freezes that tree
(O(1)); a new draft copies its base commit's tree with one INSERT ... SELECT.

Every object the service writes has a row in ``objects`` (see ``service/objects.py``): where
it is, which dataset wrote it, what it holds, and its state. Entries that reference an
object we own carry its id; an entry without one references a user's object in place.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
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
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..errors import Conflict, InsufficientStorage, ServiceUnavailable, TensorBayError

log = logging.getLogger("tensorbay_core.service")

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
    # Random and never reused: the dataset's storage area is named by it, not by ``id``
    # (SQLite reuses row ids after a delete).
    Column("uid", String(32), nullable=False, unique=True),
    Column("next_draft", Integer, nullable=False, default=1),
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
    # The object we own behind this entry; NULL for a user's object referenced in place.
    Column("object_id", Integer, ForeignKey("objects.id"), nullable=True),
    Column("label", Text, nullable=False, default="{}"),
    Column("timestamp", Float, nullable=True),
    Index("ix_entries_object", "object_id"),
)

objects = Table(
    "objects",
    metadata,
    Column("id", Integer, primary_key=True),
    # The storage's identity and the object's full path in it: two configs that reach the
    # same bucket or directory name one object by one place.
    Column("place", Text, nullable=False, unique=True),
    Column("config_id", Integer, nullable=True),  # NULL: the service's default storage
    Column("storage_key", Text, nullable=False),
    Column("dataset_uid", String(32), nullable=False),
    # What the object holds: "sha1:<hex>" of uploaded bytes, or "src:<digest>" of the source
    # object (place, etag, size) an import copied.
    Column("content", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("size", BigInteger, nullable=True),
    Column("etag", String(256), nullable=True),
    Column("sha1", String(40), nullable=True),  # computed by the service from the bytes
    # writing: when the claim lapses (no signed URL for it lives longer);
    # deleted: when the place may be written again.
    Column("expires_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_objects_content", "dataset_uid", "content"),
    Index("ix_objects_state", "state", "expires_at"),
    sqlite_autoincrement=True,
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
)

SCHEMA_VERSION = 2

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

tags = Table(
    "tags",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(256), primary_key=True),
    Column("commit_id", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
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


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike, to execute with
    a list of rows (one cached statement however many rows).

    Check-then-insert races under concurrency (two writers both see "missing", one gets an
    IntegrityError); this lets the database decide.
    """
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """Insert ``rows``, replacing the other columns of rows whose ``keys`` already exist.

    One statement, so two writers of one key never turn into an IntegrityError.
    """
    if not rows:
        return
    rows = list({tuple(row[k] for k in keys): row for row in rows}.values())  # the last one wins
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    changed = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed), rows)


#: Words in a database error that mean it is out of space, and that it may answer later.
_FULL = ("full", "no space", "disk quota")
_TRANSIENT = ("locked", "busy", "could not connect", "connection", "server closed", "timeout", "timed out")


def _map_database_error(exc: DBAPIError) -> TensorBayError | None:
    """A database failure as an error the caller can act on; None for a bug (a 500)."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    if isinstance(exc, IntegrityError):
        log.warning("a concurrent change conflicted", exc_info=exc)
        return Conflict("a concurrent change conflicted with this one; retry it")
    if any(word in text for word in _FULL):
        return InsufficientStorage("the metadata database is out of disk space: free some and retry")
    if isinstance(exc, OperationalError) and any(word in text for word in _TRANSIENT):
        return ServiceUnavailable(f"the metadata database is unavailable ({_first_line(text)}); retry later")
    return None


@contextmanager
def _database_errors() -> Iterator[None]:
    """Re-raise database failures as ``_map_database_error`` says (bugs stay as they are)."""
    try:
        yield
    except DBAPIError as exc:
        mapped = _map_database_error(exc)
        if mapped is None:
            raise
        raise mapped from exc


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "no detail"


class Store:
    """The database behind the service: an engine plus transaction helpers.

    Database failures leave it as ``TensorBayError``s (``InsufficientStorage`` for a full
    disk, ``ServiceUnavailable`` otherwise), so both modes and every worker see an error
    the SDK reports instead of an unexpected exception.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
        else:
            kwargs.update(pool_size=20, max_overflow=20, pool_pre_ping=True)
        self.engine = create_engine(url, **kwargs)
        self._writers = threading.RLock()
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        with _database_errors():
            self._create_schema()

    def _create_schema(self) -> None:
        with self.engine.connect() as conn, conn.begin():
            if inspect(conn).has_table("datasets") and not inspect(conn).has_table("schema_version"):
                raise TensorBayError(
                    f"the database {self.engine.url.render_as_string(hide_password=True)!r} was made by an "
                    f"older tensorbay-core (schema 1); this version needs schema {SCHEMA_VERSION}: "
                    "start from a new database (or TENSORBAY_HOME)"
                )
        metadata.create_all(self.engine)
        with self.engine.connect() as conn, conn.begin():
            found = conn.execute(select(schema_version.c.version)).scalar()
            if found is None:
                conn.execute(insert_ignoring_conflicts(conn, schema_version), [{"version": SCHEMA_VERSION}])
            elif found != SCHEMA_VERSION:
                raise TensorBayError(
                    f"the database has schema {found}; this tensorbay-core needs schema {SCHEMA_VERSION}"
                )

    @contextmanager
    def _transaction(self, read_only: bool) -> Iterator[Connection]:
        # SQLite lets one writer in at a time and makes the others poll with growing sleeps;
        # threads of this process queue on a lock instead, which hands over at once.
        queue = self._writers if self.is_sqlite and not read_only else contextlib.nullcontext()
        with _database_errors(), queue, self.engine.connect() as conn:
            conn.info["read_only"] = read_only
            with conn.begin():
                yield conn

    def begin(self) -> AbstractContextManager[Connection]:
        """A connection inside one read-write transaction, committed on success."""
        return self._transaction(read_only=False)

    def read(self) -> AbstractContextManager[Connection]:
        """A connection inside one read-only transaction (never waits for SQLite's write lock)."""
        return self._transaction(read_only=True)

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
