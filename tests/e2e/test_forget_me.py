"""`/convene forget-me` deletes a member's data everywhere, after a confirmation."""

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.tagging import themes
from standins.harness import LocalSlack, wait_for
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    Consent,
    EmergingTheme,
    MatchAvoid,
    MatchMember,
    Member,
)
from tests import factories
from tests.e2e.conftest import FACILITATOR, MANILA, MEXICO, text_of
from tests.test_themes import INTEROPERABILITY

pytestmark = pytest.mark.e2e


def _count(slack: LocalSlack, model: type) -> int:
    with slack.db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_forget_me_asks_first_then_deletes_everything_about_the_member(slack: LocalSlack) -> None:
    for user in (MANILA, MEXICO):
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
    for user, words in (
        (MANILA, "No budget for the forum at all."),
        (MEXICO, "Sin presupuesto para el foro."),
    ):
        view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
        answer = {
            "challenge": {"type": "plain_text_input", "value": words},
            "match": {"type": "checkboxes", "selected_options": yes},
        }
        slack.events.submit_view(user, view, answer)
    slack.tick()
    slack.command(FACILITATOR, "match run")
    join = slack.command(MANILA, "join")
    profile = slack.click_for_view(MANILA, join, "profile_open")
    slack.events.submit_view(
        MANILA, profile, {"avoid": {"type": "multi_users_select", "selected_users": [MEXICO]}}
    )
    assert _count(slack, MatchMember) == 2 and _count(slack, MatchAvoid) == 1

    prompt = slack.command(MANILA, "forget-me")
    assert "cannot be undone" in text_of(prompt)
    assert _count(slack, Answer) == 2  # nothing happens before the confirmation
    slack.events.click_button_in(MANILA, prompt, "forget_me_confirm")
    done = wait_for(
        lambda: [r for r in slack.api.responses() if "has deleted your profile" in r.get("text", "")]
    )
    assert "and 1 answer, with its tags" in done[0]["text"]

    with slack.db.session() as session:
        assert [m.user_id for m in session.exec(select(Member)).all()] == [MEXICO]
        assert [a.text for a in session.exec(select(Answer)).all()] == ["Sin presupuesto para el foro."]
        mexico_answer = session.exec(select(Answer.id)).one()
        assert {t.answer_id for t in session.exec(select(AnswerTag)).all()} <= {mexico_answer}
        assert len(session.exec(select(CheckinDelivery)).all()) == 1
    assert _count(slack, MatchMember) == 1 and _count(slack, MatchAvoid) == 0
    assert "stores nothing about you" in text_of(slack.command(MANILA, "me"))


def test_their_words_leave_emerging_theme_examples_too(slack: LocalSlack) -> None:
    words = INTEROPERABILITY
    now = slack.runtime.clock.now()
    factories.answers(
        slack.db, words, now, consent=Consent.QUOTE_ANONYMOUSLY, team_id=slack.team_id, authors=3
    )
    with slack.db.session() as session:
        for answer in session.exec(select(Answer)).all():
            answer.tagged_at = now
            session.add(answer)
        session.commit()
        [theme] = themes.propose(session, slack.team_id, "2026-W48", now)
        examples = [e for e in json.loads(theme.examples) if e in words]
        assert examples
        author = session.exec(select(Answer.member_id).where(Answer.text == examples[0])).one()
        from bot.members.forget import forget

        forget(session, session.get(Member, author))
        scrubbed = session.get(EmergingTheme, theme.id)
        assert examples[0] not in json.loads(scrubbed.examples)
