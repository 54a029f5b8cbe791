"""Mentions, links and mrkdwn in members' answers never reach anyone unescaped: not in the
digest (summary, quotes, themes), not in intros, not in the agenda (message and file), not in
the App Home. Every answer goes through the real pipeline: form, tagging, themes, the tick."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.clock import ManualClock
from standins.harness import LocalSlack, wait_for
from tests.e2e.conftest import COORDINATORS, FACILITATOR, consent, text_of
from tests.hostile import tally
from tests.hostile.conftest import LogCapture
from tests.hostile.strategies import FORBIDDEN, INJECTIONS, injected_answer

pytestmark = pytest.mark.e2e

PEOPLE = [
    ("Ana Reyes", "Asia/Manila", "Philippines"),
    ("Bola Ade", "Africa/Lagos", "Nigeria"),
    ("Carla Diaz", "America/Bogota", "Colombia"),
    ("Dana Kim", "Asia/Seoul", "South Korea"),
    ("Eve Moss", "Europe/Tallinn", "Estonia"),
]
# Three similar answers no pain point covers: they become an emerging theme with examples.
THEME_WORDS = "Access to information requests pile up at the registry"
YES = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
OUTPUT_CALLS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "views.open",
                "views.update")  # fmt: skip


def _join(slack: LocalSlack, week: int) -> list[str]:
    """Five new members a week: last week's, who ignored their intros, are not needed again."""
    users = [f"UINJ{week:03d}{i}" for i in range(len(PEOPLE))]
    for user, (name, tz, country) in zip(users, PEOPLE, strict=True):
        slack.api.add_user(user, name=name.split()[0].lower(), real_name=name, tz=tz)
        view = slack.click_for_view(user, slack.command(user, "join"), "profile_open")
        profile = {"country": {"type": "plain_text_input", "value": country},
                   "agency": {"type": "plain_text_input", "value": "Ministry"}}  # fmt: skip
        slack.events.submit_view(user, view, profile)
    return users


def _everything_shown(slack: LocalSlack, calls_before: int, responses_before: int, files_before: int) -> str:
    shown = [text_of(c.params) for c in slack.api.calls[calls_before:] if c.method in OUTPUT_CALLS]
    shown += [text_of(r) for r in slack.api.responses()[responses_before:]]
    for upload in slack.api.uploaded_files()[files_before:]:
        content = upload.get("content") or b""
        if not content.startswith(b"\x89PNG"):
            shown.append(content.decode("utf-8", "replace"))
        shown.append(text_of(upload))
    return "\n".join(shown)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(words=st.lists(injected_answer(), min_size=5, max_size=5))
def test_injected_mentions_and_links_never_reach_a_digest_intro_agenda_or_home_unescaped(
    slack: LocalSlack, clock: ManualClock, debug_logs: LogCapture, words: list[str]
) -> None:
    if not getattr(slack, "hostile_ready", False):
        slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
        slack.hostile_ready = True  # type: ignore[attr-defined]
        slack.hostile_week = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    tally.count_input("answers with injections, through digest/intros/agenda/home", len(words))
    since = debug_logs.mark()
    wednesday = slack.hostile_week = slack.hostile_week + timedelta(weeks=1)  # type: ignore[attr-defined]
    clock.set(wednesday)
    people = _join(slack, wednesday.isocalendar().week)
    calls, responses = len(slack.api.calls), len(slack.api.responses())
    files = len(slack.api.uploaded_files())
    slack.command(FACILITATOR, "checkin now")
    for i, user in enumerate(people):
        answer = f"{THEME_WORDS} {words[i]}" if i < 3 else words[i]
        message = next(m for m in reversed(slack.api.messages_to(user)) if "checkin_answer" in str(m))
        view = slack.click_for_view(user, message, "checkin_answer")
        response = slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": answer},
            "support": {"type": "radio_buttons", "selected_option": {"value": "2"}},
            "match": {"type": "checkboxes", "selected_options": YES},
            # Alternately quoted anonymously (digest, themes) and shared with peers (intros).
            "consent": consent("quote_anonymously" if i % 2 == 0 else "share_with_matches"),
        })  # fmt: skip
        assert response.status == 200 and response.body == ""
    slack.command(FACILITATOR, "match run")
    slack.command(FACILITATOR, "agenda")
    clock.set(wednesday + timedelta(days=2, hours=3))  # Friday 15:00: tagging, themes, the digest
    slack.tick()
    for user in people:
        slack.events.home_opened(user)
    wait_for(lambda: all(slack.api.published_home(u) for u in people))
    shown = _everything_shown(slack, calls, responses, files)
    digest = [
        c
        for c in slack.api.calls[calls:]
        if c.method == "chat.postMessage"
        and c.params.get("channel") == COORDINATORS
        and "Weekly digest" in text_of(c.params)
    ]
    assert digest, "the digest did not go out: the test would prove nothing"
    assert "Budget cuts again" in "\n".join(text_of(c.params) for c in digest)  # a consented quote
    assert any(
        "matched" in text_of(c.params) and "Budget cuts again" in text_of(c.params)
        for c in slack.api.calls[calls:]
        if c.method == "chat.postMessage"
    )  # an intro, own words
    assert "&lt;" in shown  # members' words did reach the output, escaped
    for forbidden in FORBIDDEN:
        assert forbidden not in shown, forbidden
    assert debug_logs.listener_failures(since) == []
    for user in people:  # next week's check-in goes to next week's five only
        slack.command(user, "leave")
    for text in words:
        assert text.strip() not in debug_logs.text()


def test_every_injection_in_the_strategy_is_caught_by_the_check() -> None:
    """The forbidden prefixes match each raw injection, so a missed escape would be seen."""
    dangerous = [i for i in INJECTIONS if i.startswith("<")]
    assert dangerous and all(any(f in i for f in FORBIDDEN) for i in dangerous)
