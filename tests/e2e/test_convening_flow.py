"""Convenings over signed HTTP against the Slack stand-in: planning, invitations and RSVPs
(in the DM and the App Home), pre-engagement check-ins, seating with a preview, moves and one
DM each, the harvest and its digest section, the four-week follow-up, and matching that
prefers people who met at a convening."""

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.convenings import service as convenings
from bot.convenings.roleplay import own_roles
from bot.core.clock import ManualClock
from bot.members.forget import forget
from standins.harness import LocalSlack, wait_for
from storage.models import (
    CheckinDelivery,
    Convening,
    ConveningContact,
    ConveningHarvest,
    ConveningMessage,
    ConveningRsvp,
    ConveningSeat,
    ConveningTable,
    Member,
    PainPoint,
)
from tests.e2e.conftest import ADMIN, COORDINATORS, FACILITATOR, MEXICO, PLAIN, text_of
from tests.e2e.home_controls import open_home, send_action, use_control

pytestmark = pytest.mark.e2e

# user id: (real name, time zone, locale, country, agency (their own job), pains, words)
PEOPLE = {
    "UCONV0001": ("Ana Reyes", "Asia/Manila", "en-US", "Philippines", "Ministry of Finance",
                  ["funding"], "The budget office froze the money for our pilot."),
    "UCONV0002": ("Bola Ade", "Africa/Lagos", "en-US", "Nigeria", "Transparency NGO",
                  ["funding"], "Private: the treasury will not release the grant."),
    "UCONV0003": ("Carla Diaz", "America/Bogota", "es-LA", "Colombia", "Office of the Minister",
                  ["funding", "time"], "Sin presupuesto para las consultas."),
    "UCONV0004": ("Dana Kim", "Asia/Seoul", "en-US", "South Korea", "National Press Agency",
                  ["changing_environment"], "After the reshuffle nobody owns the commitments."),
    "UCONV0005": ("Eve Moss", "Europe/Tallinn", "en-US", "Estonia", "City Council of Tartu",
                  ["changing_environment"], "New coalition, new priorities."),
    "UCONV0006": ("Farid Haddad", "Africa/Casablanca", "fr-FR", "Morocco", "Ministère des Finances",
                  ["changing_environment", "time"], "Le ministère a été fusionné le mois dernier."),
    "UCONV0007": ("Gita Rao", "Asia/Kolkata", "en-US", "India", "Supreme Audit Office",
                  ["time"], "No hours left for follow-up with the agencies."),
    "UCONV0008": ("Hugo Silva", "America/Sao_Paulo", "en-US", "Brazil", "Ministry of Planning",
                  ["time"], "Three programmes and one of me."),
}  # fmt: skip
NAME = "Tbilisi regional meeting"
YES = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]


def _join(slack: LocalSlack, people: dict[str, tuple] = PEOPLE) -> None:
    for user, (name, tz, locale, country, agency, *_rest) in people.items():
        slack.api.add_user(user, name=name.split()[0].lower(), real_name=name, tz=tz, locale=locale)
        reply = slack.command(user, "join")
        view = slack.click_for_view(user, reply, "profile_open")
        slack.events.submit_view(user, view, {
            "country": {"type": "plain_text_input", "value": country},
            "agency": {"type": "plain_text_input", "value": agency},
        })  # fmt: skip


def _answer(slack: LocalSlack, people: dict[str, tuple] = PEOPLE, match: bool = False) -> None:
    """A check-in round now, answered in the form with each one's pain points."""
    slack.command(FACILITATOR, "checkin now")
    with slack.db.session() as session:
        ids = {p.slug: p.id for p in session.exec(select(PainPoint)).all()}
    for user, (*_rest, pains, words) in people.items():
        view = slack.click_for_view(user, slack.api.messages_to(user)[-1], "checkin_answer")
        slack.events.submit_view(user, view, {
            "challenge": {"type": "plain_text_input", "value": words},
            "pains": {"type": "multi_static_select", "selected_options": [
                {"text": {"type": "plain_text", "text": s}, "value": str(ids[s])} for s in pains]},
            "match": {"type": "checkboxes", "selected_options": YES if match else []},
        })  # fmt: skip


def _sent(slack: LocalSlack, user: str, text: str) -> list[dict[str, Any]]:
    return [c.params for c in slack.api.calls_to("chat.postMessage")
            if c.params.get("channel") == user and text in str(c.params.get("text"))]  # fmt: skip


def _posted(slack: LocalSlack, channel: str) -> list[dict[str, Any]]:
    return [c.params for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def _invites(slack: LocalSlack, user: str) -> list[dict[str, Any]]:
    """The invitations `user` got (in whatever language): DMs with the RSVP buttons."""
    return [m for m in _posted(slack, user) if "convening_going" in str(m.get("blocks"))]


def _click(
    slack: LocalSlack, user: str, message: dict[str, Any], action: str, expect: str = ""
) -> dict[str, Any]:
    """Press a button in a message the app posted; return the app's first reply containing `expect`."""
    before = len(slack.api.responses())
    slack.events.click_button_in(user, {"blocks": message["blocks"], "ts": "1.0"}, action)
    return wait_for(lambda: [r for r in slack.api.responses()[before:] if expect in text_of(r)])[0]


def _rsvp_all(slack: LocalSlack, users: list[str], action: str = "convening_going") -> None:
    for user in users:
        [invite] = _invites(slack, user)
        _click(slack, user, invite, action)


def _rows(slack: LocalSlack, model: type) -> list[Any]:
    with slack.db.session() as session:
        return list(session.exec(select(model)).all())


def _member_ids(slack: LocalSlack) -> dict[int, str]:
    return {m.id: m.user_id for m in _rows(slack, Member)}


# ---------------------------------------------------------------- planning


def test_a_facilitator_adds_lists_and_cancels_convenings(slack: LocalSlack) -> None:
    reply = text_of(slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10 Tbilisi, Georgia'))
    assert f"Planned *{NAME}*, Wed 10 Mar 2027 · Tbilisi, Georgia." in reply
    assert "3 weeks before it will ask members ahead of it" in reply
    assert "already planned" in text_of(slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10'))
    past = text_of(slack.command(FACILITATOR, "convening add “Manila learning exchange” 2026-10-01"))
    assert "Its date has passed" in past
    assert len(_rows(slack, Convening)) == 2

    listed = text_of(slack.command(FACILITATOR, "convening"))
    upcoming, _, held = listed.partition("Past")
    assert NAME in upcoming and "Manila learning exchange" in held

    cancelled = text_of(slack.command(FACILITATOR, "convening cancel"))
    assert f"Cancelled *{NAME}* (Wed 10 Mar 2027 · Tbilisi, Georgia)" in cancelled
    assert "Nothing planned." in text_of(slack.command(FACILITATOR, "convening"))
    assert "no upcoming convening" in text_of(slack.command(FACILITATOR, "convening cancel"))
    # Adding it again brings it back rather than making a second one.
    assert "planned again" in text_of(slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10'))
    assert len(_rows(slack, Convening)) == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("convening add", "Usage: `/convene convening add"),
        (f'convening add "{NAME}"', "Usage: `/convene convening add"),
        (f'convening add "{NAME}" 10/03/2027', "`10/03/2027` is not a date I can read"),
        (f'convening add "{NAME}" 2027-02-30', "is not a date I can read"),
        (f'convening add "{"x" * 130}" 2027-03-10', "under 120 characters"),
        ('convening add "<!channel>" 2027-03-10', "Planned *&lt;!channel&gt;*"),
        ("convening tables 1", "Give a table size from 2 to 30"),
        ("convening tables six", "Give a table size from 2 to 30"),
        ("convening invite", "There is no upcoming convening"),
        ("convening tables", "There is no upcoming convening"),
    ],
)
def test_bad_input_gets_one_clear_line(slack: LocalSlack, args: str, expected: str) -> None:
    reply = slack.command(FACILITATOR, args)
    assert expected in text_of(reply)
    assert reply.get("response_type") == "ephemeral"


def test_members_who_are_not_facilitators_are_refused_and_nothing_is_stored(slack: LocalSlack) -> None:
    slack.command(PLAIN, "join")
    slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10')
    for args in ('convening add "Other" 2027-04-01', "convening", "convening cancel", "convening invite",
                 "convening tables 4"):  # fmt: skip
        reply = slack.command(PLAIN, args)
        assert "is for facilitators" in text_of(reply) and reply["response_type"] == "ephemeral", args
    [convening] = _rows(slack, Convening)
    assert convening.status == "planned" and convening.seating_status is None
    assert _rows(slack, ConveningMessage) == []


def test_help_tells_facilitators_about_convenings(slack: LocalSlack) -> None:
    shown = text_of(slack.command(ADMIN, "help"))  # a workspace admin, in English
    assert '`/convene convening add "<name>" YYYY-MM-DD [place]`' in shown
    assert "`/convene convening tables [size]`" in shown and "`/convene convening invite`" in shown
    french = text_of(slack.command(FACILITATOR, "help"))
    assert '`/convene convening add "<nom>" AAAA-MM-JJ [lieu]`' in french
    assert "convening" not in text_of(slack.command(PLAIN, "help"))


# ---------------------------------------------------------------- invitations and RSVPs


def test_invitations_go_to_each_member_once_and_the_buttons_record_the_answer(slack: LocalSlack) -> None:
    people = dict(list(PEOPLE.items())[:3])
    _join(slack, people)
    slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10 Tbilisi')
    reply = text_of(slack.command(FACILITATOR, "convening invite"))
    assert f"Invitations to *{NAME}*: 3 sent now, 0 invited before" in reply
    again = text_of(slack.command(FACILITATOR, "convening invite"))
    assert "0 sent now, 3 invited before" in again
    slack.tick()
    slack.tick()
    for user in people:
        assert len(_invites(slack, user)) == 1, user
    [carla] = _invites(slack, "UCONV0003")
    assert carla["text"] == f"Te invitamos: {NAME}"  # in her language

    # A newcomer is invited by the next run, and only they are.
    late = {"UCONV0004": PEOPLE["UCONV0004"]}
    _join(slack, late)
    assert "1 sent now, 3 invited before" in text_of(slack.command(FACILITATOR, "convening invite"))
    assert len(_invites(slack, "UCONV0004")) == 1

    _rsvp_all(slack, ["UCONV0001", "UCONV0002"])
    _rsvp_all(slack, ["UCONV0003"], "convening_not_going")
    updated = [r for r in slack.api.responses() if r.get("replace_original")]
    assert any("You're going" in text_of(r) for r in updated)
    assert any("Anotado: esta vez no" in text_of(r) for r in updated)
    # Changing one's mind replaces the answer.
    _rsvp_all(slack, ["UCONV0002"], "convening_not_going")
    answers = {_member_ids(slack)[r.member_id]: r.answer for r in _rows(slack, ConveningRsvp)}
    assert answers == {"UCONV0001": "going", "UCONV0002": "not_going", "UCONV0003": "not_going"}
    assert "2 going" not in text_of(slack.command(FACILITATOR, "convening"))
    assert "4 invited · 1 going · 2 not this time" in text_of(slack.command(FACILITATOR, "convening"))


def test_cancelling_tells_those_going_once_and_drops_what_was_not_sent(slack: LocalSlack) -> None:
    people = dict(list(PEOPLE.items())[:3])
    _join(slack, people)
    slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10 Tbilisi')
    slack.command(FACILITATOR, "convening invite")
    _rsvp_all(slack, ["UCONV0001", "UCONV0003"])
    _join(slack, {"UCONV0004": PEOPLE["UCONV0004"]})
    with slack.db.session() as session:  # an invitation planned but not yet sent when it is cancelled
        convenings.plan_invites(session, session.exec(select(Convening)).one(), slack.runtime.clock.now())
    reply = text_of(slack.command(FACILITATOR, "convening cancel"))
    assert f"Cancelled *{NAME}*" in reply and "2 members who said Going were told" in reply
    slack.tick()
    slack.tick()
    assert len(_sent(slack, "UCONV0001", "has been cancelled")) == 1
    assert len(_sent(slack, "UCONV0003", "se canceló")) == 1
    assert _sent(slack, "UCONV0002", "cancel") == []
    assert _invites(slack, "UCONV0004") == []
    late = next(m for m in _rows(slack, ConveningMessage) if _member_ids(slack)[m.member_id] == "UCONV0004")
    assert late.status == "skipped"


def test_members_see_upcoming_convenings_in_the_app_home_and_can_answer_until_the_day(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, {"UCONV0001": PEOPLE["UCONV0001"]})
    slack.command(FACILITATOR, 'convening add "Winter school" 2026-11-28 Manila')
    home = open_home(slack, "UCONV0001")
    assert "Winter school" in text_of(home) and "You haven't answered yet." in text_of(home)
    home = use_control(slack, "UCONV0001", "convening_going")
    assert "You're going" in text_of(home)
    home = use_control(slack, "UCONV0001", "convening_not_going")
    assert "Noted: not this time." in text_of(home)
    clock.set(datetime(2026, 11, 28, 9, tzinfo=UTC))  # the day itself: shown, no longer changeable
    stale = slack.api.published_home("UCONV0001")
    home = open_home(slack, "UCONV0001")
    assert "Winter school" in text_of(home) and "convening_going" not in str(home["blocks"])
    send_action(slack, "UCONV0001", stale, "convening_going")  # a Home left open since yesterday
    wait_for(
        lambda: "Answers for *Winter school* are closed" in text_of(slack.api.published_home("UCONV0001"))
    )
    [rsvp] = _rows(slack, ConveningRsvp)
    assert rsvp.answer == "not_going"
    clock.set(datetime(2026, 11, 29, 9, tzinfo=UTC))
    assert "No convening is planned right now." in text_of(open_home(slack, "UCONV0001"))


# ---------------------------------------------------------------- pre-engagement


def test_the_scheduled_checkin_before_a_convening_asks_ahead_of_it_and_marks_its_answers(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.command(MEXICO, "join")
    _join(slack, {"UCONV0001": PEOPLE["UCONV0001"]})
    slack.command(FACILITATOR, f'convening add "{NAME}" 2026-12-16 Tbilisi')  # 2 weeks after Monday
    slack.command(FACILITATOR, 'convening add "Far away summit" 2027-02-01')
    clock.set(datetime(2026, 11, 30, 2, tzinfo=UTC))  # Monday, 10:00 in Manila
    slack.tick()
    clock.set(datetime(2026, 11, 30, 16, tzinfo=UTC))  # 10:00 in Mexico City
    slack.tick()
    slack.tick()
    [english] = _sent(slack, "UCONV0001", "Check-in")
    assert english["text"] == f"Check-in: Ahead of {NAME}, what is your most pressing challenge?"
    [spanish] = _posted(slack, MEXICO)
    assert f"De cara a {NAME}, ¿cuál es tu desafío más apremiante?" in text_of(spanish)
    deliveries = _rows(slack, CheckinDelivery)
    [tbilisi] = [c for c in _rows(slack, Convening) if c.name == NAME]
    assert len(deliveries) == 2 and {d.convening_id for d in deliveries} == {tbilisi.id}
    # The form asks the same question, and the answer counts for the convening's agenda.
    view = slack.click_for_view("UCONV0001", {"blocks": english["blocks"], "ts": "1.0"}, "checkin_answer")
    assert f"Ahead of {NAME}" in text_of(view)
    words = {
        "challenge": {"type": "plain_text_input", "value": "The finance ministry froze our budget line."}
    }
    slack.events.submit_view("UCONV0001", view, words)
    slack.tick()  # tagged
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    slack.command(FACILITATOR, "agenda")
    [agenda] = _posted(slack, COORDINATORS)
    shown = text_of(agenda)
    assert f"For *{NAME}* on 2026-12-16." in shown
    assert f"1 of them were given ahead of {NAME} and count double." in shown
    assert "1 of them given ahead of the coming convening." in shown


def test_a_checkin_outside_the_weeks_before_a_convening_asks_as_usual(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, {"UCONV0001": PEOPLE["UCONV0001"]})
    slack.command(FACILITATOR, 'convening add "Far away summit" 2027-01-20')  # 7 weeks away
    clock.set(datetime(2026, 11, 30, 2, tzinfo=UTC))
    slack.tick()
    [checkin] = _sent(slack, "UCONV0001", "Check-in")
    assert checkin["text"] == "Check-in: What is your most pressing challenge right now?"
    assert [d.convening_id for d in _rows(slack, CheckinDelivery)] == [None]


def test_the_digest_carries_the_coming_convenings_draft_agenda(slack: LocalSlack, clock: ManualClock) -> None:
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    _join(slack)
    _answer(slack)
    slack.tick()
    before = text_of(slack.command(FACILITATOR, "digest preview"))
    assert "Draft agenda for" not in before
    slack.command(FACILITATOR, f'convening add "{NAME}" 2027-03-10')
    clock.set(datetime(2026, 11, 27, 15, 1, tzinfo=UTC))
    slack.tick()
    digest = "\n".join(text_of(m) for m in _posted(slack, COORDINATORS))
    assert f"Draft agenda for {NAME} (2027-03-10)" in digest
    assert "1. *Lack of " in digest and "`/convene agenda` posts it in full" in digest


def test_the_agenda_draws_on_answers_since_the_previous_convening(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    _join(slack)
    _answer(slack)  # Wednesday 25 November: 8 answers
    slack.command(FACILITATOR, 'convening add "Autumn meeting" 2026-11-26')
    clock.set(datetime(2026, 12, 2, 12, tzinfo=UTC))
    _answer(slack, {u: PEOPLE[u] for u in ("UCONV0007", "UCONV0008")})  # after it: 2 answers
    slack.tick()
    slack.command(FACILITATOR, "agenda")
    [agenda] = _posted(slack, COORDINATORS)
    shown = text_of(agenda)
    assert "Built from 2 answers since the last convening, Autumn meeting (2026-11-26; 1 weeks):" in shown
    assert "1. Lack of time" in shown and "Lack of financial resources" not in shown


# ---------------------------------------------------------------- seating


def _going(slack: LocalSlack, clock: ManualClock) -> None:
    """Everyone answered with their pain points, was invited and said Going."""
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    _join(slack)
    _answer(slack)
    slack.tick()
    slack.command(FACILITATOR, f'convening add "{NAME}" 2026-12-10 Tbilisi')
    slack.command(FACILITATOR, "convening invite")
    _rsvp_all(slack, list(PEOPLE))


def _seats(slack: LocalSlack) -> dict[str, int]:
    """user id -> table number."""
    numbers = {t.id: t.number for t in _rows(slack, ConveningTable)}
    users = _member_ids(slack)
    return {users[s.member_id]: numbers[s.table_id] for s in _rows(slack, ConveningSeat)}


def test_tables_seat_everyone_going_once_balanced_with_roles_not_their_own(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _going(slack, clock)
    preview = slack.command(FACILITATOR, "convening tables 3")
    shown = text_of(preview)
    assert f"Seating plan for {NAME} (preview)" in shown and "8 attendees at 3 tables of about 3" in shown
    assert preview["response_type"] == "ephemeral"
    seats = _seats(slack)
    assert sorted(seats) == sorted(PEOPLE)  # everyone going, each exactly once
    sizes = Counter(seats.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1 and all(abs(s - 3) <= 1 for s in sizes.values())
    agencies = {u: PEOPLE[u][4] for u in PEOPLE}
    users = _member_ids(slack)
    for seat in _rows(slack, ConveningSeat):
        assert seat.role not in own_roles(agencies[users[seat.member_id]]), users[seat.member_id]
    # A table's focus is a pain point its members share.
    for table in _rows(slack, ConveningTable):
        focus = json.loads(table.focus)
        members = [u for u, n in seats.items() if n == table.number]
        assert focus and all(any(f in PEOPLE[u][5] for u in members) for f in focus)
    assert _sent(slack, "UCONV0001", "Table") == []  # nothing sent before *Send*


def test_a_facilitator_moves_members_then_sends_the_plan_once(slack: LocalSlack, clock: ManualClock) -> None:
    _going(slack, clock)
    preview = slack.command(FACILITATOR, "convening tables 3")
    seats = _seats(slack)
    sizes = Counter(seats.values())
    big = next(n for n, k in sizes.items() if k == 3)
    small = next(n for n, k in sizes.items() if k == 2)
    mover = sorted(u for u, n in seats.items() if n == big)[0]
    view = slack.click_for_view(FACILITATOR, preview, "convening_move")
    response = slack.events.submit_view(FACILITATOR, view, {
        "member": {"type": "users_select", "selected_user": mover},
        "table": {"type": "static_select", "selected_option": {"value": str(small)}},
    })  # fmt: skip
    assert response.json()["response_action"] == "update", response.json()
    assert _seats(slack)[mover] == small
    # A move that would unbalance the tables is refused with a reason; a swap is fine.
    other_big = next(n for n, k in Counter(_seats(slack).values()).items() if k == 3 and n != small)
    loner = sorted(u for u, n in _seats(slack).items() if n == other_big)[0]
    refused = slack.events.submit_view(FACILITATOR, view, {
        "member": {"type": "users_select", "selected_user": loner},
        "table": {"type": "static_select", "selected_option": {"value": str(small)}},
    })  # fmt: skip
    assert "differ by more than one" in refused.json()["errors"]["table"]
    swapped = slack.events.submit_view(FACILITATOR, view, {
        "member": {"type": "users_select", "selected_user": loner},
        "swap": {"type": "users_select", "selected_user": mover},
    })  # fmt: skip
    assert swapped.json()["response_action"] == "update"
    after = _seats(slack)
    assert after[loner] == small and after[mover] == other_big
    agencies = {u: PEOPLE[u][4] for u in PEOPLE}
    users = _member_ids(slack)
    for seat in _rows(slack, ConveningSeat):
        assert seat.role not in own_roles(agencies[users[seat.member_id]])

    done = _click(slack, FACILITATOR, preview, "convening_send", "Seating plan sent")
    assert "8 of 8 members told their table" in done["text"]
    assert any(f"Seating plan: {NAME}" in text_of(m) for m in _posted(slack, COORDINATORS))
    [plan_file] = [f for f in slack.api.uploaded_files() if f["filename"] == "seating-plan.md"]
    markdown = plan_file["content"].decode()
    assert markdown.startswith("# Seating plan") and "Ana Reyes" in markdown
    assert "| Name | Country | Role to play |" in markdown  # nobody's own pain points by name
    for user in PEOPLE:
        [dm] = _table_dms(slack, user)
        assert str(after[user]) in dm["text"], user
        assert any(brief in text_of(dm) for brief in ("The brief", "La consigna", "La consigne")), user
    [farid] = _table_dms(slack, "UCONV0006")  # in French, and never his own job (finance)
    role = text_of(farid).split("Votre rôle")[1].split("\n")[0]
    assert "budget" not in role.lower() and "finances" not in role.lower()

    # Sending again, a tick or a recomputation sends nothing more.
    _click(slack, FACILITATOR, preview, "convening_send", "already sent")
    assert "already sent" in text_of(slack.command(FACILITATOR, "convening tables 3"))
    slack.tick()
    seat_dms = [m for m in _rows(slack, ConveningMessage) if m.kind == "seat"]
    assert len(seat_dms) == 8 and all(m.status == "sent" for m in seat_dms)
    assert sum(len(_table_dms(slack, user)) for user in PEOPLE) == 8


def _table_dms(slack: LocalSlack, user: str) -> list[dict[str, Any]]:
    return [m for m in _posted(slack, user) if m.get("text", "").startswith(("Table ", "Mesa "))]


# ---------------------------------------------------------------- after the convening


def _held_yesterday(slack: LocalSlack, clock: ManualClock, users: list[str]) -> None:
    """A convening on Thursday 26 November that `users` said they would go to; it is now
    Friday 27 November, late enough that it is 10:00 or later for everyone."""
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    slack.command(FACILITATOR, f'convening add "{NAME}" 2026-11-26 Tbilisi')
    slack.command(FACILITATOR, "convening invite")
    _rsvp_all(slack, users)
    clock.set(datetime(2026, 11, 27, 18, tzinfo=UTC))


def _harvest(slack: LocalSlack, user: str, words: str, people: list[str], consent: bool) -> Any:
    [dm] = _sent(slack, user, "what will you try next?") or _sent(slack, user, "intentar")
    view = slack.click_for_view(user, {"blocks": dm["blocks"], "ts": "1.0"}, "convening_harvest")
    return slack.events.submit_view(user, view, {
        "try": {"type": "plain_text_input", "value": words},
        "people": {"type": "multi_users_select", "selected_users": people},
        "consent": {"type": "checkboxes", "selected_options": YES if consent else []},
    })  # fmt: skip


def test_the_day_after_attendees_get_one_harvest_dm_and_the_digest_quotes_only_with_consent(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, dict(list(PEOPLE.items())[:4]))
    _held_yesterday(slack, clock, ["UCONV0001", "UCONV0002", "UCONV0003"])
    slack.tick()
    slack.tick()
    for user in ("UCONV0001", "UCONV0002"):
        assert len(_sent(slack, user, "what will you try next?")) == 1, user
    assert len(_sent(slack, "UCONV0003", "intentar")) == 1
    assert _sent(slack, "UCONV0004", "try next") == []  # said nothing: not an attendee

    quoted = _harvest(
        slack, "UCONV0001", "Open contracting <!channel> in two ministries.", ["UCONV0002"], True
    )
    private = _harvest(slack, "UCONV0002", "Private plan to call the treasury director.", [], False)
    assert quoted.status == private.status == 200
    harvests = {_member_ids(slack)[h.member_id]: h for h in _rows(slack, ConveningHarvest)}
    assert harvests["UCONV0001"].consent == "quote_anonymously"
    assert harvests["UCONV0002"].consent == "counts_only"
    [contact] = _rows(slack, ConveningContact)
    assert _member_ids(slack)[contact.contact_id] == "UCONV0002"
    # A member who did not go cannot answer for it.
    forged = {
        "type": "modal",
        "id": "V0FORGED",
        "callback_id": "convening_harvest_modal",
        "private_metadata": json.dumps({"convening": _rows(slack, Convening)[0].id}),
    }
    words = {"try": {"type": "plain_text_input", "value": "I was not there"}}
    refused = slack.events.submit_view("UCONV0004", forged, words)
    assert "said they were going" in refused.json()["errors"]["try"]
    assert len(_rows(slack, ConveningHarvest)) == 2
    mine = text_of(slack.command("UCONV0001", "me"))
    assert "1 invitations answered · 1 harvest answers · 1 people you want to keep talking to" in mine

    clock.set(datetime(2026, 12, 4, 15, 1, tzinfo=UTC))  # the next Friday's digest
    slack.tick()
    digest = "\n".join(text_of(m) for m in _posted(slack, COORDINATORS))
    assert f"Convening: {NAME}, Thu 26 Nov 2026 · Tbilisi" in digest
    assert "3 said Going (0 not this time)" in digest and "2 answered the harvest" in digest
    assert "Open contracting &lt;!channel&gt; in two ministries." in digest
    assert "Private plan" not in digest
    # Only the next digest reports on it.
    clock.set(datetime(2026, 12, 11, 15, 1, tzinfo=UTC))
    slack.tick()
    assert sum(f"Convening: {NAME}" in text_of(m) for m in _posted(slack, COORDINATORS)) == 1

    # Forgetting a member takes their harvest, and them off others' lists, with them.
    with slack.db.session() as session:
        forget(session, session.exec(select(Member).where(Member.user_id == "UCONV0002")).one())
    assert _rows(slack, ConveningContact) == [] and len(_rows(slack, ConveningHarvest)) == 1


def test_four_weeks_later_those_who_said_what_they_would_try_are_asked_once(
    slack: LocalSlack, clock: ManualClock
) -> None:
    _join(slack, dict(list(PEOPLE.items())[:2]))
    _held_yesterday(slack, clock, ["UCONV0001", "UCONV0002"])
    slack.tick()
    _harvest(slack, "UCONV0001", "Publish the budget data monthly.", [], False)
    _harvest(slack, "UCONV0002", "", ["UCONV0001"], False)
    clock.set(datetime(2026, 12, 24, 18, tzinfo=UTC))  # four weeks after the convening
    slack.tick()
    slack.tick()
    [asked] = _sent(slack, "UCONV0001", "did you try it?")
    assert "Publish the budget data monthly." in text_of(asked)
    assert _sent(slack, "UCONV0002", "did you try it?") == []
    _click(slack, "UCONV0001", asked, "convening_tried_yes", "noted that you tried it")
    ana = next(h for h in _rows(slack, ConveningHarvest) if _member_ids(slack)[h.member_id] == "UCONV0001")
    assert ana.tried == "yes"
    assert "1 of 1 tried it" in text_of(slack.command(FACILITATOR, "convening"))


def test_someone_named_at_the_harvest_is_preferred_as_a_match(slack: LocalSlack, clock: ManualClock) -> None:
    # Four members with the same pain point and hours; A and D are compatriots, so without the
    # harvest A is paired with someone from another country.
    four = {
        "UCONV0001": ("Ana Reyes", "Europe/Paris", "en-US", "France", "Ministry", ["funding"], "No budget."),
        "UCONV0002": ("Bola Ade", "Europe/Paris", "en-US", "Nigeria", "Ministry", ["funding"], "No money."),
        "UCONV0003": ("Carla Diaz", "Europe/Paris", "en-US", "Colombia", "Ministry", ["funding"], "Cuts."),
        "UCONV0004": ("Dana Kim", "Europe/Paris", "en-US", "France", "Agency", ["funding"], "Frozen funds."),
    }
    _join(slack, four)
    _answer(slack, four, match=True)
    slack.command(FACILITATOR, "match preview")
    pairs = _pairs(slack)
    assert frozenset({"UCONV0001", "UCONV0004"}) not in pairs

    _held_yesterday(slack, clock, ["UCONV0001", "UCONV0004"])
    slack.tick()
    _harvest(slack, "UCONV0001", "", ["UCONV0004"], False)
    _answer(slack, four, match=True)
    slack.command(FACILITATOR, "match preview")
    assert frozenset({"UCONV0001", "UCONV0004"}) in _pairs(slack)


def _pairs(slack: LocalSlack) -> set[frozenset[str]]:
    from storage.models import MatchGroup, MatchMember, MatchRound

    with slack.db.session() as session:
        latest = session.exec(select(MatchRound.id).order_by(col(MatchRound.id).desc())).first()
        rows = session.exec(
            select(MatchMember.group_id, Member.user_id)
            .join(Member, col(Member.id) == MatchMember.member_id)
            .join(MatchGroup, col(MatchGroup.id) == MatchMember.group_id)
            .where(MatchGroup.round_id == latest)
        ).all()
    groups: dict[int, set[str]] = {}
    for group, user in rows:
        groups.setdefault(group, set()).add(user)
    return {frozenset(g) for g in groups.values()}
