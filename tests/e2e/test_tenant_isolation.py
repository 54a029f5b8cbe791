"""One request, one workspace. Two workspaces installed through the real OAuth flow behind
one deployment; every request below is correctly signed (a distributed app has one signing
secret for all its workspaces) but names its workspace in ways that disagree, as an
attacker in one workspace would write them, or as Slack itself does for Slack Connect.

Each case is a shape seen in the wild against an earlier Convene. Whatever the shape, the
workspace whose data is read or changed, the one whose token calls Slack and the one the
person acts in are the same, or the request is refused and nothing changes."""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.cloud_harness import CloudSlack
from standins.harness import LocalSlack, wait_for
from standins.slack_events import Delivery
from storage.models import Answer, Facilitator, Workspace
from tests.e2e.conftest import text_of
from tests.e2e.two_workspaces import (
    ADMINS,
    ALPHA,
    BETA,
    FOREIGN,
    PEOPLE,
    Community,
    add_workspaces,
    build,
    changed_tables,
    leaked_into,
    snapshot,
    writes,
)

pytestmark = pytest.mark.e2e

TEXTS = Texts.load()
REFUSALS = {TEXTS.get("workspace.refused_mismatch"), TEXTS.get("workspace.refused_other_workspace")}
ALPHA_ADMIN, BETA_ADMIN = ADMINS[ALPHA][0], ADMINS[BETA][0]
BETA_MEMBER = next(iter(PEOPLE[BETA]))
MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def community(database_url: str, clock: ManualClock) -> Iterator[Community]:
    with CloudSlack(database_url, clock=clock) as cloud:
        add_workspaces(cloud)
        yield build(cloud, clock)


class Attempt:
    """One crafted request sent from workspace `sender`, and everything it caused."""

    def __init__(self, community: Community, sender: str) -> None:
        self.community, self.sender = community, sender
        self.cloud = community.cloud
        community.cloud.settle()
        self.before = snapshot(self.cloud)
        self.writes = {team: writes(community.workspace(team)) for team in (ALPHA, BETA)}
        self.responses = len(community.workspace(sender).responses())
        self.delivery: Delivery | None = None

    def send(self, deliver: Any) -> "Attempt":
        self.delivery = deliver(self.cloud.events(self.sender))
        assert self.delivery.status == 200
        self.cloud.settle()
        return self

    def changed(self) -> list[str]:
        return changed_tables(self.before, snapshot(self.cloud))

    def new_writes(self) -> dict[str, int]:
        return {team: writes(self.community.workspace(team)) - n for team, n in self.writes.items()}

    def replies(self) -> list[str]:
        """What the sender saw: replies through the response_url, and the HTTP answer itself
        (a modal submission's errors or updated view are read by the person who submitted)."""
        shown = [text_of(r) for r in self.community.workspace(self.sender).responses()[self.responses :]]
        body = self.delivery.body.strip() if self.delivery is not None else ""
        if body.startswith("{"):
            answer = json.loads(body)
            shown += [str(error) for error in (answer.get("errors") or {}).values()]
            if answer.get("view"):
                shown.append(text_of(answer["view"]))
        elif body:
            shown.append(body)
        return shown

    def assert_refused(self) -> None:
        assert self.changed() == []
        assert self.new_writes() == {ALPHA: 0, BETA: 0}
        assert leaked_into(self.community.workspace(self.sender), self.community.other(self.sender)) == []
        shown = self.replies()
        assert shown and all(text in REFUSALS for text in shown), shown


def _block_action(events: Any, user: str, action_id: str, value: str) -> dict[str, Any]:
    return events.click_payload(user, action_id, value)


# ---------------------------------------------------------------------------- 1. buttons and modals


def test_an_admin_of_one_workspace_cannot_adopt_anothers_theme_through_a_slack_connect_shape(
    community: Community,
) -> None:
    """`team.id` names Beta while `view.app_installed_team_id` names Alpha: Bolt authorizes
    Alpha (so Alpha's token and Alpha's admin rights), the payload's team field says Beta."""
    theme = community.theme_ids[BETA][0]

    def deliver(events: Any) -> Delivery:
        payload = _block_action(events, ALPHA_ADMIN, "theme_adopt", str(theme))
        payload["team"]["id"] = BETA
        payload["view"] = {"id": "V0FORGED1", "type": "modal", "app_installed_team_id": ALPHA}
        return events.send_interaction(payload)

    Attempt(community, ALPHA).send(deliver).assert_refused()


def test_a_top_level_team_id_naming_another_workspace_cannot_dismiss_its_theme(community: Community) -> None:
    theme = community.theme_ids[BETA][0]

    def deliver(events: Any) -> Delivery:
        payload = _block_action(events, ALPHA_ADMIN, "theme_dismiss", str(theme))
        payload["team_id"] = BETA
        return events.send_interaction(payload)

    Attempt(community, ALPHA).send(deliver).assert_refused()


def test_an_admin_of_one_workspace_cannot_swap_members_in_anothers_match_proposal(
    community: Community,
) -> None:
    beta_people = list(PEOPLE[BETA])

    def deliver(events: Any) -> Delivery:
        values = {
            "a": {"type": "users_select", "selected_user": beta_people[0]},
            "b": {"type": "users_select", "selected_user": beta_people[-1]},
        }
        payload = events.submission_payload(ALPHA_ADMIN, community.swap_view[BETA], values)
        payload["team"]["id"] = BETA
        payload["view"]["app_installed_team_id"] = ALPHA
        return events.send_interaction(payload)

    Attempt(community, ALPHA).send(deliver).assert_refused()


# ---------------------------------------------------------------------------- 2. events


def _envelope(events: Any, event: dict[str, Any], team_id: str) -> dict[str, Any]:
    envelope = events.event_envelope(event)
    envelope["team_id"] = team_id  # authorizations[0].team_id still names the sender's workspace
    return envelope


def test_app_home_opened_naming_another_workspace_publishes_nothing(community: Community) -> None:
    """`team_id` Beta, `authorizations[0].team_id` Alpha: an Alpha admin's Home must not
    show Beta's community figures."""

    def deliver(events: Any) -> Delivery:
        return events.send_event(_envelope(events, events.home_event(ALPHA_ADMIN), BETA))

    attempt = Attempt(community, ALPHA).send(deliver)
    assert attempt.changed() == []
    assert attempt.new_writes() == {ALPHA: 0, BETA: 0}


def test_a_dm_sent_in_one_workspace_is_never_stored_as_anothers_answer(community: Community) -> None:
    def deliver(events: Any) -> Delivery:
        event = events.dm_event(BETA_MEMBER, "ALPHAWORD planted in Beta's answers")
        return events.send_event(_envelope(events, event, BETA))

    attempt = Attempt(community, ALPHA).send(deliver)
    assert attempt.changed() == []
    assert attempt.new_writes() == {ALPHA: 0, BETA: 0}
    with community.cloud.db.session() as session:
        assert not [a for a in session.exec(select(Answer)).all() if "planted" in a.text]


# ---------------------------------------------------------------------------- 3. slash commands


def _command_naming(events: Any, user: str, text: str, team_id: str) -> Delivery:
    fields = events.command_fields(user, text)
    fields["team"] = fields["team_id"]  # what Bolt authorizes by
    fields["team_id"] = team_id
    return events.send_form(fields)


def test_a_command_naming_another_workspace_shows_none_of_its_digest(community: Community) -> None:
    attempt = Attempt(community, ALPHA).send(
        lambda events: _command_naming(events, ALPHA_ADMIN, "digest preview", BETA)
    )
    assert leaked_into(community.workspace(ALPHA), BETA) == []
    attempt.assert_refused()


def test_a_command_naming_another_workspace_makes_nobody_its_facilitator(community: Community) -> None:
    attempt = Attempt(community, ALPHA).send(
        lambda events: _command_naming(events, ALPHA_ADMIN, f"facilitators add <@{ALPHA_ADMIN}>", BETA)
    )
    with community.cloud.db.session() as session:
        assert session.get(Facilitator, (BETA, ALPHA_ADMIN)) is None
    attempt.assert_refused()


# ---------------------------------------------------------------------------- 4. after an uninstall


def _uninstall(community: Community, team: str) -> None:
    community.cloud.cloud.uninstall(team)
    assert community.cloud.events(team).event({"type": "app_uninstalled"}).status == 200
    community.cloud.settle()
    assert not community.cloud.runtime.serves(team)


def test_after_an_uninstall_the_same_shapes_still_change_and_show_nothing(community: Community) -> None:
    _uninstall(community, BETA)
    theme = community.theme_ids[BETA][0]

    def adopt(events: Any) -> Delivery:
        payload = _block_action(events, ALPHA_ADMIN, "theme_adopt", str(theme))
        payload["team_id"] = BETA
        return events.send_interaction(payload)

    Attempt(community, ALPHA).send(adopt).assert_refused()

    def home(events: Any) -> Delivery:
        return events.send_event(_envelope(events, events.home_event(ALPHA_ADMIN), BETA))

    attempt = Attempt(community, ALPHA).send(home)
    assert attempt.changed() == [] and attempt.new_writes() == {ALPHA: 0, BETA: 0}


def _revoked_calls(cloud: CloudSlack) -> int:
    return sum(1 for call in cloud.cloud.calls if call.response.get("error") == "token_revoked")


def test_a_round_in_flight_stops_calling_slack_once_the_workspace_uninstalls(
    database_url: str, clock: ManualClock
) -> None:
    with CloudSlack(database_url, clock=clock) as cloud:
        add_workspaces(cloud)
        beta = cloud.cloud.workspace(BETA)
        crowd = [f"UBCROWD{i:02d}" for i in range(40)]
        for user_id in crowd:
            beta.add_user(user_id, name=user_id.lower())
        assert cloud.install(BETA, BETA_ADMIN).status == 200
        for user_id in crowd:
            cloud.command(BETA, user_id, "join")
        lane_workers = 2  # 4 messages a second, each call in flight for at most half a second
        assert cloud.events(BETA).command(BETA_ADMIN, "checkin now").status == 200
        wait_for(lambda: sum(1 for u in crowd if beta.messages_to(u)) >= 3, timeout=20)
        cloud.cloud.uninstall(BETA)  # Slack revokes the token the moment it happens...
        assert cloud.events(BETA).event({"type": "app_uninstalled"}).status == 200  # ...then says so
        cloud.settle()
        sent = sum(1 for u in crowd if beta.messages_to(u))
        assert sent < len(crowd)  # the round really was cut short
        # At most the sends already in flight, plus the one call that confirms the uninstall.
        assert _revoked_calls(cloud) <= lane_workers + 1


def test_a_tick_caught_mid_uninstall_logs_one_line_and_no_traceback(
    community: Community, caplog: pytest.LogCaptureFixture
) -> None:
    cloud = community.cloud
    cloud.cloud.uninstall(BETA)  # revoked at Slack; the app_uninstalled event is not here yet
    community.clock.set(MONDAY_NOON)  # a scheduled check-in round is due in both workspaces
    alpha = community.workspace(ALPHA)
    alpha_writes = writes(alpha)
    with caplog.at_level(logging.INFO):
        cloud.tick()
    about_beta = [r for r in caplog.records if BETA in r.getMessage() or "token_revoked" in r.getMessage()]
    assert len(about_beta) == 1, [r.getMessage() for r in about_beta]
    assert about_beta[0].exc_info is None
    assert _revoked_calls(cloud) == 1
    assert not cloud.runtime.serves(BETA)
    assert writes(alpha) > alpha_writes  # the other workspace's round went out as usual


# ---------------------------------------------------------------------------- 5. no workspace from a request


def test_an_event_naming_its_workspace_only_inside_the_event_creates_no_workspace(
    community: Community,
) -> None:
    def deliver(events: Any) -> Delivery:
        event = events.home_event(ALPHA_ADMIN)
        event["team"] = ALPHA
        envelope = events.event_envelope(event)
        del envelope["team_id"], envelope["authorizations"]
        return events.send_event(envelope)

    Attempt(community, ALPHA).send(deliver)
    with community.cloud.db.session() as session:
        assert sorted(w.team_id for w in session.exec(select(Workspace)).all()) == [ALPHA, BETA]
    # Served, as Alpha: the admin's own Home, Alpha's figures.
    home = community.workspace(ALPHA).published_home(ALPHA_ADMIN)
    assert home is not None and leaked_into(community.workspace(ALPHA), BETA) == []


def test_one_bot_token_refuses_requests_naming_a_workspace_it_does_not_serve(
    database_url: str, clock: ManualClock
) -> None:
    with LocalSlack(database_url, clock=clock) as slack:
        slack.api.add_user("UHOME0001", name="hana", real_name="Hana Home", is_admin=True)
        before = len(slack.api.responses())
        fields = slack.events.command_fields("UHOME0001", "join")
        fields["team_id"] = FOREIGN
        assert slack.events.send_form(fields).status == 200
        event = slack.events.event_envelope(slack.events.home_event("UHOME0001"))
        event["team_id"] = "T0HOLD001"
        event["authorizations"][0]["team_id"] = "T0HOLD001"
        assert slack.events.send_event(event).status == 200
        slack.settle()
        with slack.db.session() as session:
            assert [w.team_id for w in session.exec(select(Workspace)).all()] == [slack.team_id]
        replies = [text_of(r) for r in slack.api.responses()[before:]]
        assert replies and all(r in REFUSALS for r in replies), replies
        assert slack.api.published_home("UHOME0001") is None


# ---------------------------------------------------------------------------- 6. duplicates


def test_a_request_id_seen_in_one_workspace_does_not_drop_anothers(community: Community) -> None:
    alpha, beta = community.cloud.events(ALPHA), community.cloud.events(BETA)
    shared = "Ev0SHARED0001"
    assert alpha.event(alpha.home_event(next(iter(PEOPLE[ALPHA]))), event_id=shared).status == 200
    assert beta.event(beta.home_event(BETA_MEMBER), event_id=shared).status == 200
    community.cloud.settle()
    assert community.workspace(BETA).published_home(BETA_MEMBER) is not None


# ---------------------------------------------------------------------------- Slack Connect


def test_an_admin_of_another_workspace_in_a_shared_channel_is_no_facilitator_here(
    community: Community,
) -> None:
    community.cloud.cloud.connect(BETA_ADMIN, home=BETA, guest_in=ALPHA)
    attempt = Attempt(community, ALPHA).send(lambda events: events.command(BETA_ADMIN, "digest preview"))
    assert not any("ALPHAWORD" in shown for shown in attempt.replies())
    attempt.assert_refused()


def test_a_modal_submitted_from_another_workspace_through_slack_connect_is_refused(
    community: Community,
) -> None:
    """Slack's documented shape: `view.app_installed_team_id` is the installing workspace,
    `team.id` and `user.team_id` the person's own."""
    community.cloud.cloud.connect(BETA_ADMIN, home=BETA, guest_in=ALPHA)
    people = list(PEOPLE[BETA])

    def deliver(events: Any) -> Delivery:
        values = {
            "a": {"type": "users_select", "selected_user": people[0]},
            "b": {"type": "users_select", "selected_user": people[-1]},
        }
        payload = events.submission_payload(BETA_ADMIN, community.swap_view[ALPHA], values)
        payload["team"]["id"] = BETA
        payload["user"]["team_id"] = BETA
        payload["view"]["app_installed_team_id"] = ALPHA
        return events.send_interaction(payload)

    Attempt(community, ALPHA).send(deliver).assert_refused()


def test_a_message_from_another_workspace_in_a_shared_conversation_is_not_an_answer(
    community: Community,
) -> None:
    community.cloud.cloud.connect(BETA_MEMBER, home=BETA, guest_in=ALPHA)

    def deliver(events: Any) -> Delivery:
        event = events.dm_event(BETA_MEMBER, "BETAWORD said in a shared conversation")
        event["user_team"] = event["source_team"] = BETA
        return events.send_event(events.event_envelope(event))

    attempt = Attempt(community, ALPHA).send(deliver)
    assert attempt.changed() == []
    assert attempt.new_writes() == {ALPHA: 0, BETA: 0}
