"""Each App Home setting changes what the member then experiences: how often check-ins come,
whether they are matched, the language they read, who may read their words, and pauses."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.harness import LocalSlack, wait_for
from storage.models import Answer, Member
from tests.e2e.conftest import COORDINATORS, FACILITATOR, MANILA, MEXICO, PLAIN, consent, text_of
from tests.e2e.home_controls import open_home, use_control
from tests.e2e.test_app_home import answer_in_form

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()
MONDAY_9_MANILA = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Manila (UTC+8)


def _checkins_received(slack: LocalSlack, user: str) -> int:
    return sum(1 for m in slack.api.messages_to(user) if "checkin_answer" in str(m.get("blocks")))


def _member(slack: LocalSlack, user: str) -> Member:
    with slack.db.session() as session:
        return session.exec(select(Member).where(Member.user_id == user)).one()


def test_fortnightly_and_monthly_members_get_every_second_and_fourth_round(
    slack: LocalSlack, clock: ManualClock
) -> None:
    rhythm = {"UWEEKLY01": None, "UFORTNIT1": "2", "UMONTHLY1": "4"}
    for user, weeks in rhythm.items():
        slack.api.add_user(user, name=user.lower(), real_name=user.title(), tz="Asia/Manila")
        slack.command(user, "join")
        if weeks:
            open_home(slack, user)
            use_control(slack, user, "home_frequency", option=weeks)
    received: dict[str, list[int]] = {user: [] for user in rhythm}
    for week in range(8):
        clock.set(MONDAY_9_MANILA + timedelta(weeks=week))
        slack.tick()
        clock.advance(timedelta(hours=2))
        slack.tick()  # later ticks in the grace window add nobody
        for user in rhythm:
            if _checkins_received(slack, user) > len(received[user]):
                received[user].append(week)
    assert received == {"UWEEKLY01": list(range(8)), "UFORTNIT1": [0, 2, 4, 6], "UMONTHLY1": [0, 4]}


def test_going_back_to_weekly_brings_the_very_next_round(slack: LocalSlack, clock: ManualClock) -> None:
    slack.command(MANILA, "join")
    open_home(slack, MANILA)
    use_control(slack, MANILA, "home_frequency", option="4")
    clock.set(MONDAY_9_MANILA)
    slack.tick()
    clock.set(MONDAY_9_MANILA + timedelta(weeks=1))
    slack.tick()
    assert _checkins_received(slack, MANILA) == 1
    use_control(slack, MANILA, "home_frequency", option="1")
    clock.set(MONDAY_9_MANILA + timedelta(weeks=2))
    slack.tick()
    assert _checkins_received(slack, MANILA) == 2


def test_turning_matching_off_keeps_a_member_out_of_preview_run_and_left_out_notices(
    slack: LocalSlack, clock: ManualClock
) -> None:
    for user in (MANILA, MEXICO, PLAIN):
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    for user in (MANILA, MEXICO, PLAIN):
        answer_in_form(slack, user, "The budget was cut again", ["funding"], match=True)
    preview = text_of(slack.command(FACILITATOR, "match preview"))
    assert f"<@{MANILA}>" in preview  # in the proposal before she opts out
    open_home(slack, MANILA)
    home = use_control(slack, MANILA, "home_matching")
    assert "Peer matching is off" in text_of(home) and "Turn on" in text_of(home)
    slack.command(FACILITATOR, "match run")  # the proposal that included her is not sent
    intros = [c.params for c in slack.api.calls_to("conversations.open")]
    assert intros and all(MANILA not in p["users"] for p in intros)
    assert not any(
        "asked for a match" in text_of(m) or "matched" in text_of(m) for m in slack.api.messages_to(MANILA)
    )
    preview = text_of(slack.command(FACILITATOR, "match preview"))
    assert f"<@{MANILA}>" not in preview
    # And the next check-in form doesn't offer a match at all.
    clock.advance(timedelta(hours=21))  # the next day's round, not the same one again
    slack.command(FACILITATOR, "checkin now")
    view = slack.click_for_view(MANILA, slack.api.messages_to(MANILA)[-1], "checkin_answer")
    assert "match" not in [b.get("block_id") for b in view["blocks"]]


def test_a_language_chosen_in_home_wins_over_the_slack_locale_everywhere_next(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.command(PLAIN, "join")  # Pat's Slack is in English
    open_home(slack, PLAIN)
    home = use_control(slack, PLAIN, "home_language", option="es")
    assert TEXTS.get("home.notice_language", "es", language="Español") in text_of(home)
    assert TEXTS.get("home.settings_header", "es") in text_of(home)  # the whole Home switched
    clock.set(MONDAY_9_MANILA + timedelta(hours=8))  # 09:00 in London
    slack.tick()  # a scheduled round, after a directory refresh that re-reads Slack's locale
    dm = text_of(slack.api.messages_to(PLAIN)[-1])
    assert TEXTS.get("checkin.question", "es") in dm and TEXTS.get("checkin.question", "en") not in dm
    assert TEXTS.get("pause.done", "es", until="")[:20] in text_of(slack.command(PLAIN, "pause"))
    slack.command(PLAIN, "resume")
    use_control(slack, PLAIN, "home_language", option="auto")
    slack.command(FACILITATOR, "checkin now")
    assert TEXTS.get("checkin.question", "en") in text_of(slack.api.messages_to(PLAIN)[-1])


def test_the_default_consent_sets_the_form_and_dm_replies_and_counts_only_withdraws_past_ones(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    slack.command(MANILA, "join")
    home = open_home(slack, MANILA)
    assert "Counts only" in text_of(home) and "Facilitators cannot read answers" in text_of(home)
    use_control(slack, MANILA, "home_consent_default", option="quote_anonymously")
    slack.command(FACILITATOR, "checkin now")
    dm = slack.api.messages_to(MANILA)[-1]
    assert "A plain reply uses your default: *Quote anonymously in the coordinators' digest*" in text_of(dm)
    view = slack.click_for_view(MANILA, dm, "checkin_answer")
    consent_field = next(b for b in view["blocks"] if b.get("block_id") == "consent")
    assert consent_field["element"]["initial_option"]["value"] == "quote_anonymously"
    slack.events.submit_view(MANILA, view, {
        "challenge": {"type": "plain_text_input", "value": "Our ombudsman pilot lost its funding."},
        "consent": consent("quote_anonymously"),
    })  # fmt: skip
    wait_for(lambda: _levels(slack) == ["quote_anonymously"])
    assert "ombudsman pilot" in _digest_preview(slack)
    home = use_control(slack, MANILA, "home_consent_default", option="counts_only")
    assert TEXTS.count("home.notice_consent_withdrawn", 1, "en", level="Counts only") in text_of(home)
    assert _levels(slack) == ["counts_only"]
    assert "ombudsman pilot" not in _digest_preview(slack)
    clock.advance(timedelta(hours=21))  # the next day's round
    slack.command(FACILITATOR, "checkin now")
    view = slack.click_for_view(MANILA, slack.api.messages_to(MANILA)[-1], "checkin_answer")
    consent_field = next(b for b in view["blocks"] if b.get("block_id") == "consent")
    assert consent_field["element"]["initial_option"]["value"] == "counts_only"


def _levels(slack: LocalSlack) -> list[str]:
    with slack.db.session() as session:
        return [a.consent for a in session.exec(select(Answer)).all()]


def _digest_preview(slack: LocalSlack) -> str:
    before = len(slack.api.responses())
    slack.events.command(FACILITATOR, "digest preview")

    def replies() -> list[dict]:
        new = slack.api.responses()[before:]
        return new if any("Preview, seen only by you" in r.get("text", "") for r in new) else []

    return "\n".join(text_of(r) for r in wait_for(replies))


def test_pausing_until_a_date_skips_checkins_until_then_and_refuses_a_past_date(
    slack: LocalSlack, clock: ManualClock
) -> None:
    clock.set(MONDAY_9_MANILA - timedelta(days=1))  # Sunday
    slack.command(MANILA, "join")
    open_home(slack, MANILA)
    yesterday = (clock.now().date() - timedelta(days=1)).isoformat()
    home = use_control(slack, MANILA, "home_pause_until", date=yesterday)
    assert TEXTS.get("home.notice_past_date", "en", date=yesterday) in text_of(home)
    assert _member(slack, MANILA).status == "active"
    until = (MONDAY_9_MANILA + timedelta(weeks=2, days=1)).date()  # the Tuesday after two Mondays
    home = use_control(slack, MANILA, "home_pause_until", date=until.isoformat())
    assert f"Paused until *{until.isoformat()}*" in text_of(home) and "Resume now" in text_of(home)
    for week in range(4):
        clock.set(MONDAY_9_MANILA + timedelta(weeks=week))
        slack.tick()
    # Mondays 0, 1 and 2 fall before the date; the round on Monday 3 reaches her again.
    assert _checkins_received(slack, MANILA) == 1
    assert _member(slack, MANILA).status == "active"


def test_resume_now_ends_a_pause_from_home(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    slack.command(MANILA, "pause 3")
    home = open_home(slack, MANILA)
    assert "Paused until" in text_of(home)
    home = use_control(slack, MANILA, "home_resume")
    assert "Welcome back" in text_of(home) and _member(slack, MANILA).status == "active"
    assert "Pick a date" in text_of(home)  # the date picker is back


def test_a_member_who_left_is_offered_to_join_again_not_a_pause(slack: LocalSlack) -> None:
    slack.command(MEXICO, "join")
    slack.command(MEXICO, "leave")
    home = open_home(slack, MEXICO)
    assert TEXTS.get("home.left", "es-LA") in text_of(home)
    home = use_control(slack, MEXICO, "home_join")
    assert _member(slack, MEXICO).status == "active"
    assert "los lunes a las 09:00" in text_of(home)
