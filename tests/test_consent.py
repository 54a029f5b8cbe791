"""Consent per answer, facilitators' access to answers and retention, in the database: a DM
reply takes the member's default, an answer is readable by facilitators only if the member
was told so when answering, changing one's mind withdraws, and old texts are deleted."""

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.checkins import retention
from bot.checkins import service as checkins
from bot.core.clock import ManualClock
from bot.members import settings as member_settings
from bot.tagging import themes
from bot.workspaces import service as workspaces
from storage.db import Database
from storage.models import Answer, CheckinDelivery, Consent, EmergingTheme, Member, Workspace
from tests import factories

CYBERSECURITY = [
    "The portal was hacked last month and we worry about cybersecurity.",
    "Cybersecurity of the open data portal is weak; we had an attack.",
    "Portal security incident: hackers defaced the open data portal.",
]


def _delivery(db: Database, clock: ManualClock, user: str = "UMNL") -> tuple[Member, CheckinDelivery]:
    m = factories.member(db, user, "Asia/Manila", clock.now())
    with db.session() as session:
        ws = session.get(Workspace, factories.TEAM)
        checkins.start_manual_round(session, ws, "UFAC", clock.now())
        for delivery_id in checkins.due_deliveries(session, clock.now()):
            checkins.claim(session, delivery_id, clock.now())
            checkins.mark_sent(session, delivery_id, "D1", f"{delivery_id}.0", clock.now())
        delivery = session.exec(select(CheckinDelivery).where(CheckinDelivery.member_id == m.id)).one()
    return m, delivery


def _set_default(db: Database, member: Member, level: str, clock: ManualClock) -> int:
    with db.session() as session:
        row = session.get(Member, member.id)
        return member_settings.set_consent_default(session, row, level, clock.now())


def _raw(db: Database, on: bool, clock: ManualClock) -> None:
    with db.session() as session:
        workspaces.set_raw_answers(session, session.get(Workspace, factories.TEAM), on, clock.now())


def test_a_dm_reply_takes_the_members_default_level(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    member, delivery = _delivery(db, clock)
    assert member.consent_default == Consent.COUNTS_ONLY  # the default default
    _set_default(db, member, Consent.SHARE_WITH_MATCHES, clock)
    with db.session() as session:
        row = session.get(Member, member.id)
        answer = checkins.record_dm_answer(session, row, delivery, "No budget", "dm:1", clock.now())
    assert answer is not None and answer.consent == Consent.SHARE_WITH_MATCHES


def test_a_forged_level_is_the_most_private_one() -> None:
    assert Consent.parse("quote_with_my_name") == Consent.COUNTS_ONLY
    assert Consent.parse(None) == Consent.COUNTS_ONLY
    assert Consent.parse(Consent.QUOTE_ANONYMOUSLY) == Consent.QUOTE_ANONYMOUSLY


def test_an_answer_is_readable_by_facilitators_only_if_its_check_in_said_so(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    member, before = _delivery(db, clock, "UBEFORE")  # asked while facilitators could not read
    clock.advance(timedelta(minutes=5))
    _raw(db, True, clock)
    with db.session() as session:
        row = session.get(Member, member.id)
        old = checkins.record_dm_answer(session, row, before, "Said before", "dm:old", clock.now())
    clock.advance(timedelta(minutes=5))
    other, after = _delivery(db, clock, "UAFTER")  # asked after it was turned on
    with db.session() as session:
        row = session.get(Member, other.id)
        new = checkins.record_dm_answer(session, row, after, "Said after", "dm:new", clock.now())
    assert old is not None and not old.readable_by_facilitators
    assert new is not None and new.readable_by_facilitators
    # A form is readable only if it said so (it says so while the setting is on).
    with db.session() as session:
        row = session.get(Member, other.id)
        told = checkins.ModalAnswer("Edited", told_readable=True)
        assert checkins.record_modal_answer(session, row, after, told, clock.now()).readable_by_facilitators
        untold = checkins.ModalAnswer("Edited again", told_readable=False)
        assert not checkins.record_modal_answer(
            session, row, after, untold, clock.now()
        ).readable_by_facilitators
    # Turning it off takes every answer back at once.
    _raw(db, False, clock)
    with db.session() as session:
        assert not any(a.readable_by_facilitators for a in session.exec(select(Answer)).all())


def _theme_with_quotes(db: Database, clock: ManualClock) -> tuple[EmergingTheme, list[int]]:
    ids = factories.answers(db, CYBERSECURITY, clock.now(), consent=Consent.QUOTE_ANONYMOUSLY, authors=3)
    with db.session() as session:
        for answer in session.exec(select(Answer).where(Answer.id.in_(ids))).all():  # type: ignore[attr-defined]
            answer.tagged_at = clock.now()
            session.add(answer)
        session.commit()
        [theme] = themes.propose(session, factories.TEAM, "2026-W48", clock.now())
    assert any(example in CYBERSECURITY for example in json.loads(theme.examples))
    return theme, ids


def test_choosing_counts_only_withdraws_every_earlier_answer_and_its_theme_examples(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    theme, ids = _theme_with_quotes(db, clock)
    with db.session() as session:
        authors = {session.get(Answer, i).member_id: session.get(Answer, i).text for i in ids}
    for member_id in authors:
        with db.session() as session:
            member = session.get(Member, member_id)
            assert member_settings.set_consent_default(session, member, Consent.COUNTS_ONLY, clock.now()) == 1
    with db.session() as session:
        assert {a.consent for a in session.exec(select(Answer)).all()} == {Consent.COUNTS_ONLY}
        examples = json.loads(session.get(EmergingTheme, theme.id).examples)
    assert not any(example in CYBERSECURITY for example in examples)


def test_another_default_leaves_earlier_answers_as_they_were_given(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    [answer_id] = factories.answers(db, ["Mine"], clock.now(), consent=Consent.QUOTE_ANONYMOUSLY)
    with db.session() as session:
        member = session.get(Member, session.get(Answer, answer_id).member_id)
    assert _set_default(db, member, Consent.SHARE_WITH_MATCHES, clock) == 0
    with db.session() as session:
        assert session.get(Answer, answer_id).consent == Consent.QUOTE_ANONYMOUSLY


def test_editing_an_answer_away_from_anonymous_quotes_takes_it_out_of_theme_examples(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    member, delivery = _delivery(db, clock)
    form = checkins.ModalAnswer(CYBERSECURITY[0], consent=Consent.QUOTE_ANONYMOUSLY)
    with db.session() as session:
        answer = checkins.record_modal_answer(session, member, delivery, form, clock.now())
        answer.tagged_at = clock.now()
        session.add(answer)
        session.commit()
    factories.answers(db, CYBERSECURITY[1:], clock.now(), authors=2)
    with db.session() as session:
        for row in session.exec(select(Answer)).all():
            row.tagged_at = clock.now()
            session.add(row)
        session.commit()
        [theme] = themes.propose(session, factories.TEAM, "2026-W48", clock.now())
    assert CYBERSECURITY[0] in json.loads(theme.examples)
    with db.session() as session:
        changed = checkins.ModalAnswer(CYBERSECURITY[0], consent=Consent.SHARE_WITH_MATCHES)
        checkins.record_modal_answer(session, member, delivery, changed, clock.now())
        assert CYBERSECURITY[0] not in json.loads(session.get(EmergingTheme, theme.id).examples)


def test_months_before_is_calendar_arithmetic() -> None:
    moment = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert retention.months_before(moment, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert retention.months_before(moment, 12) == datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
    assert retention.months_before(moment, 15) == datetime(2024, 12, 31, 12, 0, tzinfo=UTC)


def test_retention_deletes_old_texts_once_and_keeps_everything_else(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    theme, _ = _theme_with_quotes(db, clock)
    clock.advance(timedelta(days=200))
    [recent] = factories.answers(db, ["Still recent"], clock.now(), consent=Consent.QUOTE_ANONYMOUSLY)
    with db.session() as session:
        workspaces.set_retention(session, session.get(Workspace, factories.TEAM), 6)
    with db.session() as session:
        assert retention.claim_run(session, factories.TEAM, clock.now())
        assert not retention.claim_run(session, factories.TEAM, clock.now())  # once a day
        assert retention.delete_expired_texts(session, factories.TEAM, clock.now()) == 3
        assert retention.delete_expired_texts(session, factories.TEAM, clock.now()) == 0  # idempotent
        rows = {a.id: a for a in session.exec(select(Answer)).all()}
        assert rows[recent].text == "Still recent" and rows[recent].text_deleted_at is None
        old = [a for i, a in rows.items() if i != recent]
        assert {a.text for a in old} == {""} and all(a.text_deleted_at for a in old)
        assert {a.consent for a in old} == {Consent.QUOTE_ANONYMOUSLY}  # levels and rows stay
        assert json.loads(session.get(EmergingTheme, theme.id).examples) == []
    clock.advance(timedelta(days=1, minutes=1))
    with db.session() as session:
        assert retention.claim_run(session, factories.TEAM, clock.now())
