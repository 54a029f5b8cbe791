"""A check-in from the member's side: the DM, its buttons, the modal, plain DM replies."""

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.harness import LocalSlack, wait_for
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    DeliveryStatus,
    Member,
    MemberStatus,
    PainPoint,
)
from tests.e2e.conftest import FACILITATOR, MANILA, MEXICO, consent, text_of

pytestmark = pytest.mark.e2e

SPANISH = Texts.load()
DETAILS_ES = SPANISH.get("checkin.details_button", "es-LA")
SAVED_ES = SPANISH.get("checkin.dm_saved", "es-LA", length="x", level="x").split(" (")[0]


def _start_round(slack: LocalSlack, *users: str) -> dict:
    for user in users:
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    return slack.api.messages_to(users[0])[-1]


def _answers(slack: LocalSlack) -> list[Answer]:
    with slack.db.session() as session:
        return list(session.exec(select(Answer)).all())


def _delivery(slack: LocalSlack) -> CheckinDelivery:
    with slack.db.session() as session:
        return session.exec(select(CheckinDelivery)).one()


def _modal_values(
    text: str,
    pain_ids: list[int] = (),
    support: int | None = 3,
    match: bool = True,
    level: str = "counts_only",
) -> dict:
    yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
    values = {
        "challenge": {"type": "plain_text_input", "value": text},
        "pains": {"type": "multi_static_select",
                  "selected_options": [{"text": {"type": "plain_text", "text": "p"}, "value": str(i)}
                                       for i in pain_ids]},
        "match": {"type": "checkboxes", "selected_options": yes if match else []},
        "consent": consent(level),
    }  # fmt: skip
    if support is not None:
        values["support"] = {"type": "radio_buttons", "selected_option": {"value": str(support)}}
    return values


def test_the_checkin_dm_asks_the_question_with_three_buttons(slack: LocalSlack) -> None:
    message = _start_round(slack, MANILA)
    shown = text_of(message)
    assert "What is your most pressing challenge right now?" in shown
    assert "Hi Maria" in shown
    buttons = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["checkin_answer", "checkin_skip", "checkin_pause"]


def test_answering_in_the_modal_stores_everything_and_updates_the_dm(slack: LocalSlack) -> None:
    message = _start_round(slack, MANILA)
    view = slack.click_for_view(MANILA, message, "checkin_answer")
    labels = text_of(view)
    for question in ("most pressing challenge", "Which of these does it touch?", "How supported",
                     "Match me this week", "Who may read these words", "Counts only",
                     "Share with my matched peers", "Quote anonymously in the coordinators' digest",
                     "Facilitators cannot read answers"):  # fmt: skip
        assert question in labels
    [choice] = [b["element"] for b in view["blocks"] if b.get("block_id") == "consent"]
    assert choice["type"] == "radio_buttons" and choice["initial_option"]["value"] == "counts_only"
    with slack.db.session() as session:
        pains = {p.slug: p.id for p in session.exec(select(PainPoint)).all()}
    text = "The ministry of finance has not released the budget for two commitments."
    response = slack.events.submit_view(
        MANILA,
        view,
        _modal_values(text, [pains["funding"], pains["political_will"]], 2, True, "quote_anonymously"),
    )
    assert response.status == 200 and response.body == ""  # closes the modal
    [answer] = _answers(slack)
    assert (answer.text, answer.source, answer.support_score, answer.wants_match, answer.consent) == (
        text, "modal", 2, True, "quote_anonymously",
    )  # fmt: skip
    with slack.db.session() as session:
        tags = sorted(t.pain_point_id for t in session.exec(select(AnswerTag)).all())
    assert tags == sorted([pains["funding"], pains["political_will"]])
    assert _delivery(slack).status == DeliveryStatus.ANSWERED
    updated = wait_for(lambda: [m for m in slack.api.messages_to(MANILA) if "answer is saved" in text_of(m)])
    assert "Edit my answer" in text_of(updated[0])


def test_an_empty_modal_answer_is_refused_in_the_form_and_nothing_is_stored(
    slack: LocalSlack,
) -> None:
    message = _start_round(slack, MANILA)
    view = slack.click_for_view(MANILA, message, "checkin_answer")
    response = slack.events.submit_view(MANILA, view, _modal_values("   "))
    body = response.json()
    assert body["response_action"] == "errors"
    assert "write at least a few words" in body["errors"]["challenge"]
    assert _answers(slack) == []
    assert _delivery(slack).status == DeliveryStatus.SENT


def test_editing_the_answer_reopens_the_form_prefilled_and_keeps_one_answer(
    slack: LocalSlack,
) -> None:
    message = _start_round(slack, MANILA)
    view = slack.click_for_view(MANILA, message, "checkin_answer")
    slack.events.submit_view(MANILA, view, _modal_values("First version"))
    edited_dm = wait_for(
        lambda: [m for m in slack.api.messages_to(MANILA) if "Edit my answer" in text_of(m)]
    )[0]
    again = slack.click_for_view(MANILA, edited_dm, "checkin_edit")
    assert again["blocks"][0]["element"]["initial_value"] == "First version"
    slack.events.submit_view(MANILA, again, _modal_values("Second version", support=5))
    [answer] = _answers(slack)
    assert (answer.text, answer.support_score) == ("Second version", 5)


def test_a_plain_dm_reply_is_stored_as_the_answer(slack: LocalSlack) -> None:
    _start_round(slack, MEXICO)
    slack.events.dm(MEXICO, "No tenemos presupuesto para los foros regionales.")
    reply = wait_for(lambda: [m for m in slack.api.messages_to(MEXICO) if SAVED_ES in text_of(m)])
    assert DETAILS_ES in text_of(reply[0])  # Jorge's Slack is in Spanish
    [answer] = _answers(slack)
    assert (answer.text, answer.source) == (
        "No tenemos presupuesto para los foros regionales.",
        "dm",
    )
    assert _delivery(slack).status == DeliveryStatus.ANSWERED


def test_add_details_after_a_dm_answer_asks_only_the_structured_questions(
    slack: LocalSlack,
) -> None:
    _start_round(slack, MEXICO)
    slack.events.dm(MEXICO, "Reorganización del ministerio otra vez.")
    reply = wait_for(lambda: [m for m in slack.api.messages_to(MEXICO) if DETAILS_ES in text_of(m)])[0]
    view = slack.click_for_view(MEXICO, reply, "checkin_details")
    assert [b["block_id"] for b in view["blocks"]] == ["pains", "support", "match", "consent"]
    values = _modal_values("ignored")
    del values["challenge"]
    assert slack.events.submit_view(MEXICO, view, values).status == 200
    [answer] = _answers(slack)
    assert (answer.text, answer.support_score, answer.wants_match) == (
        "Reorganización del ministerio otra vez.",
        3,
        True,
    )


def test_slack_retrying_a_dm_event_stores_and_replies_once(slack: LocalSlack) -> None:
    _start_round(slack, MANILA)
    first = slack.events.dm(
        MANILA, "Elections in May froze everything.", ts="1764460800.000100", event_id="Ev1"
    )
    retry = slack.events.dm(MANILA, "Elections in May froze everything.", ts="1764460800.000100",
                            event_id="Ev1",
                            retry_num=1)  # fmt: skip
    assert first.status == retry.status == 200
    wait_for(lambda: [m for m in slack.api.messages_to(MANILA) if "Saved as your check-in" in text_of(m)])
    wait_for(lambda: len(_answers(slack)) == 1)
    saved = [m for m in slack.api.messages_to(MANILA) if "Saved as your check-in" in text_of(m)]
    assert len(saved) == 1 and len(_answers(slack)) == 1


def test_a_20000_character_dm_is_kept_whole_and_the_member_is_told(slack: LocalSlack) -> None:
    _start_round(slack, MANILA)
    long_text = ("The inter-agency committee has not met since the reshuffle. " * 400)[:20_000]
    slack.events.dm(MANILA, long_text)
    reply = wait_for(lambda: [m for m in slack.api.messages_to(MANILA) if "20,000 characters" in text_of(m)])
    assert "kept whole" in text_of(reply[0])
    [answer] = _answers(slack)
    assert len(answer.text) == len(long_text.strip())


def test_an_empty_dm_gets_a_clear_reply_and_stores_nothing(slack: LocalSlack) -> None:
    _start_round(slack, MANILA)
    slack.events.dm(MANILA, "   ")
    wait_for(lambda: [m for m in slack.api.messages_to(MANILA) if "only save text answers" in text_of(m)])
    assert _answers(slack) == []


def test_a_dm_with_no_open_checkin_is_not_stored(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.events.dm(MANILA, "hello bot")
    wait_for(lambda: [m for m in slack.api.messages_to(MANILA) if "no open check-in" in text_of(m)])
    assert _answers(slack) == []


def test_a_stranger_writing_to_the_bot_is_invited_to_join(slack: LocalSlack) -> None:
    slack.events.dm(MEXICO, "hola")
    wait_for(lambda: [m for m in slack.api.messages_to(MEXICO) if "/convene join" in text_of(m)])


def test_skip_this_week_replaces_the_buttons(slack: LocalSlack) -> None:
    message = _start_round(slack, MANILA)
    slack.events.click_button_in(MANILA, message, "checkin_skip")
    reply = wait_for(lambda: [r for r in slack.api.responses() if r.get("replace_original")])[0]
    assert "Skipped this week" in text_of(reply)
    assert _delivery(slack).status == DeliveryStatus.SKIPPED


def test_pause_button_pauses_the_member_for_two_weeks(slack: LocalSlack) -> None:
    message = _start_round(slack, MANILA)
    slack.events.click_button_in(MANILA, message, "checkin_pause")
    reply = wait_for(lambda: [r for r in slack.api.responses() if r.get("replace_original")])[0]
    assert "paused until 2026-12-09" in text_of(reply)
    with slack.db.session() as session:
        assert (
            session.exec(select(Member).where(Member.user_id == MANILA)).one().status == MemberStatus.PAUSED
        )


def test_nobody_can_answer_someone_elses_checkin(slack: LocalSlack) -> None:
    message = _start_round(slack, MANILA, MEXICO)
    slack.events.click_button_in(MEXICO, message, "checkin_skip")  # Maria's message, Jorge's click
    refusal = Texts.load().get("checkin.not_yours", "es-LA")  # told in Jorge's own language
    assert wait_for(lambda: any(refusal in text_of(r) for r in slack.api.responses()))
    assert _delivery_for(slack, MANILA).status == DeliveryStatus.SENT
    view = slack.click_for_view(MANILA, message, "checkin_answer")
    response = slack.events.submit_view(MEXICO, view, _modal_values("Forged answer"))
    assert response.json()["response_action"] == "errors"
    assert _answers(slack) == []


def _delivery_for(slack: LocalSlack, user_id: str) -> CheckinDelivery:
    with slack.db.session() as session:
        return session.exec(select(CheckinDelivery).join(Member).where(Member.user_id == user_id)).one()


def test_a_checkin_closes_after_a_week(slack: LocalSlack, clock: ManualClock) -> None:
    message = _start_round(slack, MANILA)
    clock.advance(timedelta(days=8))
    view_count = len(slack.api.open_views())
    slack.events.click_button_in(MANILA, message, "checkin_answer")
    wait_for(lambda: any("has closed" in text_of(r) for r in slack.api.responses()))
    assert len(slack.api.open_views()) == view_count


def test_checkin_now_twice_across_a_minute_boundary_asks_each_member_once(
    slack: LocalSlack, clock: ManualClock
) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 25, 13, 59, 59, tzinfo=UTC))
    _start_round(slack, MANILA)
    clock.advance(timedelta(seconds=1))  # 14:00:00: a new minute, and a colleague types it too
    slack.command(MEXICO, "join")  # joined in between: the second command asks only them
    again = text_of(slack.command(FACILITATOR, "checkin now"))
    assert "already started" in again and "joined since and were asked now: 1" in again
    assert len(slack.api.messages_to(MANILA)) == 1
    assert len(slack.api.messages_to(MEXICO)) == 1
    clock.advance(timedelta(hours=20))  # the next day's round is a new one
    assert "Check-in round started" in text_of(slack.command(FACILITATOR, "checkin now"))
    assert len(slack.api.messages_to(MANILA)) == 2
