"""Every facilitator action, tried by a member who is not one, over signed HTTP with otherwise
valid input: each slash command, each button and each modal. Each gets a private refusal (or
a form error), the database is unchanged row for row, and nothing is posted anywhere.

The list is derived from the command table and from the listeners in handlers/, so a new
facilitator command, button or modal fails `test_the_matrix_covers_every_…` until it is here."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, col, select

from bot.core.texts import Texts
from bot.tagging import themes
from handlers import command_parser
from standins.harness import LocalSlack, wait_for
from storage.models import CheckinDelivery, Consent, ConveningMessage
from tests import factories
from tests.e2e.conftest import COORDINATORS, FACILITATOR, PLAIN, text_of
from tests.e2e.home_controls import open_home
from tests.e2e.test_matching_flow import PEOPLE, _answer_all
from tests.hostile.surfaces import listeners, registered_kinds, registrations

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()
# Valid arguments for each facilitator subcommand: what a facilitator would really type.
VALID_ARGS = {
    "setup": f"<#{COORDINATORS}|coordinators>",
    "setup raw-answers": "on",
    "setup retention": "3",
    "checkin": "",
    "checkin now": "",
    "checkin schedule": '"0 8 * * tue"',
    "digest preview": "",
    "digest post": "",
    "digest schedule": '"0 16 * * fri"',
    "agenda": "",
    "match preview": "",
    "match run": "",
    "match schedule": '"0 11 * * wed"',
    "pains": "",
    "pains add": "Procurement rules | tenders that take a year",
    "pains rename": "lack of time to Time poverty",
    "pains merge": "lack of time into lack of political will",
    "pains retire": "lack of time",
    "members": "",
    "facilitators add": f"<@{PLAIN}>",
    "export": "",
    "convening": "",
    "convening add": '"Regional meeting" 2027-04-14 Tbilisi',
    "convening cancel": "",
    "convening invite": "",
    "convening tables": "3",
}
FACILITATOR_SURFACES = {
    "action": {
        "theme_adopt",
        "theme_dismiss",
        "match_swap",
        "convening_move",
        "convening_send",
        "pains_answers",
        "answer_retag",
    },
    "view": {"match_swap_modal", "convening_move_modal", "answer_retag_modal"},
}
# Everything else acts on the clicking member's own things (checked by ownership, not rights).
MEMBER_SURFACES = {
    "action": {"checkin_answer", "checkin_edit", "checkin_details", "checkin_skip", "checkin_pause",
               "profile_open", "forget_me_confirm", "match_met", "match_not_met", "match_helped",
               "match_not_helped", "home_join", "home_resume", "home_pause_until", "home_matching",
               "home_consent_default", "home_language", "home_frequency", "convening_going",
               "convening_not_going", "convening_harvest", "convening_tried_yes", "convening_tried_partly",
               "convening_tried_not_yet"},
    "view": {"checkin_modal", "profile_modal", "convening_harvest_modal"},
}  # fmt: skip
WRITE_CALLS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "files.completeUploadExternal",
               "conversations.open", "views.open", "views.update", "views.publish")  # fmt: skip
IGNORED_TABLES = {"seenrequest"}  # the dedupe middleware's record of every request received


def test_the_matrix_covers_every_facilitator_command_button_and_modal(slack: LocalSlack) -> None:
    facilitator_commands = {spec.name for spec in command_parser.COMMANDS if spec.facilitator}
    assert facilitator_commands == set(VALID_ARGS)
    found = listeners()
    for kind in ("action", "view"):
        assert found[kind] == FACILITATOR_SURFACES[kind] | MEMBER_SURFACES[kind], kind
    # The source reading saw every listener Bolt holds (none registered some other way).
    read = registrations()
    registered = registered_kinds(slack.app)
    assert registered["action"] == sum(1 for kind, _ in read if kind == "action")
    assert registered["view"] == sum(1 for kind, _ in read if kind == "view")


def _snapshot(slack: LocalSlack) -> dict[str, list[tuple]]:
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in IGNORED_TABLES]
    with slack.db.engine.connect() as connection:
        return {
            t.name: sorted(map(tuple, connection.execute(t.select()).all()), key=repr) for t in tables
        } | {"alembic": list(connection.execute(text("SELECT version_num FROM alembic_version")).all())}


def _writes(slack: LocalSlack) -> int:
    return sum(len(slack.api.calls_to(method)) for method in WRITE_CALLS)


def _reply(slack: LocalSlack, before: int) -> dict[str, Any]:
    return wait_for(lambda: slack.api.responses()[before:], timeout=10)[0]


@pytest.fixture
def community(slack: LocalSlack) -> dict[str, Any]:
    """A real week: a coordinators' channel, answers, a proposed theme, a match proposal, a
    convening its members are going to with a seating proposal, and the facilitator's own
    previews (with the buttons a member could get hold of)."""
    slack.command(FACILITATOR, "setup", channel_id=COORDINATORS)
    _answer_all(slack)
    slack.command(PLAIN, "join")
    now = slack.runtime.clock.now()
    factories.answers(slack.db, [f"Access to information requests pile up, case {i}" for i in range(4)],
                      now, consent=Consent.QUOTE_ANONYMOUSLY, team_id=slack.team_id, authors=4)  # fmt: skip
    with slack.db.session() as session:
        from bot.tagging import pipeline

        pipeline.tag_pending(session, slack.team_id, slack.runtime.tagger, now)
        assert themes.propose(session, slack.team_id, "2026-W48", now)
    pains = slack.command(FACILITATOR, "pains")
    before = len(slack.api.responses())
    slack.events.choose_in(FACILITATOR, pains, "pains_answers", "none")
    untagged = wait_for(lambda: slack.api.responses()[before:])[0]
    retag_view = slack.click_for_view(FACILITATOR, untagged, "answer_retag")
    home = open_home(slack, FACILITATOR)
    preview = slack.command(FACILITATOR, "match preview")
    swap_view = slack.click_for_view(FACILITATOR, preview, "match_swap")
    before = len(slack.api.responses())
    slack.events.command(FACILITATOR, "digest preview")
    digest = wait_for(lambda: [r for r in slack.api.responses()[before:] if r.get("blocks")
                               and any(b.get("type") == "actions" for b in r["blocks"])])[0]  # fmt: skip
    slack.command(FACILITATOR, 'convening add "Tbilisi regional meeting" 2027-03-10 Tbilisi')
    slack.command(FACILITATOR, "convening invite")
    for user in PEOPLE:
        # The invitations go out after the command's reply: wait for each one.
        invite = wait_for(lambda user=user: _invite_to(slack, user), timeout=10)
        before = len(slack.api.responses())
        slack.events.click_button_in(user, invite, "convening_going")
        wait_for(lambda before=before: slack.api.responses()[before:])
    tables = slack.command(FACILITATOR, "convening tables 2")
    move_view = slack.click_for_view(FACILITATOR, tables, "convening_move")
    # The next day: a `checkin now` starts a new round, not the facilitator's earlier one.
    slack.runtime.clock.advance(timedelta(hours=21))  # type: ignore[attr-defined]
    return {"pains": pains, "preview": preview, "swap_view": swap_view, "digest": digest, "tables": tables,
            "move_view": move_view, "untagged": untagged, "retag_view": retag_view, "home": home}  # fmt: skip


def test_a_member_who_is_not_a_facilitator_is_refused_everything_and_nothing_changes(
    slack: LocalSlack, community: dict[str, Any]
) -> None:
    wait_for(lambda: _settled(slack), timeout=10)
    state, writes = _snapshot(slack), _writes(slack)
    refused: list[str] = []
    for name, args in VALID_ARGS.items():
        before = len(slack.api.responses())
        assert slack.events.command(PLAIN, f"{name} {args}".strip()).status == 200
        reply = _reply(slack, before)
        expected = TEXTS.get("commands.not_facilitator", command=name)
        assert reply.get("response_type") == "ephemeral" and text_of(reply) == expected, name
        refused.append(f"/convene {name}")
    for source, action_id in (("pains", "theme_adopt"), ("pains", "theme_dismiss"),
                              ("digest", "theme_adopt"), ("digest", "theme_dismiss"),
                              ("preview", "match_swap"), ("tables", "convening_move"),
                              ("tables", "convening_send"), ("untagged", "answer_retag"),
                              ("home", "answer_retag")):  # fmt: skip
        before = len(slack.api.responses())
        assert slack.events.click_button_in(PLAIN, community[source], action_id).status == 200
        reply = _reply(slack, before)
        assert "is for facilitators" in text_of(reply) and not reply.get("replace_original"), action_id
        refused.append(f"{action_id} button in {source}")
    before = len(slack.api.responses())
    assert slack.events.choose_in(PLAIN, community["pains"], "pains_answers", "none").status == 200
    assert "is for facilitators" in text_of(_reply(slack, before))
    refused.append("pains_answers menu in pains")
    users = list(PEOPLE)
    response = slack.events.submit_view(PLAIN, community["swap_view"], {
        "a": {"type": "users_select", "selected_user": users[0]},
        "b": {"type": "users_select", "selected_user": users[-1]},
    })  # fmt: skip
    assert response.status == 200 and "is for facilitators" in str(response.json()["errors"])
    refused.append("match_swap_modal submission")
    response = slack.events.submit_view(PLAIN, community["move_view"], {
        "member": {"type": "users_select", "selected_user": users[0]},
        "swap": {"type": "users_select", "selected_user": users[-1]},
    })  # fmt: skip
    assert response.status == 200 and "is for facilitators" in str(response.json()["errors"])
    refused.append("convening_move_modal submission")
    time_id = next(o["value"] for b in community["retag_view"]["blocks"] if b["type"] == "input"
                   for o in b["element"]["options"])  # fmt: skip
    response = slack.events.submit_view(PLAIN, community["retag_view"], {
        "pains_0": {"type": "checkboxes", "selected_options": [{"value": time_id}]}})  # fmt: skip
    assert response.status == 200 and "is for facilitators" in str(response.json()["errors"])
    refused.append("answer_retag_modal submission")
    slack.app.listener_runner.listener_executor.submit(lambda: None).result()
    assert _snapshot(slack) == state
    assert _writes(slack) == writes
    assert len(refused) == len(VALID_ARGS) + 13
    # The same snapshot does see a change a facilitator makes: the comparison can fail.
    slack.command(FACILITATOR, "pains add Procurement rules | tenders that take a year")
    assert _snapshot(slack) != state


def test_a_member_cannot_press_buttons_on_someone_elses_check_in(
    slack: LocalSlack, community: dict[str, Any]
) -> None:
    owner = next(iter(PEOPLE))
    before = len(slack.api.responses())
    slack.events.command(FACILITATOR, "checkin now")  # a fresh, unanswered check-in with all its buttons
    # Its own reply, not a late part of the digest preview: clicks below are told apart by reply.
    wait_for(lambda: any("Check-in round started" in text_of(r) for r in slack.api.responses()[before:]),
             timeout=10)  # fmt: skip
    message = wait_for(
        lambda: next((m for m in reversed(slack.api.messages_to(owner)) if "checkin_skip" in str(m)), None),
        timeout=10,
    )
    wait_for(lambda: _settled(slack), timeout=10)  # the round's bookkeeping is done
    state, writes = _snapshot(slack), _writes(slack)
    for action_id in ("checkin_answer", "checkin_skip", "checkin_pause"):
        before = len(slack.api.responses())
        slack.events.click_button_in(PLAIN, message, action_id)
        assert text_of(_reply(slack, before)) == TEXTS.get("checkin.not_yours"), action_id
    assert _snapshot(slack) == state and _writes(slack) == writes


def _invite_to(slack: LocalSlack, user: str) -> dict[str, Any] | None:
    posted = [c.params for c in slack.api.calls_to("chat.postMessage") if c.params.get("channel") == user]
    return next((m for m in posted if "convening_going" in str(m.get("blocks"))), None)


def _settled(slack: LocalSlack) -> bool:
    """No check-in or convening DM is still on its way (their rows change when it lands)."""
    with slack.db.session() as session:
        busy = session.exec(select(CheckinDelivery).where(
            col(CheckinDelivery.status).in_(["pending", "sending"]))).all()  # fmt: skip
        busy += session.exec(select(ConveningMessage).where(
            col(ConveningMessage.status).in_(["pending", "sending"]))).all()  # fmt: skip
    return not busy
