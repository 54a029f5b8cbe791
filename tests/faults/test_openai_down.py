"""OpenAI failing (500s, 429s) or gone: answers are stored and tagged by the offline
tagger, and the digest's opening falls back to the template."""

from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.config import Settings
from standins.harness import LocalSlack, wait_for
from standins.openai_api import OpenAIStandIn
from storage.models import Answer, AnswerTag
from tests.e2e.conftest import COORDINATORS, FACILITATOR, MANILA, MEXICO, text_of
from tests.hostile.tally import count_scenario

pytestmark = pytest.mark.e2e
OUTAGES = ["500s", "429s", "stopped"]


@pytest.fixture(params=OUTAGES)
def outage(request: pytest.FixtureRequest, database_url: str, clock: ManualClock) -> Iterator[tuple]:
    model = OpenAIStandIn().start()
    settings = Settings(facilitators=frozenset({FACILITATOR}), openai_api_key=model.api_key,
                        openai_base_url=model.base_url)  # fmt: skip
    with LocalSlack(database_url, clock=clock, settings=settings) as slack:
        slack.api.add_user(FACILITATOR, name="fatima", real_name="Fatima Diallo", tz="UTC")
        for user in (MANILA, MEXICO):
            slack.api.add_user(user, name=user.lower(), real_name=f"Member {user}", tz="UTC")
        slack.api.add_channel(COORDINATORS, name="coordinators", members=[FACILITATOR])
        kind = request.param
        if kind == "500s":
            model.fail_next(500, times=50)
        elif kind == "429s":
            model.fail_next(429, times=50, retry_after=0.05)
        else:
            model.stop()
        yield slack, model, kind
    model.stop()


def test_with_openai_down_answers_are_kept_tagged_offline_and_the_digest_uses_the_template(
    outage: tuple[LocalSlack, OpenAIStandIn, str],
) -> None:
    slack, _model, kind = outage
    count_scenario(f"OpenAI down ({kind})")
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    for user in (MANILA, MEXICO):
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    written = {MANILA: "The budget was cut again and the money for the portal is gone.",
               MEXICO: "No tenemos tiempo: demasiadas horas en reuniones."}  # fmt: skip
    for user, words in written.items():
        slack.events.dm(user, words)
    wait_for(lambda: all(any("Saved" in text_of(m) for m in slack.api.messages_to(u)) for u in written))
    slack.tick()
    with slack.db.session() as session:
        answers = session.exec(select(Answer)).all()
        tags = session.exec(select(AnswerTag)).all()
    assert sorted(a.text for a in answers) == sorted(written.values())
    assert all(a.tagged_at for a in answers) and tags and {t.source for t in tags} == {"offline"}
    assert "posted" in text_of(slack.command(FACILITATOR, "digest post"))
    posted = "\n".join(text_of(c.params) for c in slack.api.calls_to("chat.postMessage")
                       if c.params.get("channel") == COORDINATORS)  # fmt: skip
    assert "check-ins answered" in posted
