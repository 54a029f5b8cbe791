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


def test_upgrading_from_the_first_schema_keeps_existing_answers(database_url: str) -> None:
    from sqlalchemy import text

    database = Database.from_url(database_url)
    try:
        migrate.upgrade(database.engine, "0001")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workspace (team_id, name, checkin_cron, timezone, reminder_hours, "
                    "created_at) VALUES ('T1', '', '0 9 * * mon', 'UTC', 24, '2026-11-01 00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO member (team_id, user_id, name, real_name, tz, locale, status, "
                    "joined_at, updated_at) VALUES ('T1', 'U1', 'u', 'U', 'UTC', 'en', 'active', "
                    "'2026-11-01 00:00', '2026-11-01 00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO answer (team_id, member_id, text, source, consent_quote, dedupe_key, "
                    "created_at, updated_at) SELECT 'T1', id, 'kept', 'dm', false, 'k1', "
                    "'2026-11-01 00:00', '2026-11-01 00:00' FROM member"
                )
            )
        migrate.upgrade(database.engine)
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT text, tagged_at FROM answer")).all() == [("kept", None)]
        assert migrate.pending_changes(database.engine) == []
    finally:
        database.dispose()


def test_quote_consent_becomes_a_consent_level_and_back(database_url: str) -> None:
    """The old box read "You may quote my answer anonymously in the coordinators' digest": a
    tick becomes exactly that level, no tick the most private one, and nobody ends up shared
    with peers by name, which they never agreed to."""
    from sqlalchemy import text

    database = Database.from_url(database_url)
    try:
        migrate.upgrade(database.engine, "0006")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workspace (team_id, name, checkin_cron, timezone, reminder_hours, "
                    "match_cron, digest_cron, created_at) VALUES ('T1', '', '0 9 * * mon', 'UTC', 24, "
                    "'0 10 * * tue', '0 15 * * fri', '2026-11-01 00:00')"
                )
            )
            for user, default in (("U1", True), ("U2", False)):
                connection.execute(
                    text(
                        "INSERT INTO member (team_id, user_id, name, real_name, tz, locale, status, "
                        "intros_ignored, can_lead, checkin_every_weeks, matching_enabled, "
                        "quote_consent_default, joined_at, updated_at) VALUES ('T1', :user, 'u', 'U', "
                        "'UTC', 'en', 'active', 0, false, 1, true, :default, '2026-11-01 00:00', "
                        "'2026-11-01 00:00')"
                    ),
                    {"user": user, "default": default},
                )
            for key, consent in (("yes", True), ("no", False)):
                connection.execute(
                    text(
                        "INSERT INTO answer (team_id, member_id, text, source, consent_quote, dedupe_key, "
                        "created_at, updated_at) SELECT 'T1', id, 'kept', 'dm', :consent, :key, "
                        "'2026-11-01 00:00', '2026-11-01 00:00' FROM member WHERE user_id = 'U1'"
                    ),
                    {"consent": consent, "key": key},
                )
        migrate.upgrade(database.engine)
        with database.engine.connect() as connection:
            answers = dict(connection.execute(text("SELECT dedupe_key, consent FROM answer")).all())
            defaults = dict(connection.execute(text("SELECT user_id, consent_default FROM member")).all())
            readable = connection.execute(text("SELECT readable_by_facilitators FROM answer")).scalars().all()
            raw = connection.execute(text("SELECT raw_answers, retention_months FROM workspace")).one()
        assert answers == {"yes": "quote_anonymously", "no": "counts_only"}
        assert defaults == {"U1": "quote_anonymously", "U2": "counts_only"}
        assert not any(readable) and (bool(raw[0]), raw[1]) == (False, 12)
        assert migrate.pending_changes(database.engine) == []

        migrate.downgrade(database.engine, "0006")
        with database.engine.connect() as connection:
            back = dict(connection.execute(text("SELECT dedupe_key, consent_quote FROM answer")).all())
        assert {key: bool(value) for key, value in back.items()} == {"yes": True, "no": False}
    finally:
        database.dispose()


def test_existing_rounds_get_the_day_they_belong_to(database_url: str) -> None:
    from datetime import date

    from sqlalchemy import text

    database = Database.from_url(database_url)
    try:
        migrate.upgrade(database.engine, "0006")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workspace (team_id, name, checkin_cron, timezone, reminder_hours, "
                    "match_cron, digest_cron, created_at) VALUES ('T1', '', '0 9 * * mon', "
                    "'Australia/Sydney', 24, '0 10 * * tue', '0 15 * * fri', '2026-11-01 00:00')"
                )
            )
            # A scheduled round's key is its local date; a manual one started on Sunday 22:30
            # UTC, which is already Monday in the community's Sydney.
            connection.execute(
                text(
                    "INSERT INTO checkinround (team_id, round_key, kind, created_at) VALUES "
                    "('T1', '2026-11-23', 'scheduled', '2026-11-22 22:00'), "
                    "('T1', 'manual-20261122T2230', 'manual', '2026-11-22 22:30')"
                )
            )
        migrate.upgrade(database.engine)
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, round_date FROM checkinround ORDER BY id")).all()
        days = [(kind, day if isinstance(day, date) else date.fromisoformat(day)) for kind, day in rows]
        assert days == [("scheduled", date(2026, 11, 23)), ("manual", date(2026, 11, 23))]
    finally:
        database.dispose()
