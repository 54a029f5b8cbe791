"""The schema comes from Alembic migrations, and they match the models exactly."""

from sqlalchemy import inspect

from storage import migrate
from storage.db import Database


def test_upgrade_creates_every_table_and_matches_the_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "member",
        "checkinround",
        "checkindelivery",
        "answer",
        "answertag",
        "painpoint",
    } <= tables
    assert "alembic_version" in tables
    assert migrate.pending_changes(db.engine) == []


def test_upgrade_is_safe_to_run_again(db: Database) -> None:
    migrate.upgrade(db.engine)
    assert migrate.pending_changes(db.engine) == []
