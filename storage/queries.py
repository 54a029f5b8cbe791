"""Small SQL helpers that differ by dialect."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_ignoring_duplicates(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING: the database, not memory, decides who wins when two
    instances (or a retry) create the same row. Returns how many rows were inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
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
    return len(session.execute(statement).all())  # type: ignore[call-overload]


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
    result = session.execute(statement)  # type: ignore[call-overload]
    session.commit()
    return result.rowcount == 1
