"""Answers are tagged after they are stored: by the member, the offline tagger, or an LLM
(against a local OpenAI-compatible stand-in), and an LLM outage never costs a tag."""

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack, wait_for
from standins.openai_api import OpenAIStandIn
from storage.models import Answer, AnswerTag, PainPoint
from tests.e2e.conftest import FACILITATOR, MANILA, MEXICO, text_of

pytestmark = pytest.mark.e2e

BUDGET = "The finance ministry cut the budget for our consultations and there is no money for travel."


def _tags(slack: LocalSlack) -> list[tuple[str, str]]:
    with slack.db.session() as session:
        rows = session.exec(
            select(PainPoint.slug, AnswerTag.source).join(PainPoint, PainPoint.id == AnswerTag.pain_point_id)
        ).all()
    return sorted((slug, source) for slug, source in rows)


def _answer_by_dm(slack: LocalSlack, text: str) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    slack.events.dm(MANILA, text)
    wait_for(lambda: any("Saved as" in text_of(m) for m in slack.api.messages_to(MANILA)))


def test_a_dm_answer_is_tagged_offline_on_the_next_tick(slack: LocalSlack) -> None:
    _answer_by_dm(slack, BUDGET)
    assert _tags(slack) == []  # stored first, tagged after
    slack.tick()
    assert _tags(slack) == [("funding", "offline")]
    with slack.db.session() as session:
        assert session.exec(select(Answer)).one().tagged_at is not None


def test_the_members_own_selection_wins(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.command(FACILITATOR, "checkin now")
    message = slack.api.messages_to(MANILA)[-1]
    view = slack.click_for_view(MANILA, message, "checkin_answer")
    with slack.db.session() as session:
        time_id = session.exec(select(PainPoint.id).where(PainPoint.slug == "time")).one()
    option = {"text": {"type": "plain_text", "text": "Lack of time"}, "value": str(time_id)}
    slack.events.submit_view(MANILA, view, {
        "challenge": {"type": "plain_text_input", "value": BUDGET},
        "pains": {"type": "multi_static_select", "selected_options": [option]},
    })  # fmt: skip
    slack.tick()
    assert _tags(slack) == [("time", "member")]


@pytest.fixture
def openai_standin() -> Iterator[OpenAIStandIn]:
    with OpenAIStandIn(api_key="sk-test-key") as server:
        yield server


@pytest.fixture
def llm_slack(database_url: str, clock: ManualClock, openai_standin: OpenAIStandIn) -> Iterator[LocalSlack]:
    settings = Settings(facilitators=frozenset({FACILITATOR}), openai_api_key="sk-test-key",
                        openai_base_url=openai_standin.base_url, openai_model="gpt-4o-mini")  # fmt: skip
    with LocalSlack(database_url, clock=clock, settings=settings) as slack:
        slack.api.add_user(MANILA, name="maria", real_name="Maria Santos", tz="Asia/Manila")
        slack.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo")
        yield slack


def test_with_an_llm_configured_answers_are_tagged_by_it_in_one_request(
    llm_slack: LocalSlack, openai_standin: OpenAIStandIn
) -> None:
    _answer_by_dm(llm_slack, BUDGET)
    llm_slack.tick()
    assert _tags(llm_slack) == [("funding", "llm")]
    assert len(openai_standin.requests) == 1


def test_an_llm_outage_falls_back_to_the_offline_tagger(
    llm_slack: LocalSlack, openai_standin: OpenAIStandIn
) -> None:
    _answer_by_dm(llm_slack, BUDGET)
    openai_standin.fail_next(500, times=10)
    llm_slack.tick()
    assert _tags(llm_slack) == [("funding", "offline")]


def test_the_llm_sees_the_communitys_own_labelled_answers_as_worked_examples(
    llm_slack: LocalSlack, openai_standin: OpenAIStandIn
) -> None:
    llm_slack.api.add_user(MEXICO, name="jorge", real_name="Jorge Ruiz", tz="America/Mexico_City")
    for user in (MANILA, MEXICO):
        llm_slack.command(user, "join")
    llm_slack.command(FACILITATOR, "checkin now")
    with llm_slack.db.session() as session:
        ids = {p.slug: p.id for p in session.exec(select(PainPoint)).all()}
    ticked = {MANILA: ("Elections moved our commitments to a new ministry.", "changing_environment"),
              MEXICO: ("Nadie en el gabinete apoya el plan de acción.", "political_will")}  # fmt: skip
    for user, (words, slug) in ticked.items():
        view = llm_slack.click_for_view(user, llm_slack.api.messages_to(user)[-1], "checkin_answer")
        option = {"text": {"type": "plain_text", "text": slug}, "value": str(ids[slug])}
        llm_slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": words},
            "pains": {"type": "multi_static_select", "selected_options": [option]},
        })  # fmt: skip
    llm_slack.tick()  # the machine reads them (no examples yet), then learns from them
    first = openai_standin.requests[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user"]

    _answer_by_dm(llm_slack, BUDGET)
    llm_slack.tick()
    messages = openai_standin.requests[-1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "this same community" in messages[0]["content"]
    worked = messages[1]["content"]
    for words, _ in ticked.values():
        assert json.dumps(words, ensure_ascii=False) in worked
    reply = json.loads(messages[2]["content"])["results"]
    assert sorted(tag["id"] for result in reply for tag in result["pain_points"]) == sorted(
        slug for _, slug in ticked.values()
    )
    assert BUDGET in messages[3]["content"] and BUDGET not in worked
    assert _tags(llm_slack)[0] == ("changing_environment", "member")  # theirs, untouched
    assert ("funding", "llm") in _tags(llm_slack)
