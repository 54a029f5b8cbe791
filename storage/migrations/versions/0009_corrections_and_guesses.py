"""tags that facilitators correct, and what the machine guessed

An answer records the facilitator's correction in force (who, when); its pain points are
tags with the source `facilitator`. `machineguess` keeps what the machine tagger said of
every answer it tagged, even where a person's choice wins, so that agreement with members'
own ticks can be measured.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("corrected_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("corrected_at", storage.types.UTCDateTime(), nullable=True))
    op.create_table(
        "machineguess",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("pain_point_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answer.id"], name=op.f("fk_machineguess_answer_id_answer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["pain_point_id"],
            ["painpoint.id"],
            name=op.f("fk_machineguess_pain_point_id_painpoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("answer_id", "pain_point_id", name=op.f("pk_machineguess")),
    )
    with op.batch_alter_table("machineguess", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_machineguess_pain_point_id"), ["pain_point_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("machineguess", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_machineguess_pain_point_id"))
    op.drop_table("machineguess")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("corrected_by")
