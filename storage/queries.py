"""Small SQL helpers that differ by dialect."""

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import CursorResult, Insert, Table, Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

# Each dialect's INSERT with ON CONFLICT, by dialect name.
_Inserts = dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]]


def insert_ignoring_duplicates(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING: the database, not memory, decides who wins when two
    instances (or a retry) create the same row. Returns how many rows were inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    inserts: _Inserts = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    insert = inserts.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no insert-ignore for {dialect}")
    table = model.__table__  # type: ignore[attr-defined]
    # Apply the columns' Python defaults, which Core inserts of dicts would skip.
    full_rows = [_with_defaults(table, row) for row in rows]
    statement = (
        insert(table)
        .values(full_rows)
        .on_conflict_do_nothing(index_elements=list(conflict))
        # RETURNING, not rowcount: drivers disagree on rowcount for multi-row inserts.
        .returning(*table.primary_key.columns)
    )
    return len(session.execute(statement).all())


def insert_one_ignoring_duplicate(
    session: Session, table: Table, row: Mapping[str, Any], conflict: tuple[str, ...]
) -> bool:
    """The one-row form of `insert_ignoring_duplicates` for hot paths (a check on every
    request): run on the session's Core connection, no ORM work, with a statement of bound
    parameters that SQLAlchemy compiles once and caches. True when the row was inserted."""
    connection = session.connection()
    statement = _insert_ignoring(connection.dialect.name, table, conflict)
    # RETURNING, not rowcount: through SQLAlchemy, psycopg reports -1 for this insert
    # whether or not it wrote. Core fills the columns' Python defaults the row leaves out.
    return connection.execute(statement, dict(row)).first() is not None


@cache
def _insert_ignoring(dialect: str, table: Table, conflict: tuple[str, ...]) -> Insert:
    inserts: _Inserts = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    insert = inserts.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no insert-ignore for {dialect}")
    statement = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return statement.returning(*table.primary_key.columns)


def _with_defaults(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    filled = dict(row)
    for column in table.columns:
        if column.name in filled or column.default is None:
            continue
        default = column.default
        if default.is_callable:
            filled[column.name] = default.arg(None)
        elif default.is_scalar:
            filled[column.name] = default.arg
    return filled


def claimed(session: Session, statement: Update) -> bool:
    """Run a conditional UPDATE that only one caller can win (e.g. `… WHERE claimed_at IS
    NULL`), commit, and say whether this caller won. The database is the lock."""
    # A DML statement's result is a CursorResult; Session.execute is typed for queries.
    result = cast(CursorResult[Any], session.execute(statement))
    session.commit()
    return result.rowcount == 1
