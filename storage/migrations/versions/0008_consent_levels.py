"""consent levels per answer, facilitators' access to answers, retention, export records

An answer's yes/no quote consent becomes one of three levels. The old box read "You may
quote my answer anonymously in the coordinators' digest", so a yes becomes exactly that
(`quote_anonymously`) and a no the most private level (`counts_only`); nobody ever agreed to
be quoted by name, so no existing answer becomes `share_with_matches`. The member's default
converts the same way.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVEL = sqlmodel.sql.sqltypes.AutoString(length=24)


def upgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_answers", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("raw_answers_since", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("retention_months", sa.Integer(), nullable=False, server_default="12"))
        batch_op.add_column(sa.Column("retention_checked_at", storage.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_default", LEVEL, nullable=False, server_default="counts_only"))
    op.execute(
        "UPDATE member SET consent_default = CASE WHEN quote_consent_default "
        "THEN 'quote_anonymously' ELSE 'counts_only' END"
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("quote_consent_default")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent", LEVEL, nullable=False, server_default="counts_only"))
        batch_op.add_column(
            sa.Column("readable_by_facilitators", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("text_deleted_at", storage.types.UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE answer SET consent = CASE WHEN consent_quote THEN 'quote_anonymously' ELSE 'counts_only' END"
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("consent_quote")

    op.create_table(
        "exportrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("exported_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("named", sa.Integer(), nullable=False),
        sa.Column("quoted", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exportrecord")),
    )
    with op.batch_alter_table("exportrecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exportrecord_team_id"), ["team_id"], unique=False)
    op.create_table(
        "exportedmember",
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("named", sa.Integer(), nullable=False),
        sa.Column("quoted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["exportrecord.id"],
            name=op.f("fk_exportedmember_export_id_exportrecord"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_exportedmember_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("export_id", "member_id", name=op.f("pk_exportedmember")),
    )
    with op.batch_alter_table("exportedmember", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exportedmember_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exportedmember", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exportedmember_member_id"))
    op.drop_table("exportedmember")
    with op.batch_alter_table("exportrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exportrecord_team_id"))
    op.drop_table("exportrecord")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_quote", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Only an anonymous quote maps back onto the old box; sharing with peers does not.
    op.execute("UPDATE answer SET consent_quote = (consent = 'quote_anonymously')")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("text_deleted_at")
        batch_op.drop_column("readable_by_facilitators")
        batch_op.drop_column("consent")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quote_consent_default", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE member SET quote_consent_default = (consent_default = 'quote_anonymously')")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("consent_default")

    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("retention_checked_at")
        batch_op.drop_column("retention_months")
        batch_op.drop_column("raw_answers_since")
        batch_op.drop_column("raw_answers")
