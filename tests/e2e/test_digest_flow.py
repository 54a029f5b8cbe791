"""The weekly digest and the convening agenda, over signed HTTP against the Slack stand-in."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.tagging import themes
from standins.harness import LocalSlack, wait_for
from storage.models import Answer, DigestPost, Member
from tests import factories
from tests.e2e.conftest import COORDINATORS, FACILITATOR, MANILA, MEXICO, PLAIN, consent, text_of
from tests.test_themes import INTEROPERABILITY

pytestmark = pytest.mark.e2e

HOSTILE = "Budget <!channel> cut & <https://evil.example|click here> again <@UFACIL001>"


def _week_of_answers(slack: LocalSlack) -> None:
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    for user in (MANILA, MEXICO, PLAIN):
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    answers = {
        MANILA: (HOSTILE, "quote_anonymously"),
        MEXICO: ("Private: the deputy minister blocks everything.", "counts_only"),
    }
    for user, (words, level) in answers.items():
        view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
        slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": words},
            "support": {"type": "radio_buttons", "selected_option": {"value": "2"}},
            "consent": consent(level),
        })  # fmt: skip
    slack.tick()  # tagging


def _channel_messages(slack: LocalSlack) -> list[dict]:
    return [
        c.params for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == COORDINATORS
    ]


def test_preview_shows_the_digest_only_to_the_facilitator(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    before = len(slack.api.responses())
    slack.events.command(FACILITATOR, "digest preview")

    def replies_so_far() -> list[dict]:
        new = slack.api.responses()[before:]
        return new if any("Preview, seen only by you" in r.get("text", "") for r in new) else []

    replies = wait_for(replies_so_far)
    shown = "\n".join(text_of(r) for r in replies)
    assert "Weekly digest · 2026-W48" in shown
    assert "*2* of *3* check-ins answered: *67%*" in shown
    assert "Lack of financial resources" in shown
    assert all(r.get("response_type") == "ephemeral" for r in replies)
    assert _channel_messages(slack) == []


def test_a_first_digest_says_there_is_no_trend_yet_and_a_second_compares(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _week_of_answers(slack)
    slack.command(FACILITATOR, "digest post")
    first = "\n".join(text_of(m) for m in _channel_messages(slack))
    assert "(first week: no trend yet)" in first and "First week: no trend yet" in first
    assert "4-week average" not in first and "▲" not in first and "up from" not in first
    assert "rising" not in first
    # A week later there is a round to compare with.
    clock.advance(timedelta(days=7))
    slack.command(FACILITATOR, "checkin now")
    slack.events.dm(MANILA, "The budget was cut again.")
    wait_for(lambda: any("Saved as" in text_of(m) for m in slack.api.messages_to(MANILA)))
    slack.tick()
    before = len(_channel_messages(slack))
    slack.command(FACILITATOR, "digest post")
    second = "\n".join(text_of(m) for m in _channel_messages(slack)[before:])
    assert "no trend yet" not in second and "4-week average" in second


def test_quotes_are_consented_anonymous_and_escaped(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    assert "Digest for 2026-W48 posted" in text_of(slack.command(FACILITATOR, "digest post"))
    posted = "\n".join(text_of(m) for m in _channel_messages(slack))
    assert "Budget &lt;!channel&gt; cut &amp; &lt;https://evil.example|click here&gt;" in posted
    assert "<!channel>" not in posted and "<https://evil" not in posted and "<@UFACIL001>" not in posted
    assert "deputy minister" not in posted  # no consent
    assert "Maria" not in posted and "Jorge" not in posted  # no names next to words


def test_a_weeks_digest_is_posted_once_per_channel_with_its_chart(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    slack.command(FACILITATOR, "digest post")
    again = text_of(slack.command(FACILITATOR, "digest post"))
    assert "already in <#C0COORDS1>" in again
    first = _channel_messages(slack)
    assert len([m for m in first if not m.get("thread_ts")]) == 1
    [chart] = slack.api.uploaded_files()
    assert chart["channel_id"] == COORDINATORS and chart["content"][:8] == b"\x89PNG\r\n\x1a\n"
    with slack.db.session() as session:
        [post] = session.exec(select(DigestPost)).all()
    assert post.status == "posted" and post.chart_file_id


def test_the_digest_goes_out_by_itself_on_friday_afternoon_once(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _week_of_answers(slack)  # Wednesday 25 November
    clock.set(datetime(2026, 11, 27, 14, 59, tzinfo=UTC))
    slack.tick()
    assert _channel_messages(slack) == []
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    slack.tick()
    clock.advance(timedelta(minutes=1))
    slack.tick()
    assert len([m for m in _channel_messages(slack) if not m.get("thread_ts")]) == 1


def test_without_a_coordinators_channel_the_facilitator_is_told(slack: LocalSlack) -> None:
    assert "no coordinators' channel yet" in text_of(slack.command(FACILITATOR, "digest post"))


def test_a_very_large_digest_is_split_into_threaded_messages_slack_accepts(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    now = slack.runtime.clock.now()
    with slack.db.session() as session:
        for i in range(30):  # thirty proposed themes: three blocks each
            words = [f"Theme {i} answer {j} about procurement rule {i}" for j in range(3)]
            ids = factories.answers(slack.db, words, now, team_id=slack.team_id, authors=3)
            for answer in session.exec(select(Answer).where(Answer.id.in_(ids))).all():
                answer.tagged_at = now
                session.add(answer)
            session.commit()
            themes.propose(session, slack.team_id, f"2026-W{i:02d}", now)
    reply = text_of(slack.command(FACILITATOR, "digest post"))
    assert "posted" in reply
    messages = _channel_messages(slack)
    assert len(messages) >= 2
    assert all(len(m["blocks"]) <= 50 for m in messages)
    first_ts = next(
        c.response["ts"]
        for c in slack.api.calls_to("chat.postMessage")
        if c.params.get("channel") == COORDINATORS
    )
    assert all(m.get("thread_ts") == first_ts for m in messages[1:])
    assert all(c.response.get("ok") for c in slack.api.calls_to("chat.postMessage"))


def test_themes_can_be_adopted_from_the_digest(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    texts = INTEROPERABILITY
    now = slack.runtime.clock.now()
    factories.answers(slack.db, texts, now, team_id=slack.team_id, authors=3)
    with slack.db.session() as session:
        for answer in session.exec(select(Answer).where(Answer.text.in_(texts))).all():
            answer.tagged_at = now
            session.add(answer)
        session.commit()
        themes.propose(session, slack.team_id, "2026-W48", now)
    slack.command(FACILITATOR, "digest post")
    message = next(m for m in _channel_messages(slack) if "theme_adopt" in str(m["blocks"]))
    slack.events.click_button_in(FACILITATOR, {"blocks": message["blocks"], "ts": "1.0"}, "theme_adopt",
                                 channel_id=COORDINATORS)  # fmt: skip
    wait_for(lambda: any("adopted the theme" in r.get("text", "") for r in slack.api.responses()))


def test_agenda_is_posted_as_blocks_and_an_editable_markdown_file(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    with slack.db.session() as session:
        maria = session.exec(select(Member).where(Member.user_id == MANILA)).one()
        maria.can_lead = True
        session.add(maria)
        session.commit()
    assert "Draft agenda posted" in text_of(slack.command(FACILITATOR, "agenda"))
    [agenda] = [m for m in _channel_messages(slack) if m.get("text") == "Draft agenda for the next convening"]
    shown = text_of(agenda)
    assert "1. Lack of financial resources" in shown
    assert "Could lead it: Maria Santos" in shown
    [markdown] = slack.api.uploaded_files()
    assert markdown["filename"] == "convening-agenda.md"
    assert markdown["content"].decode().startswith("# Draft agenda for the next convening")


def test_with_an_llm_the_summary_is_written_by_it_but_only_with_the_real_figures(
    database_url: str, clock: ManualClock
) -> None:
    from bot.core.config import Settings
    from standins.openai_api import OpenAIStandIn

    with OpenAIStandIn(api_key="sk-digest") as llm:
        settings = Settings(
            facilitators=frozenset({FACILITATOR}), openai_api_key="sk-digest", openai_base_url=llm.base_url
        )
        with LocalSlack(database_url, clock=clock, settings=settings) as slack:
            people = ((FACILITATOR, "UTC"), (MANILA, "Asia/Manila"), (MEXICO, "America/Mexico_City"),
                      (PLAIN, "Europe/London"))  # fmt: skip
            for user, tz in people:
                slack.api.add_user(user, name=user.lower(), real_name=user, tz=tz)
            slack.api.add_channel(COORDINATORS, name="coordinators", members=[FACILITATOR])
            _week_of_answers(slack)
            llm.respond_with("Two of three members answered; funding leads, so consider a peer clinic on it.")
            slack.command(FACILITATOR, "digest post")
            first = next(m for m in _channel_messages(slack) if not m.get("thread_ts"))
            assert "funding leads, so consider a peer clinic" in text_of(first)
            # The first week's facts say there is nothing to compare with, and give no trend.
            given = json.dumps(llm.requests[-1]["messages"][-1])
            assert "first week: no trend yet" in given and "rising" not in given
            # A week later, the model invents a figure: the template is used instead.
            clock.advance(timedelta(days=7))
            slack.command(FACILITATOR, "checkin now")
            slack.events.dm(MANILA, "The budget was cut again.")
            wait_for(lambda: any("Saved as" in text_of(m) for m in slack.api.messages_to(MANILA)))
            slack.tick()
            asked_before = len(llm.requests)
            llm.respond_with("Response rate soared to 97% this week.")
            slack.command(FACILITATOR, "digest post")
            assert len(llm.requests) > asked_before  # the model was asked...
            latest = [m for m in _channel_messages(slack) if not m.get("thread_ts")][-1]
            assert "97%" not in text_of(latest)  # ...and its invented figure discarded
            assert "1 of 3 check-ins answered (33%)" in text_of(latest)


def test_export_sends_the_csv_files_privately_to_the_facilitator(slack: LocalSlack) -> None:
    _week_of_answers(slack)
    assert "4 CSV files sent to you" in text_of(slack.command(FACILITATOR, "export"))
    files = slack.api.uploaded_files()
    assert sorted(f["filename"] for f in files) == ["checkins.csv", "matches.csv", "quotes.csv", "tags.csv"]
    dm = slack.api.dm_channel_id(FACILITATOR)
    assert {f["channel_id"] for f in files} == {dm}
    content = {f["filename"]: f["content"].decode() for f in files}
    # Facilitators can't read answers here (the default): no counts-only words anywhere, and
    # the consented anonymous quote only in quotes.csv, with nothing that names its author.
    assert not any("deputy minister" in text for text in content.values())
    assert "Budget <!channel> cut" in content["quotes.csv"]
    assert "Budget" not in content["checkins.csv"] and MANILA in content["checkins.csv"]
    assert MANILA not in content["quotes.csv"]
    me = text_of(slack.command(MANILA, "me"))
    assert f"by <@{FACILITATOR}>: answers: 1 (pain points and counts) · as anonymous quotes: 1" in me
