"""Engine and session construction. Knows nothing of Slack."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

DEFAULT_DATABASE_URL = "sqlite:///convene.db"


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: object) -> Engine:
    """An engine tuned for this app: SQLite gets WAL, foreign keys and a busy timeout
    because the scheduler thread and Bolt's listener threads write concurrently. Errors never
    carry the statement's parameters (members' answers) into a log line."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, connect_args=connect_args, hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: the database cannot be
        # corrupted by a crash, but a power loss may lose the last commits (an application
        # crash loses nothing). Worth it: every Slack request commits before its ack.
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _is_memory(dbapi_connection: object) -> bool:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    rows = cursor.execute("PRAGMA database_list").fetchall()
    cursor.close()
    return all(not row[2] for row in rows)


class Database:
    """The one handle the rest of the app holds: an engine plus a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> "Database":
        return cls(make_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        # expire_on_commit=False: services return rows to handlers after committing.
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()
