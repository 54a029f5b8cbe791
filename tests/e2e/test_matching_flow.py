"""Weekly matching over signed HTTP: preview, edit, run, intros, follow-ups, idempotency."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from standins.harness import LocalSlack, wait_for
from storage.models import MatchGroup, MatchMember, Member, MemberStatus, PainPoint
from tests.e2e.conftest import FACILITATOR, consent, text_of

pytestmark = pytest.mark.e2e

SHARE, QUOTE, COUNTS = "share_with_matches", "quote_anonymously", "counts_only"
PEOPLE = {
    # user id: (name, time zone, country, pains, consent level, words)
    "UMATCH001": ("Ana Reyes", "Asia/Manila", "Philippines", ["funding", "political_will"], SHARE,
                  "The budget office froze the money for our open contracting pilot."),
    "UMATCH002": ("Bola Ade", "Africa/Lagos", "Nigeria", ["funding"], QUOTE,
                  "Private words about a minister that must never appear in an intro."),
    "UMATCH003": ("Carla Diaz", "America/Bogota", "Colombia", ["changing_environment"], COUNTS,
                  "After the reshuffle nobody owns the commitments."),
    "UMATCH004": ("Dana Kim", "Asia/Seoul", "South Korea", ["changing_environment", "time"], SHARE,
                  "The reorganisation ate all my time this month."),
    "UMATCH005": ("Eve Moss", "Europe/Tallinn", "Estonia", ["changing_environment"], COUNTS,
                  "New coalition, new priorities, same deadlines."),
}  # fmt: skip


def _answer_all(slack: LocalSlack, people: dict = PEOPLE, wants_match: bool = True) -> None:
    for user, (name, tz, country, *_rest) in people.items():
        slack.api.add_user(user, name=name.split()[0].lower(), real_name=name, tz=tz)
        reply = slack.command(user, "join")
        view = slack.click_for_view(user, reply, "profile_open")
        profile = {
            "country": {"type": "plain_text_input", "value": country},
            "agency": {"type": "plain_text_input", "value": "Ministry"},
        }
        slack.events.submit_view(user, view, profile)
    slack.command(FACILITATOR, "checkin now")
    with slack.db.session() as session:
        pain_ids = {p.slug: p.id for p in session.exec(select(PainPoint)).all()}
    yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
    for user, (_name, _tz, _country, pains, level, words) in people.items():
        checkin = [m for m in slack.api.messages_to(user) if "checkin_answer" in str(m.get("blocks"))][-1]
        view = slack.click_for_view(user, checkin, "checkin_answer")
        slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": words},
            "pains": {"type": "multi_static_select", "selected_options": [
                {"text": {"type": "plain_text", "text": s}, "value": str(pain_ids[s])} for s in pains]},
            "match": {"type": "checkboxes", "selected_options": yes if wants_match else []},
            "consent": consent(level),
        })  # fmt: skip


def _groups(slack: LocalSlack) -> list[set[str]]:
    with slack.db.session() as session:
        rows = session.exec(
            select(MatchMember.group_id, Member.user_id).join(Member, Member.id == MatchMember.member_id)
        ).all()
    grouped: dict[int, set[str]] = {}
    for group_id, user_id in rows:
        grouped.setdefault(group_id, set()).add(user_id)
    return sorted(grouped.values(), key=len)


def test_preview_proposes_a_pair_and_a_trio_with_reasons_and_sends_nothing(slack: LocalSlack) -> None:
    _answer_all(slack)
    preview = slack.command(FACILITATOR, "match preview")
    shown = text_of(preview)
    assert "Proposed matches" in shown and "2 groups, 5 people" in shown
    assert sorted(len(g) for g in _groups(slack)) == [2, 3]
    assert {"UMATCH001", "UMATCH002"} in _groups(slack)  # the two who share funding
    assert "Lack of financial resources" in shown
    assert slack.api.calls_to("conversations.open") == []


def test_run_sends_one_group_dm_per_group_saying_why_with_a_time_and_a_starter(slack: LocalSlack) -> None:
    _answer_all(slack)
    reply = text_of(slack.command(FACILITATOR, "match run"))
    assert "Intros sent: 2 groups (5 people)" in reply
    opened = sorted(len(c.params["users"].split(",")) for c in slack.api.calls_to("conversations.open"))
    assert opened == [2, 3]
    intros = [
        c for c in slack.api.calls_to("chat.postMessage") if c.params.get("text") == "You've been matched"
    ]
    assert len(intros) == 2
    pair = next(text_of(c.params) for c in intros if "<@UMATCH001>" in text_of(c.params))
    assert "Lack of financial resources" in pair
    assert "A time inside everyone's working hours" in pair or "least awkward time" in pair
    assert "A conversation starter" in pair
    # Ana shares with her matched peers, named; Bola chose an anonymous digest quote, which
    # is not a named quote to a peer.
    assert "<@UMATCH001>:\n> The budget office froze the money" in pair  # the quote on its own line
    assert "Private words" not in pair
    assert "because you are both working through" in pair  # two people, not "all"
    trio = next(text_of(c.params) for c in intros if "<@UMATCH003>" in text_of(c.params))
    assert "you are all working through" in trio or "no two of you" in trio


def test_running_twice_in_a_week_sends_no_second_intro(slack: LocalSlack) -> None:
    _answer_all(slack)
    slack.command(FACILITATOR, "match run")
    again = text_of(slack.command(FACILITATOR, "match run"))
    assert "already sent" in again
    assert "already sent" in text_of(slack.command(FACILITATOR, "match preview"))
    assert len(slack.api.calls_to("conversations.open")) == 2


def test_a_facilitator_can_swap_two_members_before_sending(slack: LocalSlack) -> None:
    _answer_all(slack)
    preview = slack.command(FACILITATOR, "match preview")
    view = slack.click_for_view(FACILITATOR, preview, "match_swap")
    response = slack.events.submit_view(FACILITATOR, view, {
        "a": {"type": "users_select", "selected_user": "UMATCH001"},
        "b": {"type": "users_select", "selected_user": "UMATCH003"},
    })  # fmt: skip
    assert response.json()["response_action"] == "update"
    groups = _groups(slack)
    assert not any({"UMATCH001", "UMATCH002"} <= g for g in groups)
    assert any({"UMATCH003", "UMATCH002"} <= g for g in groups)
    slack.command(FACILITATOR, "match run")
    opened = {frozenset(c.params["users"].split(",")) for c in slack.api.calls_to("conversations.open")}
    assert frozenset({"UMATCH002", "UMATCH003"}) in opened


def test_swapping_someone_not_in_the_proposal_is_refused(slack: LocalSlack) -> None:
    _answer_all(slack)
    preview = slack.command(FACILITATOR, "match preview")
    view = slack.click_for_view(FACILITATOR, preview, "match_swap")
    response = slack.events.submit_view(FACILITATOR, view, {
        "a": {"type": "users_select", "selected_user": "UMATCH001"},
        "b": {"type": "users_select", "selected_user": FACILITATOR},
    })  # fmt: skip
    assert response.json()["response_action"] == "errors"


def test_follow_up_asks_did_you_meet_and_stores_each_answer(slack: LocalSlack, clock: ManualClock) -> None:
    _answer_all(slack)
    slack.command(FACILITATOR, "match run")
    clock.advance(timedelta(days=3, minutes=1))
    slack.tick()
    followups = [
        c
        for c in slack.api.calls_to("chat.postMessage")
        if c.params.get("text") == "Did you meet your match?"
    ]
    assert len(followups) == 2
    # Wednesday's intro, Saturday's follow-up: the same week, so not "from last week".
    asked = "\n".join(text_of(c.params) for c in followups)
    assert "Checking in on this week's match." in asked and "last week" not in asked
    assert "different challenges" not in asked
    slack.tick()  # never twice
    assert len([c for c in slack.api.calls_to("chat.postMessage")
                if c.params.get("text") == "Did you meet your match?"]) == 2  # fmt: skip
    with slack.db.session() as session:
        group = session.exec(
            select(MatchGroup).where(MatchGroup.channel_id == followups[0].params["channel"])
        ).one()
        members = session.exec(
            select(Member.user_id).join(MatchMember).where(MatchMember.group_id == group.id)
        ).all()
    message = {"blocks": followups[0].params["blocks"], "ts": "1.0"}
    slack.events.click_button_in(members[0], message, "match_helped", channel_id=group.channel_id)
    wait_for(lambda: any("Glad it helped" in r.get("text", "") for r in slack.api.responses()))
    outsider = next(u for u in PEOPLE if u not in members)
    slack.events.click_button_in(outsider, message, "match_met", channel_id=group.channel_id)
    wait_for(lambda: any("belongs to other members" in r.get("text", "") for r in slack.api.responses()))
    with slack.db.session() as session:
        links = {
            m.member_id: m
            for m in session.exec(select(MatchMember).where(MatchMember.group_id == group.id)).all()
        }
        answered = [link for link in links.values() if link.answered_at is not None]
    assert len(answered) == 1 and answered[0].helped is True and answered[0].met is True


def test_matches_run_by_themselves_on_tuesday_morning(slack: LocalSlack, clock: ManualClock) -> None:
    _answer_all(slack)  # Wednesday 25 November
    clock.set(datetime(2026, 11, 30, 12, tzinfo=UTC))  # Monday: answers still within the week
    slack.tick()
    assert slack.api.calls_to("conversations.open") == []
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tuesday 10:00 in the community's UTC
    slack.tick()
    slack.tick()
    assert len(slack.api.calls_to("conversations.open")) == 2


def test_the_only_member_asking_is_told_why_there_is_no_match(slack: LocalSlack) -> None:
    one = {"UMATCH001": PEOPLE["UMATCH001"]}
    _answer_all(slack, one)
    slack.command(FACILITATOR, "match run")
    told = [m for m in slack.api.messages_to("UMATCH001") if "only one who did" in m.get("text", "")]
    assert len(told) == 1


def test_members_who_did_not_ask_are_not_matched(slack: LocalSlack) -> None:
    _answer_all(slack, wants_match=False)
    assert "Nobody has asked for a match" in text_of(slack.command(FACILITATOR, "match preview"))


def test_dont_match_me_with_is_honoured(slack: LocalSlack) -> None:
    _answer_all(slack)
    # Ana privately asks not to be matched with Bola, her natural partner.
    reply = slack.command("UMATCH001", "me")
    del reply
    join = slack.command("UMATCH001", "join")
    view = slack.click_for_view("UMATCH001", join, "profile_open")
    slack.events.submit_view(
        "UMATCH001", view, {"avoid": {"type": "multi_users_select", "selected_users": ["UMATCH002"]}}
    )
    slack.command(FACILITATOR, "match run")
    assert not any({"UMATCH001", "UMATCH002"} <= g for g in _groups(slack))
    intro_texts = " ".join(text_of(c.params) for c in slack.api.calls_to("chat.postMessage"))
    assert "don't match" not in intro_texts.lower()


def test_three_ignored_intros_pause_the_member_politely(slack: LocalSlack, clock: ManualClock) -> None:
    pair = {u: PEOPLE[u] for u in ("UMATCH001", "UMATCH002")}
    _answer_all(slack, pair)
    for week in range(3):
        slack.command(FACILITATOR, "match run")
        clock.advance(timedelta(days=3, minutes=1))
        slack.tick()  # follow-up
        clock.advance(timedelta(days=4))
        if week < 2:
            # Bola answers every follow-up; Ana never does. Both answer the next check-in.
            with slack.db.session() as session:
                group = session.exec(select(MatchGroup).order_by(MatchGroup.id.desc())).first()
            message = {"blocks": [{"type": "actions", "elements": [
                {"type": "button", "action_id": "match_met", "value": str(group.id),
                 "text": {"type": "plain_text", "text": "We met"}}]}]}  # fmt: skip
            slack.events.click_button_in("UMATCH002", message, "match_met")
            wait_for(lambda: any("noted that you met" in r.get("text", "") for r in slack.api.responses()))
            slack.api.reset_calls()
            _answer_again(slack, pair)
    clock.advance(timedelta(days=4))  # the third follow-up has now gone a week unanswered
    slack.command(FACILITATOR, "match run")
    with slack.db.session() as session:
        ana = session.exec(select(Member).where(Member.user_id == "UMATCH001")).one()
        bola = session.exec(select(Member).where(Member.user_id == "UMATCH002")).one()
    assert ana.status == MemberStatus.PAUSED and bola.status == MemberStatus.ACTIVE
    assert any(
        "paused matching and check-ins" in m.get("text", "") for m in slack.api.messages_to("UMATCH001")
    )


def _answer_again(slack: LocalSlack, people: dict) -> None:
    slack.command(FACILITATOR, "checkin now")
    yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
    for user, (*_rest, words) in people.items():
        checkin = [m for m in slack.api.messages_to(user) if "checkin_answer" in str(m.get("blocks"))][-1]
        view = slack.click_for_view(user, checkin, "checkin_answer")
        answer = {
            "challenge": {"type": "plain_text_input", "value": words},
            "match": {"type": "checkboxes", "selected_options": yes},
        }
        slack.events.submit_view(user, view, answer)


def test_shared_pains_are_stored_rarest_first(slack: LocalSlack) -> None:
    _answer_all(slack)
    slack.command(FACILITATOR, "match preview")
    with slack.db.session() as session:
        shared = [json.loads(g.shared_pains) for g in session.exec(select(MatchGroup)).all()]
    assert ["funding"] in shared


def test_a_round_with_nobody_to_match_leaves_the_week_open(slack: LocalSlack, clock: ManualClock) -> None:
    # Tuesday 10:05, just after the default match time: the first tick finds nobody asking.
    clock.set(datetime(2026, 11, 24, 10, 5, tzinfo=UTC))
    slack.tick()
    nobody = text_of(slack.command(FACILITATOR, "match run"))
    assert "already sent" not in nobody and "Nobody has asked" in nobody
    _answer_all(slack)
    preview = text_of(slack.command(FACILITATOR, "match preview"))
    assert "2 groups, 5 people" in preview and "already sent" not in preview
    clock.advance(timedelta(minutes=30))
    slack.tick()  # still within the day's window: the scheduled round now sends them
    assert sorted(len(g) for g in _groups(slack)) == [2, 3]
    assert len(slack.api.calls_to("conversations.open")) == 2


def test_opening_group_dms_takes_turns_with_the_workspaces_messages(slack: LocalSlack) -> None:
    from bot.slack import pacing

    _answer_all(slack)
    lane = pacing.lane_for(
        slack.runtime.client_for(slack.team_id), slack.runtime.settings.slack_messages_per_second,
        slack.runtime.db, slack.team_id,
    )  # fmt: skip
    before = lane.pacer.rate_limited
    slack.api.fail_next("conversations.open", error="ratelimited", retry_after=0)
    assert "Intros sent: 2 groups" in text_of(slack.command(FACILITATOR, "match run"))
    # The 429 came back to the workspace's pacer (everyone waits), not to a retry behind its back.
    assert lane.pacer.rate_limited == before + 1
    assert [c.status for c in slack.api.calls_to("conversations.open")] == [429, 200, 200]
