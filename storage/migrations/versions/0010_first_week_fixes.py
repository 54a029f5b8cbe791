"""first-week fixes: the day a check-in round belongs to, and the manual round claim

`checkinround.round_date` lets the digest count a round in one week whatever its members'
time zones; existing rounds get it from their key (a scheduled round's key is its local
date) or, for manual rounds, from when they started in the community's time zone.
`workspace.manual_round_at` is claimed by `/convene checkin now`. `sendpace` holds each
workspace's schedule of send slots, shared by every instance.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _round_date(key: str, kind: str, created_at: object, zone_name: str | None) -> date | None:
    if kind != "manual":
        try:
            return date.fromisoformat(key)
        except ValueError:
            return None
    if isinstance(created_at, str):
        created_at = datetime.fromisoformat(created_at)
    if not isinstance(created_at, datetime):
        return None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return created_at.astimezone(zone).date()


def upgrade() -> None:
    op.create_table(
        "sendpace",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sendpace")),
    )
    with op.batch_alter_table("checkinround", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_date", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_checkinround_round_date"), ["round_date"], unique=False)
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manual_round_at", storage.types.UTCDateTime(), nullable=True))

    connection = op.get_bind()
    rounds = sa.table(
        "checkinround",
        sa.column("id", sa.Integer),
        sa.column("team_id", sa.String),
        sa.column("round_key", sa.String),
        sa.column("kind", sa.String),
        sa.column("created_at", storage.types.UTCDateTime()),
        sa.column("round_date", sa.Date),
    )
    workspaces = sa.table("workspace", sa.column("team_id", sa.String), sa.column("timezone", sa.String))
    zones = dict(connection.execute(sa.select(workspaces.c.team_id, workspaces.c.timezone)).all())
    rows = connection.execute(
        sa.select(rounds.c.id, rounds.c.team_id, rounds.c.round_key, rounds.c.kind, rounds.c.created_at)
    ).all()
    for round_id, team_id, key, kind, created_at in rows:
        day = _round_date(key, kind, created_at, zones.get(team_id))
        if day is not None:
            connection.execute(sa.update(rounds).where(rounds.c.id == round_id).values(round_date=day))


def downgrade() -> None:
    op.drop_table("sendpace")
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("manual_round_at")
    with op.batch_alter_table("checkinround", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkinround_round_date"))
        batch_op.drop_column("round_date")
