"""the inbound duplicate check's table: slackdelivery becomes seenrequest

"Delivery" means an outgoing check-in; the record of requests already received from Slack
gets a name of its own. A new table and a copy rather than a rename, so that its primary
key and index carry their new names on SQLite and PostgreSQL alike.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "key, team_id, received_at"


def _create(table: str) -> None:
    op.create_table(
        table,
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_received_at"), ["received_at"], unique=False)


def _move(source: str, target: str) -> None:
    # Keys received in the last day still stop Slack's retries of them after the upgrade.
    _create(target)
    op.execute(f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source}")
    with op.batch_alter_table(source, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{source}_received_at"))
    op.drop_table(source)


def upgrade() -> None:
    _move("slackdelivery", "seenrequest")


def downgrade() -> None:
    _move("seenrequest", "slackdelivery")
