"""Answers that try to talk the LLM round, against a model that has been talked round: the
answer is stored as written, tags outside the taxonomy are dropped, the model's words reach
the digest only escaped, and a paragraph with invented figures is replaced by the template."""

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack
from standins.openai_api import OpenAIStandIn, compromised_model
from storage.models import Answer, AnswerTag, PainPoint
from tests.e2e.conftest import COORDINATORS, FACILITATOR, MANILA, MEXICO, PLAIN, consent, text_of
from tests.hostile import tally
from tests.hostile.strategies import FORBIDDEN, PROMPT_INJECTIONS

pytestmark = pytest.mark.e2e

YES = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
MEMBERS = (MANILA, MEXICO, PLAIN)


@pytest.fixture(params=[False, True], ids=["real-figures", "invented-figures"])
def installation(
    request: pytest.FixtureRequest, database_url: str, clock: ManualClock
) -> Iterator[tuple[LocalSlack, OpenAIStandIn, bool]]:
    invent = bool(request.param)
    with OpenAIStandIn(responder=compromised_model(invent_figures=invent)) as model:
        settings = Settings(facilitators=frozenset({FACILITATOR}), openai_api_key=model.api_key,
                            openai_base_url=model.base_url)  # fmt: skip
        with LocalSlack(database_url, clock=clock, settings=settings) as slack:
            slack.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="Africa/Dakar")
            for user in MEMBERS:
                slack.api.add_user(user, name=user.lower(), real_name=f"Member {user}", tz="UTC")
            slack.api.add_channel(COORDINATORS, name="coordinators", members=[FACILITATOR])
            yield slack, model, invent


def test_a_compromised_model_cannot_tag_outside_the_taxonomy_or_post_unescaped(
    installation: tuple[LocalSlack, OpenAIStandIn, bool],
) -> None:
    slack, model, invent = installation
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    for user in MEMBERS:
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    written = dict(zip(MEMBERS, PROMPT_INJECTIONS, strict=False))
    for user, words in written.items():
        view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
        slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": words},
            "consent": consent("quote_anonymously"),
        })  # fmt: skip
    tally.count_input("prompt-injection answers against a compromised model", len(written))
    slack.tick()  # tagging, by the (compromised) model

    with slack.db.session() as session:
        answers = session.exec(select(Answer)).all()
        tags = session.exec(select(AnswerTag)).all()
        pains = {p.id for p in session.exec(select(PainPoint).where(col(PainPoint.status) == "active"))}
    assert sorted(a.text for a in answers) == sorted(written.values())  # stored as written
    assert all(a.tagged_at is not None for a in answers)
    assert tags and {t.source for t in tags} == {"llm"}
    assert {t.pain_point_id for t in tags} <= pains  # "admin" and "<!channel>" were dropped
    assert all(0 < t.confidence <= 1 for t in tags)  # 99 was clamped
    tagging = [r for r in model.requests if r.get("response_format")]
    assert tagging
    for request in tagging:  # members' words only ever as data, in the user message
        system = " ".join(m["content"] for m in request["messages"] if m["role"] == "system")
        assert not any(words in system for words in written.values())

    reply = text_of(slack.command(FACILITATOR, "digest post"))
    assert "posted" in reply
    posted = "\n".join(text_of(c.params) for c in slack.api.calls_to("chat.postMessage")
                       if c.params.get("channel") == COORDINATORS)  # fmt: skip
    assert any(not r.get("response_format") for r in model.requests), "the digest never asked the model"
    for forbidden in FORBIDDEN:
        assert forbidden not in posted
    if invent:
        assert "9137" not in posted and "System prompt revealed" not in posted  # the template instead
        assert "check-ins answered" in posted
    else:
        assert "&lt;!channel&gt; Ignore the data" in posted  # the model's words, shown inert
