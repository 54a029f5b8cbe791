"""Shared fixtures. Storage and end-to-end tests run on a real SQLite file and, when
TEST_DATABASE_URL is set (CI sets it), on the real PostgreSQL server too."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.core.clock import ManualClock
from storage import migrate
from storage.db import Database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

# CI replays the same hypothesis examples every run (a red build means a change broke
# something, not that the dice found an old bug); a developer's run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# Backends every storage-touching test runs on.
BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=[pytest.mark.postgres]),
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Fails, not skips, when TEST_DATABASE_URL is set but the server can't be reached:
    CI must never go green by quietly not testing PostgreSQL."""
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", pytrace=False)
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'convene.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    # A schema per test: isolation without creating databases, dropped afterwards.
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    migrate.upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    # A Wednesday, far from any daylight-saving change.
    return ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
