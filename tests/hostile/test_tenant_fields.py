"""Every workspace-bearing field of real payloads, mutated. Two workspaces are installed
through the real OAuth flow and live a week each (tests/e2e/two_workspaces.py); each
example takes a real payload Slack would send (slash commands, buttons, modal submissions,
events, and the Slack Connect shapes of a person from the other workspace), rewrites any of
its workspace and org fields (to the same workspace, the other one, one that never
installed, an org id, empty, null, the wrong type, or away), signs it and sends it.

Whatever happens, observed only from outside (the database, the Slack stand-ins' recorded
calls, what each person can read): the workspace whose data is read or changed, the
workspace whose token calls Slack and the workspace of the person acting are the same, or
the request changed nothing, wrote nothing and showed nothing of anyone else's."""

import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData
from sqlalchemy import inspect as sa_inspect
from sqlmodel import SQLModel

from bot.core.clock import ManualClock
from bot.core.texts import Texts
from standins.cloud_harness import CloudSlack
from standins.slack_api import SlackStandIn
from standins.slack_events import Delivery, SlackEvents, find_element
from tests.e2e.conftest import text_of
from tests.e2e.two_workspaces import (
    ADMINS,
    ALPHA,
    BETA,
    FOREIGN,
    PEOPLE,
    WORDS,
    WRITE_CALLS,
    Community,
    add_workspaces,
    build,
    markers,
)
from tests.hostile import tally
from tests.hostile.conftest import LogCapture

pytestmark = pytest.mark.e2e

TEAMS = (ALPHA, BETA)
ORG = "E0ORG0001"
TEXTS = Texts.load()
NOT_INSTALLED = TEXTS.get("install.not_installed")
IGNORED_TABLES = {"seenrequest", "schedulerlease"}
INSTALL_TABLES = ["slack_installations", "slack_bots"]
PROPERTY = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# What Slack Connect and Enterprise Grid put in payloads, by the kind of request. A path ends
# where the value goes; `[0]` indexes a list.
FORM_FIELDS = ("team_id", "team", "enterprise_id", "user_team", "is_enterprise_install")
INTERACTION_FIELDS = (
    "team.id", "team_id", "user.team_id", "user_team", "view.team_id", "view.app_installed_team_id",
    "enterprise", "enterprise_id", "team.enterprise_id", "is_enterprise_install", "message.team",
    "message.user_team", "authorizations[0].team_id",
)  # fmt: skip
EVENT_FIELDS = (
    "team_id", "authorizations[0].team_id", "authorizations[0].enterprise_id",
    "authorizations[0].is_enterprise_install", "event.team", "event.user_team", "event.source_team",
    "enterprise_id", "context_team_id", "context_enterprise_id", "team",
)  # fmt: skip
REMOVE = object()


@dataclass(frozen=True)
class Template:
    """A real request: from which workspace's Slack (`sender`), by whom (`user`, whose own
    workspace is `home`; "" when nobody acts), of which `kind` (form, interaction, event)."""

    name: str
    kind: str
    sender: str
    user: str
    home: str
    payload: Callable[[SlackEvents], dict[str, Any]]  # a fresh one each time (new trigger ids)


@pytest.fixture
def community(database_url: str, clock: ManualClock) -> Iterator[Community]:
    with CloudSlack(database_url, clock=clock) as cloud:
        add_workspaces(cloud)
        yield build(cloud, clock)


def _templates(community: Community) -> list[Template]:
    found: list[Template] = []
    for team in TEAMS:
        found += _own_templates(community, team)
        found += _cross_templates(community, team)
    # Slack Connect: a person of one workspace acting in the other's shared channel, in the
    # shapes Slack documents (their own team in team/user fields, the host's installation).
    for host in TEAMS:
        found += _guest_templates(community, host)
    return found


def _own_templates(community: Community, team: str) -> list[Template]:
    admin = ADMINS[team][0]
    member, other_member = list(PEOPLE[team])[:2]
    ws = community.workspace(team)
    theme = str(community.theme_ids[team][0])
    checkin = next(m for m in reversed(ws.messages_to(member)) if "checkin_edit" in json.dumps(m))
    preview, swap_view = community.preview[team], community.swap_view[team]
    swap_values = {
        "a": {"type": "users_select", "selected_user": member},
        "b": {"type": "users_select", "selected_user": list(PEOPLE[team])[-1]},
    }
    commands = [("me", member), ("help", member), ("join", other_member), ("pause 2", other_member),
                ("pains", admin), ("digest preview", admin), ("members", admin), ("match preview", admin),
                (f"facilitators add <@{member}>", admin), ("convening", admin), ("setup retention 6", admin),
                ("setup raw-answers on", admin)]  # fmt: skip
    convening = str(community.convening_id[team])
    invite, tables = community.invite[team], community.tables[team]
    move_values = {
        "member": {"type": "users_select", "selected_user": member},
        "swap": {"type": "users_select", "selected_user": other_member},
    }
    retag_view = community.retag_view[team]
    retag_values = {"pains_0": {"type": "checkboxes", "selected_options": [_first_option(retag_view)]}}
    harvest_view = _harvest_view(community.convening_id[team])
    harvest_values = {"try": {"type": "plain_text_input", "value": f"{WORDS[team]} will try"}}

    def own(name: str, kind: str, user: str, build: Callable[[SlackEvents], dict[str, Any]]) -> Template:
        return Template(name, kind, team, user, team, build)

    found = [
        own(f"/convene {text.split(' <')[0]}", "form", who, partial(_command, who, text))
        for text, who in commands
    ]
    found += [
        own("theme_adopt", "interaction", admin, partial(_click, admin, "theme_adopt", theme)),
        own("theme_dismiss", "interaction", admin, partial(_click, admin, "theme_dismiss", theme)),
        own("match_swap", "interaction", admin, partial(_button, admin, preview, "match_swap")),
        own("checkin_edit", "interaction", member, partial(_button, member, checkin, "checkin_edit")),
        own("home_matching", "interaction", member, partial(_click, member, "home_matching", "off")),
        own("profile_open", "interaction", member, partial(_click, member, "profile_open", "join")),
        own("match_swap_modal", "interaction", admin, partial(_submission, admin, swap_view, swap_values)),
        own("convening_going", "interaction", member, partial(_button, member, invite, "convening_going")),
        own(
            "convening_not_going",
            "interaction",
            member,
            partial(_button, member, invite, "convening_not_going"),
        ),
        own("convening_move", "interaction", admin, partial(_button, admin, tables, "convening_move")),
        own("convening_send", "interaction", admin, partial(_button, admin, tables, "convening_send")),
        own(
            "convening_move_modal",
            "interaction",
            admin,
            partial(_submission, admin, community.move_view[team], move_values),
        ),
        own(
            "convening_harvest",
            "interaction",
            member,
            partial(_click, member, "convening_harvest", convening),
        ),
        own(
            "convening_harvest_modal",
            "interaction",
            member,
            partial(_submission, member, harvest_view, harvest_values),
        ),
        own(
            "convening_tried_yes",
            "interaction",
            member,
            partial(_click, member, "convening_tried_yes", convening),
        ),
        own(
            "pains_answers",
            "interaction",
            admin,
            partial(_choose, admin, community.pains[team], "pains_answers", "none"),
        ),
        own(
            "answer_retag",
            "interaction",
            admin,
            partial(_button, admin, community.untagged[team], "answer_retag"),
        ),
        own(
            "answer_retag_modal", "interaction", admin, partial(_submission, admin, retag_view, retag_values)
        ),
        own(
            "home_consent_default",
            "interaction",
            member,
            partial(_select, member, "home_consent_default", "quote_anonymously"),
        ),
        own("DM answer", "event", member, partial(_dm, member, f"{team} answered")),
        own("app_home_opened", "event", admin, partial(_home, admin)),
        # Nobody acts in an uninstall notice: it may change nothing unless Slack confirms it
        # (here Slack never does: every token stays good).
        Template("app_uninstalled", "event", team, "", "", partial(_event, {"type": "app_uninstalled"})),
    ]
    return found


def _cross_templates(community: Community, team: str) -> list[Template]:
    """What an attacker in `team` sends: the other workspace's ids in `team`'s payloads."""
    other = community.other(team)
    admin = ADMINS[team][0]
    theirs = list(PEOPLE[other])
    ours = next(iter(PEOPLE[team]))
    values = {
        "a": {"type": "users_select", "selected_user": theirs[0]},
        "b": {"type": "users_select", "selected_user": theirs[-1]},
    }
    theme = str(community.theme_ids[other][0])
    return [
        Template("theme_adopt, the other's theme", "interaction", team, admin, team,
                 partial(_click, admin, "theme_adopt", theme)),
        Template("match_swap_modal, the other's proposal", "interaction", team, admin, team,
                 partial(_submission, admin, community.swap_view[other], values)),
        Template("DM answer as the other's member", "event", team, theirs[0], other,
                 partial(_dm, theirs[0], f"{team} planted this")),
        Template("/convene digest preview, the other's admin", "form", team, ADMINS[other][0], other,
                 partial(_command, ADMINS[other][0], "digest preview")),
        Template("convening_send, the other's convening", "interaction", team, admin, team,
                 partial(_click, admin, "convening_send", str(community.convening_id[other]))),
        Template("convening_going, the other's convening", "interaction", team, ours, team,
                 partial(_click, ours, "convening_going", str(community.convening_id[other]))),
        Template("answer_retag_modal, the other's answer", "interaction", team, admin, team,
                 partial(_submission, admin, community.retag_view[other], {})),
        Template("convening_move_modal, the other's plan", "interaction", team, admin, team,
                 partial(_submission, admin, community.move_view[other], {
                     "member": {"type": "users_select", "selected_user": theirs[0]},
                     "swap": {"type": "users_select", "selected_user": theirs[-1]}})),
    ]  # fmt: skip


def _guest_templates(community: Community, host: str) -> list[Template]:
    home = community.other(host)
    guest = list(PEOPLE[home])[2]
    community.cloud.cloud.connect(guest, home=home, guest_in=host)
    theme = str(community.theme_ids[host][0])
    swap_view = community.swap_view[host]
    return [
        Template("Slack Connect command", "form", host, guest, home, partial(_command, guest, "me")),
        Template("Slack Connect button", "interaction", host, guest, home,
                 partial(_guest_click, guest, home, theme)),
        Template("Slack Connect modal", "interaction", host, guest, home,
                 partial(_guest_submission, guest, home, host, swap_view)),
        Template("Slack Connect message", "event", host, guest, home, partial(_guest_event, guest, home)),
    ]  # fmt: skip


def _command(user: str, text: str, events: SlackEvents) -> dict[str, Any]:
    return events.command_fields(user, text)


def _click(user: str, action_id: str, value: str, events: SlackEvents) -> dict[str, Any]:
    return events.click_payload(user, action_id, value)


def _submission(
    user: str, view: dict[str, Any], values: dict[str, dict[str, Any]], events: SlackEvents
) -> dict[str, Any]:
    return events.submission_payload(user, view, values)


def _choose(
    user: str, message: dict[str, Any], action_id: str, value: str, events: SlackEvents
) -> dict[str, Any]:
    return events.payloads.choose_in(user, message, action_id, value, message.get("channel"))


def _select(user: str, action_id: str, value: str, events: SlackEvents) -> dict[str, Any]:
    """A choice in an App Home menu."""
    payload = events.click_payload(user, action_id, "")
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["actions"] = [{"action_id": action_id, "block_id": "b", "type": "static_select",
                           "selected_option": {"value": value}}]  # fmt: skip
    return payload


def _first_option(view: dict[str, Any]) -> dict[str, Any]:
    return next(o for b in view["blocks"] if b["type"] == "input" for o in b["element"]["options"])


def _harvest_view(convening_id: int) -> dict[str, Any]:
    """The harvest form as Slack would hold it (a member who was there opens it)."""
    return {"id": "VHARVEST", "type": "modal", "callback_id": "convening_harvest_modal",
            "private_metadata": json.dumps({"convening": convening_id}), "blocks": []}  # fmt: skip


def _dm(user: str, text: str, events: SlackEvents) -> dict[str, Any]:
    return events.event_envelope(events.dm_event(user, text))


def _home(user: str, events: SlackEvents) -> dict[str, Any]:
    return events.event_envelope(events.home_event(user))


def _event(event: dict[str, Any], events: SlackEvents) -> dict[str, Any]:
    return events.event_envelope(dict(event))


def _guest_click(guest: str, home: str, theme: str, events: SlackEvents) -> dict[str, Any]:
    payload = events.click_payload(guest, "theme_dismiss", theme)
    payload["team"]["id"] = payload["user"]["team_id"] = home
    return payload


def _guest_submission(
    guest: str, home: str, host: str, view: dict[str, Any], events: SlackEvents
) -> dict[str, Any]:
    payload = events.submission_payload(guest, view, {})
    payload["team"]["id"] = payload["user"]["team_id"] = home
    payload["view"]["app_installed_team_id"] = host
    return payload


def _button(user: str, message: dict[str, Any], action_id: str, events: SlackEvents) -> dict[str, Any]:
    button = find_element(message.get("blocks") or [], action_id) or {}
    return events.click_payload(
        user, action_id, str(button.get("value", "")), message, message.get("channel")
    )


def _guest_event(guest: str, home: str, events: SlackEvents) -> dict[str, Any]:
    event = events.dm_event(guest, "said by a guest in a shared conversation")
    event["user_team"] = event["source_team"] = home
    envelope = events.event_envelope(event)
    envelope["is_ext_shared_channel"] = True
    return envelope


# ---------------------------------------------------------------------------- mutating


def _values(kind: str, sender: str, path: str) -> st.SearchStrategy[Any]:
    other = BETA if sender == ALPHA else ALPHA
    form = kind == "form"  # a form field is text or absent
    if path.endswith("is_enterprise_install"):
        return st.sampled_from(
            ["false", "true", REMOVE] if form else [False, "false", True, "true", None, REMOVE]
        )
    if "enterprise" in path:
        # Convene is never installed org-wide: an org id mostly makes Bolt find no install.
        return st.sampled_from(["", REMOVE, ORG] if form else [None, "", REMOVE, ORG, {"id": ORG}])
    # The two installed workspaces most of the time: those are the shapes that reach a token.
    names = [sender, other, sender, other, other, FOREIGN, "", REMOVE]
    return st.sampled_from(names if form else [*names, None, 7, {"id": other}, [other]])


def mutations(template: Template) -> st.SearchStrategy[dict[str, Any]]:
    fields = {"form": FORM_FIELDS, "interaction": INTERACTION_FIELDS, "event": EVENT_FIELDS}[template.kind]
    return st.lists(st.sampled_from(fields), max_size=3, unique=True).flatmap(
        lambda paths: st.fixed_dictionaries({p: _values(template.kind, template.sender, p) for p in paths})
    )


def _apply(payload: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for path, value in changes.items():
        steps: list[Any] = []
        for part in path.split("."):
            name, _, index = part.partition("[")
            steps.append(name)
            if index:
                steps.append(int(index.rstrip("]")))
        node: Any = payload
        for step, following in itertools.pairwise(steps):
            if isinstance(node, dict):
                if not isinstance(node.get(step), dict | list):
                    node[step] = [] if isinstance(following, int) else {}
                node = node[step]
            elif isinstance(node, list):
                while len(node) <= step:
                    node.append({})
                if not isinstance(node[step], dict | list):
                    node[step] = {}
                node = node[step]
        last = steps[-1]
        if isinstance(node, dict):
            if value is REMOVE:
                node.pop(last, None)
            else:
                node[last] = value
        elif isinstance(node, list) and value is not REMOVE:
            while len(node) <= last:
                node.append({})
            node[last] = value
    return payload


def _shape(template: Template, changes: dict[str, Any]) -> tuple[Any, ...]:
    """The example with its values reduced to what they mean for its sender."""
    other = BETA if template.sender == ALPHA else ALPHA
    words = {template.sender: "sender", other: "other", FOREIGN: "foreign", ORG: "org", "": "empty"}

    def meaning(value: Any) -> str:
        if value is REMOVE:
            return "removed"
        return words.get(value, "?") if isinstance(value, str) else type(value).__name__

    return (template.name, tuple(sorted((path, meaning(value)) for path, value in changes.items())))


def _send(events: SlackEvents, template: Template, payload: dict[str, Any]) -> Delivery:
    if template.kind == "form":
        return events.send_form({k: str(v) for k, v in payload.items()})
    if template.kind == "interaction":
        return events.send_interaction(payload)
    return events.send_event(payload)


# ---------------------------------------------------------------------------- observing


def _per_team(cloud: CloudSlack) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Every row of community data, attributed to its workspace: by its own `team_id`, or
    through the first foreign key that leads to a row that has one."""
    owners: dict[str, dict[Any, str]] = {}
    out: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    # The installations too (slack-sdk's own tables): an uninstall is a change like any other.
    installs = MetaData()
    installs.reflect(cloud.db.engine, only=INSTALL_TABLES)
    with cloud.db.engine.connect() as connection:
        for table in [*SQLModel.metadata.sorted_tables, *installs.sorted_tables]:
            if table.name in IGNORED_TABLES:
                continue
            key = [c.name for c in sa_inspect(table).primary_key]
            for row in connection.execute(table.select()).mappings():
                team = row.get("team_id")
                if team is None:
                    for column in table.columns:
                        for fk in column.foreign_keys:
                            parent = owners.get(fk.column.table.name, {})
                            if row[column.name] in parent:
                                team = parent[row[column.name]]
                                break
                        if team is not None:
                            break
                team = str(team)
                if len(key) == 1:
                    owners.setdefault(table.name, {})[row[key[0]]] = team
                out.setdefault(team, {}).setdefault(table.name, []).append(tuple(row.values()))
    for tables in out.values():
        for rows in tables.values():
            rows.sort(key=repr)
    return out


@dataclass
class Seen:
    data: dict[str, dict[str, list[tuple[Any, ...]]]]
    calls: dict[str, int]
    writes: dict[str, int]
    responses: dict[str, int]
    shown: dict[str, str]
    log: int


def _look(community: Community, logs: LogCapture) -> Seen:
    cloud = community.cloud
    cloud.settle()
    stands = {team: community.workspace(team) for team in TEAMS}
    return Seen(
        data=_per_team(cloud),
        calls={t: len(ws.calls) for t, ws in stands.items()},
        writes={t: sum(len(ws.calls_to(m)) for m in WRITE_CALLS) for t, ws in stands.items()},
        responses={t: len(ws.responses()) for t, ws in stands.items()},
        shown={t: _shown_by_token(ws) for t, ws in stands.items()},
        log=logs.mark(),
    )


def _shown_by_token(ws: SlackStandIn) -> str:
    seen: list[Any] = [ws.open_views()]
    for user_id in ws.users:
        seen += [ws.messages_to(user_id), ws.ephemeral_to(user_id), ws.published_home(user_id)]
    return text_of({"blocks": seen})


def _foreign_markers(text: str, own: str) -> list[str]:
    return [m for team in TEAMS if team != own for m in markers(team) if m in text]


def test_any_workspace_field_mutated_reads_writes_and_calls_in_one_workspace_or_nothing(
    community: Community, debug_logs: LogCapture
) -> None:
    templates = _templates(community)
    outcomes: Counter[str] = Counter()
    shapes: set[tuple[Any, ...]] = set()

    @PROPERTY
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        template = data.draw(st.sampled_from(templates), label="template")
        changes = data.draw(mutations(template), label="changes")
        outcome = _attempt(community, debug_logs, template, changes)
        outcomes[outcome] += 1
        shapes.add(_shape(template, changes))
        tally.count_input(f"workspace fields mutated: {outcome}")

    one_request()
    tally.note_figure("workspace fields mutated: real payload kinds (templates)", len(templates))
    tally.note_figure("workspace fields mutated: distinct shapes tried", len(shapes))
    # A property that only ever refused (or only ever served) would prove nothing.
    assert outcomes["served in the person's own workspace"] > 0
    assert outcomes["refused, fields disagree"] > 0


def _attempt(community: Community, logs: LogCapture, template: Template, changes: dict[str, Any]) -> str:
    events = community.cloud.events(template.sender)
    payload = _apply(template.payload(events), changes)
    before = _look(community, logs)
    delivery = _send(events, template, payload)
    after = _look(community, logs)
    where = (template.name, template.sender, changes)

    assert delivery.status < 500, where
    records = logs.records[before.log :]
    assert not [r for r in records if r.exc_info], where  # no listener failed
    home = template.home
    changed = {t for t in set(before.data) | set(after.data) if before.data.get(t) != after.data.get(t)}
    wrote = {t for t in TEAMS if after.writes[t] > before.writes[t]}
    asked = {t for t in TEAMS if after.calls[t] > before.calls[t]}
    # What the person saw: replies through the response_url (wherever it points) and the
    # HTTP answer itself (a modal's errors or its updated view).
    replies = [
        text_of(r) for t in TEAMS for r in community.workspace(t).responses()[before.responses[t] :]
    ] + [delivery.body]
    # 1. Data read or changed, and Slack written to, only in the person's own workspace.
    assert changed <= {home}, (*where, changed)
    assert wrote <= {home}, (*where, wrote)
    # 2. Any other workspace's token used (to authorize, or to look the person up) means a
    #    refusal: nothing changed and nothing was written.
    if asked - {home}:
        assert not changed and not wrote, where
    # 3. Nobody reads another workspace's people or words: not the person, not anyone in a
    #    workspace whose token sent something.
    assert _foreign_markers("\n".join(replies), home) == [], where
    for team in wrote:
        assert _foreign_markers(after.shown[team], team) == [], where
    return _outcome(records, replies, changed, wrote, asked)


def _outcome(
    records: list[logging.LogRecord], replies: list[str], changed: set[str], wrote: set[str], asked: set[str]
) -> str:
    guard = [r.getMessage() for r in records if r.name == "convene.workspace_guard"]
    if any("disagree" in line for line in guard):
        return "refused, fields disagree"
    if any("another workspace" in line for line in guard):
        return "refused, a person of another workspace"
    if any("could not check" in line for line in guard):
        return "refused, person could not be checked"
    if any(NOT_INSTALLED in reply for reply in replies) or any(
        "should be installed" in r.getMessage() for r in records
    ):
        return "refused by Bolt, no installation for the named workspace"
    if changed or wrote:
        return "served in the person's own workspace"
    if asked:
        return "served, read only"
    return "no effect (ignored by its listener)"
