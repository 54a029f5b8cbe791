"""Check-in bookkeeping in the database: planning, claiming, answers. No Slack here."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from bot.checkins import service as checkins
from bot.core.clock import ManualClock
from bot.core.texts import Texts
from bot.tagging import taxonomy
from storage.db import Database
from storage.models import Answer, AnswerTag, CheckinDelivery, Consent, DeliveryStatus, TagSource, Workspace
from tests import factories

MONDAY_0100_UTC = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Manila


def _ws(db: Database) -> Workspace:
    with db.session() as session:
        ws = session.get(Workspace, factories.TEAM)
        assert ws is not None
        return ws


def _deliveries(db: Database) -> list[CheckinDelivery]:
    with db.session() as session:
        return list(session.exec(select(CheckinDelivery)).all())


def test_planning_asks_only_members_whose_local_time_has_come(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    manila = factories.member(db, "UMANILA", "Asia/Manila", clock.now())
    factories.member(db, "UMEXICO", "America/Mexico_City", clock.now())
    with db.session() as session:
        assert checkins.plan_scheduled(session, _ws(db), MONDAY_0100_UTC) == 1
    [delivery] = _deliveries(db)
    assert delivery.member_id == manila.id
    assert delivery.due_at == MONDAY_0100_UTC


def test_planning_twice_or_concurrently_creates_one_delivery_per_member(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    for i in range(5):
        factories.member(db, f"UMNL{i}", "Asia/Manila", clock.now())
    ws = _ws(db)
    created: list[int] = []

    def plan() -> None:
        with db.session() as session:
            created.append(checkins.plan_scheduled(session, ws, MONDAY_0100_UTC))

    threads = [threading.Thread(target=plan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.session() as session:
        checkins.plan_scheduled(session, ws, MONDAY_0100_UTC + timedelta(hours=1))
    assert sum(created) == 5
    assert len(_deliveries(db)) == 5


def test_only_one_claimant_wins_a_delivery(db: Database, clock: ManualClock) -> None:
    factories.workspace(db)
    factories.member(db, "UMNL", "Asia/Manila", clock.now())
    with db.session() as session:
        checkins.plan_scheduled(session, _ws(db), MONDAY_0100_UTC)
    [delivery] = _deliveries(db)
    wins = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        with db.session() as session:
            wins.append(checkins.claim(session, delivery.id, MONDAY_0100_UTC))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, False, False, True]


def test_deliveries_too_late_to_send_expire_instead_of_going_out_days_late(
    db: Database, clock: ManualClock
) -> None:
    factories.workspace(db)
    factories.member(db, "UMNL", "Asia/Manila", clock.now())
    with db.session() as session:
        checkins.plan_scheduled(session, _ws(db), MONDAY_0100_UTC)
        three_days_later = MONDAY_0100_UTC + timedelta(days=3)
        assert checkins.expire_stale(session, three_days_later) == 1
        assert checkins.due_deliveries(session, three_days_later) == []


def _sent_delivery(db: Database, clock: ManualClock) -> tuple:
    factories.workspace(db)
    m = factories.member(db, "UMNL", "Asia/Manila", clock.now())
    with db.session() as session:
        ws = _ws(db)
        checkins.start_manual_round(session, ws, "UFAC", clock.now())
        [delivery_id] = checkins.due_deliveries(session, clock.now())
        checkins.claim(session, delivery_id, clock.now())
        checkins.mark_sent(session, delivery_id, "D1", "1.000", clock.now())
        delivery = session.get(CheckinDelivery, delivery_id)
    return m, delivery


def test_a_redelivered_dm_is_stored_once(db: Database, clock: ManualClock) -> None:
    member, delivery = _sent_delivery(db, clock)
    with db.session() as session:
        first = checkins.record_dm_answer(
            session, member, delivery, "No budget for the forum", "dm:x:1", clock.now()
        )
        again = checkins.record_dm_answer(
            session, member, delivery, "No budget for the forum", "dm:x:1", clock.now()
        )
        assert first is not None and again is None
        assert session.exec(select(func.count()).select_from(Answer)).one() == 1
        assert session.get(CheckinDelivery, delivery.id).status == DeliveryStatus.ANSWERED


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00"])
def test_empty_answers_are_rejected(db: Database, clock: ManualClock, text: str) -> None:
    member, delivery = _sent_delivery(db, clock)
    with db.session() as session, pytest.raises(checkins.AnswerRejected) as error:
        checkins.record_dm_answer(session, member, delivery, text, "dm:x:2", clock.now())
    assert error.value.reason == "empty"


def test_a_20000_character_dm_is_kept_whole(db: Database, clock: ManualClock) -> None:
    member, delivery = _sent_delivery(db, clock)
    text = ("Our ministry reorganised again. " * 700)[:20_000]
    with db.session() as session:
        answer = checkins.record_dm_answer(session, member, delivery, text, "dm:x:3", clock.now())
        assert answer is not None
        assert len(session.get(Answer, answer.id).text) == len(text.strip())


def test_resubmitting_the_modal_edits_the_answer_and_the_members_tags(
    db: Database, clock: ManualClock
) -> None:
    member, delivery = _sent_delivery(db, clock)
    with db.session() as session:
        pains = {p.slug: p.id for p in taxonomy.active_pain_points(session, factories.TEAM)}
        form = checkins.ModalAnswer("First draft", [pains["time"], pains["funding"]], 2, True)
        first = checkins.record_modal_answer(session, member, delivery, form, clock.now())
        form2 = checkins.ModalAnswer(
            "Second thoughts", [pains["political_will"]], 4, False, Consent.SHARE_WITH_MATCHES
        )
        second = checkins.record_modal_answer(session, member, delivery, form2, clock.now())
        assert first.id == second.id
        stored = session.get(Answer, first.id)
        assert (stored.text, stored.support_score, stored.wants_match, stored.consent) == (
            "Second thoughts", 4, False, Consent.SHARE_WITH_MATCHES,
        )  # fmt: skip
        tags = session.exec(select(AnswerTag).where(AnswerTag.answer_id == first.id)).all()
        assert [(t.pain_point_id, t.source) for t in tags] == [(pains["political_will"], TagSource.MEMBER)]


def test_pain_point_ids_from_another_workspace_are_ignored(db: Database, clock: ManualClock) -> None:
    member, delivery = _sent_delivery(db, clock)
    factories.workspace(db, team_id="T0OTHER")
    with db.session() as session:
        taxonomy.ensure_seeded(session, "T0OTHER", Texts.load())
        foreign = taxonomy.active_pain_points(session, "T0OTHER")[0].id
        form = checkins.ModalAnswer("Text", [foreign, 999_999], None, False)
        answer = checkins.record_modal_answer(session, member, delivery, form, clock.now())
        assert session.exec(select(AnswerTag).where(AnswerTag.answer_id == answer.id)).all() == []


def test_a_reminder_is_claimed_once(db: Database, clock: ManualClock) -> None:
    _, delivery = _sent_delivery(db, clock)
    later = clock.now() + timedelta(hours=25)
    with db.session() as session:
        assert checkins.reminders_due(session, _ws(db), later) == [delivery.id]
        assert checkins.claim_reminder(session, delivery.id, later) is True
        assert checkins.claim_reminder(session, delivery.id, later) is False
        assert checkins.reminders_due(session, _ws(db), later) == []
