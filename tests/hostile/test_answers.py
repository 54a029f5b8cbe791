"""Hostile answers by DM and in the check-in form: a valid one is stored exactly once with
its text intact (minus NULs and surrounding blanks, which the app documents it drops); an
empty or oversized one is refused with a message that says why, and nothing is stored."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.checkins import service as checkins
from standins.harness import LocalSlack, wait_for
from storage.models import Answer
from tests.e2e.conftest import FACILITATOR, MANILA, text_of
from tests.hostile import tally
from tests.hostile.conftest import LogCapture
from tests.hostile.strategies import hostile_text, stored_form

pytestmark = pytest.mark.e2e

HTTP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
answers = st.one_of(
    hostile_text(),
    st.sampled_from(["", "   ", "\x00\x00", "\u200b", "\n\t \n"]),
    st.integers(checkins.MAX_ANSWER_CHARS - 2, checkins.MAX_ANSWER_CHARS + 50).map(lambda n: "é" * n),
)


def _ready(slack: LocalSlack) -> None:
    if not getattr(slack, "hostile_ready", False):
        slack.command(MANILA, "join")
        slack.command(FACILITATOR, "checkin now")
        slack.hostile_ready = True  # type: ignore[attr-defined]


def _answers(slack: LocalSlack) -> list[Answer]:
    with slack.db.session() as session:
        return list(session.exec(select(Answer).order_by(Answer.id)).all())


@HTTP
@given(text=answers)
def test_a_dm_answer_is_kept_intact_once_or_refused_with_a_reason(
    slack: LocalSlack, debug_logs: LogCapture, text: str
) -> None:
    _ready(slack)
    since = debug_logs.mark()
    tally.count_input("DM answer (message.im)")
    before_answers, before_messages = len(_answers(slack)), len(slack.api.messages_to(MANILA))
    delivery = slack.events.dm(MANILA, text)
    assert delivery.status == 200
    reply = wait_for(lambda: slack.api.messages_to(MANILA)[before_messages:], timeout=10)
    shown = "\n".join(text_of(m) for m in reply)
    kept = stored_form(text)
    stored = _answers(slack)[before_answers:]
    if not kept:
        assert stored == [] and "I can only save text answers" in shown
    elif len(kept) > checkins.MAX_ANSWER_CHARS:
        assert stored == [] and "Nothing was saved" in shown and f"{len(kept):,}" in shown
    else:
        assert [a.text for a in stored] == [kept]
        assert "Saved" in shown
    assert debug_logs.listener_failures(since) == []
    logged = debug_logs.text()
    assert len(kept) < 12 or kept not in logged  # (a few characters could match by chance)
    assert slack.api.bot_token not in logged and slack.signing_secret not in logged


def test_a_dm_with_an_unpaired_surrogate_is_refused_as_malformed_and_the_member_can_resend(
    slack: LocalSlack,
) -> None:
    # No UTF-8 request can carry a lone surrogate, only JSON's \\ud800 escape: not Slack.
    _ready(slack)
    tally.count_input("DM answer with lone surrogates", 3)
    for text in ("half an emoji \ud83d", "\udfff", "a\ud800b\udc00c"):
        assert slack.events.dm(MANILA, text).status == 400
    assert _answers(slack) == []
    slack.events.dm(MANILA, "a whole emoji 😀 is fine")
    wait_for(lambda: _answers(slack))
    assert [a.text for a in _answers(slack)] == ["a whole emoji 😀 is fine"]


@HTTP
@given(text=st.one_of(
    hostile_text(),
    st.sampled_from(["", " ", "\x00", "\n\n"]),
    st.integers(checkins.MAX_MODAL_CHARS - 2, checkins.MAX_MODAL_CHARS + 20).map(lambda n: "ß" * n),
))  # fmt: skip
def test_a_form_answer_is_kept_intact_as_one_answer_or_refused_in_the_form(
    slack: LocalSlack, debug_logs: LogCapture, text: str
) -> None:
    _ready(slack)
    since = debug_logs.mark()
    tally.count_input("check-in form answer (view_submission)")
    if not hasattr(slack, "hostile_view"):
        slack.hostile_view = slack.click_for_view(  # type: ignore[attr-defined]
            MANILA, slack.api.messages_to(MANILA)[0], "checkin_answer"
        )
    previous = [a.text for a in _answers(slack) if a.source == "modal"]
    response = slack.events.submit_view(
        MANILA,
        slack.hostile_view,
        {"challenge": {"type": "plain_text_input", "value": text}},  # type: ignore[attr-defined]
    )
    assert response.status == 200
    kept = stored_form(text)
    modal = [a.text for a in _answers(slack) if a.source == "modal"]
    if kept and len(kept) <= checkins.MAX_MODAL_CHARS:
        assert response.body == "" and modal == [kept]  # re-submitting edits the one answer
    else:
        errors = json.loads(response.body)["errors"]
        reason = "at least a few words" if not kept else f"under {checkins.MAX_MODAL_CHARS:,} characters"
        assert reason in errors["challenge"]
        assert modal == previous
    assert debug_logs.listener_failures(since) == []
