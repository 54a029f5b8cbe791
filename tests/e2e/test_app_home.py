"""App Home over signed HTTP: a member's check-ins with their pain points, their matches and
follow-ups, their settings; the community's figures for facilitators only."""

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.block_rules import MAX_VIEW_BLOCKS, view_problems
from standins.harness import LocalSlack, wait_for
from storage.models import (
    Answer,
    AnswerTag,
    MatchGroup,
    MatchMember,
    MatchRound,
    Member,
    PainPoint,
    TagSource,
)
from tests.e2e.conftest import ADMIN, FACILITATOR, MANILA, MEXICO, PLAIN, consent, text_of
from tests.e2e.home_controls import open_home, send_action, use_control

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()
YES = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]


def _pain_ids(slack: LocalSlack) -> dict[str, int]:
    with slack.db.session() as session:
        return {p.slug: p.id for p in session.exec(select(PainPoint)).all()}  # type: ignore[misc]


def answer_in_form(
    slack: LocalSlack, user: str, words: str, pains: list[str] = (), level: str = "counts_only", **ticks: bool
) -> None:
    """Press Answer on the latest check-in DM and submit the form, at consent `level`."""
    ids = _pain_ids(slack)
    view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
    values = {
        "challenge": {"type": "plain_text_input", "value": words},
        "pains": {"type": "multi_static_select", "selected_options": [
            {"text": {"type": "plain_text", "text": s}, "value": str(ids[s])} for s in pains]},
        "match": {"type": "checkboxes", "selected_options": YES if ticks.get("match") else []},
        "consent": consent(level),
    }  # fmt: skip
    assert slack.events.submit_view(user, view, values).status == 200


def _group_of(slack: LocalSlack, user: str) -> set[str]:
    with slack.db.session() as session:
        member = session.exec(select(Member).where(Member.user_id == user)).one()
        group_id = session.exec(select(MatchMember.group_id).where(MatchMember.member_id == member.id)).one()
        return set(
            session.exec(
                select(Member.user_id)
                .join(MatchMember, MatchMember.member_id == Member.id)
                .where(MatchMember.group_id == group_id)
            ).all()
        )


def test_home_shows_recent_checkins_with_pain_points_and_matches_with_follow_ups(
    slack: LocalSlack, clock: ManualClock
) -> None:
    people = {
        MANILA: ("Budget <b>cut</b> again & the pilot is frozen", ["funding"]),
        MEXICO: ("No money for the consultations", ["funding"]),
        PLAIN: ("No hours left for co-creation", ["time"]),
        ADMIN: ("My week is eaten by other duties", ["time"]),
    }
    for user in people:
        slack.command(user, "join")
    slack.command(FACILITATOR, "checkin now")
    for user, (words, pains) in people.items():
        answer_in_form(slack, user, words, pains, match=True)
    slack.command(FACILITATOR, "match run")
    clock.advance(timedelta(days=3, minutes=1))
    slack.tick()  # the follow-ups go out
    with slack.db.session() as session:
        channel = session.exec(
            select(MatchGroup.channel_id).join(MatchMember).join(Member).where(Member.user_id == MANILA)
        ).one()
    posted = [c.params for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == channel]
    followup = next(p for p in posted if p["text"] == "Did you meet your match?")
    message = {"blocks": followup["blocks"], "ts": "1.0"}
    slack.events.click_button_in(MANILA, message, "match_helped", channel_id=channel)
    wait_for(lambda: any("Glad it helped" in r.get("text", "") for r in slack.api.responses()))

    shown = text_of(open_home(slack, MANILA))
    assert "Your recent check-ins" in shown
    assert "Budget &lt;b&gt;cut&lt;/b&gt; again &amp; the pilot is frozen" in shown
    assert "Pain points: Lack of financial resources" in shown
    assert "Your peer matches" in shown and "you met, it helped" in shown
    partners = _group_of(slack, MANILA) - {MANILA}
    names = {MEXICO: "Jorge Ruiz", PLAIN: "Pat Plain", ADMIN: "Ana Admin"}
    for user, name in names.items():
        # Only the people in her own group are named; the others' pairing stays theirs.
        assert (name in shown) == (user in partners), name
    assert "Your settings" in shown and "Community (facilitators only)" not in shown


def test_someone_who_has_not_joined_sees_a_join_button_that_joins_them(slack: LocalSlack) -> None:
    home = open_home(slack, PLAIN)
    assert "haven't joined" in text_of(home) and "Your settings" not in text_of(home)
    home = use_control(slack, PLAIN, "home_join")
    assert "Welcome!" in text_of(home) and "Mondays at 09:00" in text_of(home)
    assert "Your settings" in text_of(home)
    with slack.db.session() as session:
        assert session.exec(select(Member).where(Member.user_id == PLAIN)).one().status == "active"


def test_a_spanish_speaker_who_has_not_joined_is_invited_in_spanish(slack: LocalSlack) -> None:
    shown = text_of(open_home(slack, MEXICO))  # Jorge's Slack locale is es-LA
    assert TEXTS.get("home.not_member", "es-LA") in shown
    assert TEXTS.get("home.join_button", "es-LA") in shown


def test_facilitators_see_community_figures_and_members_do_not(slack: LocalSlack) -> None:
    for user in (MANILA, MEXICO, PLAIN):
        slack.command(user, "join")
    slack.command(PLAIN, "pause 2")
    slack.command(FACILITATOR, "checkin now")
    answer_in_form(slack, MANILA, "The budget was cut", ["funding"])
    slack.tick()
    member_view = text_of(open_home(slack, MANILA))
    assert "Community (facilitators only)" not in member_view and "Members*:" not in member_view
    # Fatima is a facilitator who never joined: she gets the figures, in her French.
    shown = text_of(open_home(slack, FACILITATOR))
    assert TEXTS.get("home.stats_header", "fr") in shown
    assert TEXTS.get("home.stats_members", "fr", active=2, paused=1, left=0) in shown
    assert "taux de réponse 1/2 (50%)" in shown  # Maria answered, Jorge not; Pat is paused
    assert "(0 réponse aux suivis)" in shown  # French: singular for zero and one
    assert "Lack of financial resources (1)" in shown
    assert TEXTS.get("home.stats_answers", "fr", count=1) in shown


def test_a_home_with_a_long_history_stays_inside_slacks_limits(slack: LocalSlack, clock: ManualClock) -> None:
    slack.command(MANILA, "join")
    slack.command(MEXICO, "join")
    now = clock.now()
    with slack.db.session() as session:
        maria = session.exec(select(Member).where(Member.user_id == MANILA)).one()
        jorge = session.exec(select(Member).where(Member.user_id == MEXICO)).one()
        pains = session.exec(select(PainPoint)).all()
        for i in range(80):
            answer = Answer(
                team_id=maria.team_id,
                member_id=maria.id,
                text=("<!channel> & " * 400)[:3000],
                source="dm",
                dedupe_key=f"history:{i}",
                created_at=now - timedelta(days=i),
            )
            session.add(answer)
            session.flush()
            for pain in pains:
                session.add(AnswerTag(answer_id=answer.id, pain_point_id=pain.id, source=TagSource.OFFLINE))
        for week in range(40):
            round_ = MatchRound(team_id=maria.team_id, week_key=f"2026-W{week:02d}", status="sent",
                                sent_at=now - timedelta(weeks=week))  # fmt: skip
            session.add(round_)
            session.flush()
            group = MatchGroup(round_id=round_.id, shared_pains='["funding", "time"]', channel_id="G1",
                               intro_sent_at=now - timedelta(weeks=week))  # fmt: skip
            session.add(group)
            session.flush()
            session.add(MatchMember(group_id=group.id, member_id=maria.id, met=True, helped=week % 2 == 0))
            session.add(MatchMember(group_id=group.id, member_id=jorge.id))
        session.commit()
    home = open_home(slack, MANILA)  # the stand-in refuses any view Slack would refuse
    assert view_problems(home, expected_type="home") == []
    assert len(home["blocks"]) <= MAX_VIEW_BLOCKS
    assert text_of(home).count("2026-W") == 5 and "<!channel>" not in text_of(home)


def test_settings_controls_ack_at_once_even_when_slack_is_slow(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    home = open_home(slack, MANILA)
    slack.api.hold_calls()  # users.info, then views.publish: none answered until released
    delivery = send_action(slack, MANILA, home, "home_frequency", option="2")
    assert delivery.status == 200
    slack.api.wait_for_held_calls(1)
    slack.api.release_calls()
    wait_for(lambda: "Check-in frequency: Every two weeks" in text_of(slack.api.published_home(MANILA)), 10)


def test_a_forged_or_cleared_control_changes_nothing(slack: LocalSlack) -> None:
    slack.command(MANILA, "join")
    home = open_home(slack, MANILA)
    home["blocks"] = [b for b in home["blocks"] if "home_frequency" not in str(b.get("accessory"))]
    home["blocks"].append({"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": {
        "type": "static_select", "action_id": "home_frequency",
        "options": [{"text": {"type": "plain_text", "text": "3"}, "value": "3"}]}})  # fmt: skip
    send_action(slack, MANILA, home, "home_frequency", option="3")
    wait_for(lambda: slack.api.published_home(MANILA)["hash"] != home["hash"])
    with slack.db.session() as session:
        assert session.exec(select(Member).where(Member.user_id == MANILA)).one().checkin_every_weeks == 1


def test_me_lists_every_stored_field_including_settings_and_the_avoid_list_count(
    slack: LocalSlack,
) -> None:
    reply = slack.command(MANILA, "join")
    view = slack.click_for_view(MANILA, reply, "profile_open")
    slack.command(MEXICO, "join")
    slack.events.submit_view(MANILA, view, {
        "country": {"type": "plain_text_input", "value": "Philippines"},
        "agency": {"type": "plain_text_input", "value": "DBM"},
        "avoid": {"type": "multi_users_select", "selected_users": [MEXICO]},
    })  # fmt: skip
    open_home(slack, MANILA)
    use_control(slack, MANILA, "home_frequency", option="4")
    use_control(slack, MANILA, "home_matching")
    use_control(slack, MANILA, "home_consent_default", option="share_with_matches")
    shown = text_of(slack.command(MANILA, "me"))
    assert "Maria Santos (Slack name maria) · Philippines · DBM" in shown
    assert "*Slack locale*: en-US" in shown and "*Status*: active" in shown
    assert "language automatic (from Slack) · check-ins Once a month (every four weeks)" in shown
    assert (
        "peer matching off · default consent: Share with my matched peers · offered to lead a session: no"
        in shown
    )
    assert "Facilitators cannot read answers" in shown and "deleted after 12 months" in shown
    assert "*Exports that included your answers*: none." in shown
    assert "*Don't-match list*: 1 people" in shown and "Jorge" not in shown
    assert "*Check-ins sent to you*: 0, 0 answered" in shown and "*Peer matches*: 0" in shown


def test_the_status_word_in_me_and_home_is_translated(slack: LocalSlack, clock: ManualClock) -> None:
    slack.command(MEXICO, "join")
    slack.command(MEXICO, "pause 2")
    until = (clock.now().date() + timedelta(weeks=2)).isoformat()
    paused = TEXTS.get("me.status_paused_until", "es", until=until)
    assert paused in text_of(slack.command(MEXICO, "me"))
    assert paused in text_of(open_home(slack, MEXICO))
