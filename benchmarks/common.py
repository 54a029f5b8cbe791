"""What the benchmarks share: realistic pain-point shares and throwaway PostgreSQL schemas."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Share of answers naming each seed pain point: time and political will dominate in the
# community's own accounts; the rest trail off.
SEED_SHARES = {
    "time": 0.30,
    "political_will": 0.22,
    "funding": 0.17,
    "staff_turnover": 0.11,
    "understanding_open_gov": 0.08,
    "changing_environment": 0.06,
}


@contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own for one measurement, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(server_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
