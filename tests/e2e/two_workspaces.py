"""Two workspaces, Alpha and Beta, each installed through the real OAuth flow behind one
deployment, each with a live week: members who joined and answered (with words only their
own workspace may ever see), a proposed emerging theme, an unsent match proposal, a
coordinators' channel, a convening its members are going to with a proposed seating plan,
and the facilitator's drill-down of untagged answers (with *Retag*). What the
tenant-isolation tests attack."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel, select

from bot.core.clock import ManualClock
from bot.tagging import pipeline, themes
from standins.cloud_harness import CloudSlack
from standins.harness import wait_for
from standins.slack_api import SlackStandIn
from storage.models import Consent, Convening, PainPoint
from tests import factories
from tests.e2e.conftest import consent, text_of

ALPHA, BETA = "T0ALPHA01", "T0BETA001"
FOREIGN = "T0FOREIGN"  # a workspace that never installed Convene
NAMES = {ALPHA: "Ministry of Alpha", BETA: "Beta Agency"}
ADMINS = {ALPHA: ("UAADMIN01", "Ada Alpha"), BETA: ("UBADMIN01", "Bea Beta")}
CHANNELS = {ALPHA: "C0ALPHACO", BETA: "C0BETACOO"}
WORDS = {ALPHA: "ALPHAWORD", BETA: "BETAWORD"}  # in every answer: a leak is easy to see
PEOPLE = {
    # user id: (name, time zone, country, pains)
    ALPHA: {
        "UAMEM0001": ("Anita Alvarez", "America/Bogota", "Colombia", ["funding"]),
        "UAMEM0002": ("Arturo Alba", "Europe/Madrid", "Spain", ["funding", "time"]),
        "UAMEM0003": ("Aiko Aoki", "Asia/Tokyo", "Japan", ["political_will"]),
        "UAMEM0004": ("Amara Achebe", "Africa/Lagos", "Nigeria", ["political_will", "time"]),
    },
    BETA: {
        "UBMEM0001": ("Bruno Bianchi", "Europe/Rome", "Italy", ["staff_turnover"]),
        "UBMEM0002": ("Birgit Berg", "Europe/Oslo", "Norway", ["staff_turnover", "time"]),
        "UBMEM0003": ("Bayani Bautista", "Asia/Manila", "Philippines", ["funding"]),
        "UBMEM0004": ("Beatriz Borges", "America/Sao_Paulo", "Brazil", ["funding", "time"]),
    },
}  # fmt: skip
# Rows that record traffic rather than anyone's data: the inbound duplicate check and the
# OAuth stores (an install writes them), plus the scheduler lease.
TRAFFIC_TABLES = {"seenrequest", "slack_installations", "slack_bots", "slack_oauth_states", "schedulerlease"}
WRITE_CALLS = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "conversations.open",
    "views.open",
    "views.update",
    "views.publish",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
)


@dataclass
class Community:
    cloud: CloudSlack
    clock: ManualClock
    # Per workspace: the admin's `/convene pains` reply (adopt/dismiss buttons on a proposed
    # theme), `/convene match preview` reply (swap button), the swap modal as Slack stored it.
    pains: dict[str, dict[str, Any]] = field(default_factory=dict)
    preview: dict[str, dict[str, Any]] = field(default_factory=dict)
    swap_view: dict[str, dict[str, Any]] = field(default_factory=dict)
    theme_ids: dict[str, list[int]] = field(default_factory=dict)
    # Per workspace: a member's convening invitation (RSVP buttons), the admin's seating
    # preview (move / send buttons), its move modal, the convening's id; the admin's
    # drill-down of untagged answers (*Retag* buttons) and the retag modal of one of them.
    invite: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    move_view: dict[str, dict[str, Any]] = field(default_factory=dict)
    convening_id: dict[str, int] = field(default_factory=dict)
    untagged: dict[str, dict[str, Any]] = field(default_factory=dict)
    retag_view: dict[str, dict[str, Any]] = field(default_factory=dict)

    def workspace(self, team_id: str) -> SlackStandIn:
        return self.cloud.cloud.workspace(team_id)

    def other(self, team_id: str) -> str:
        return BETA if team_id == ALPHA else ALPHA


def add_workspaces(cloud: CloudSlack) -> None:
    for team, name in NAMES.items():
        ws = cloud.add_workspace(team, name)
        admin, admin_name = ADMINS[team]
        ws.add_user(admin, name=admin_name.split()[0].lower(), real_name=admin_name, is_admin=True)
        for user_id, (real_name, tz, _country, _pains) in PEOPLE[team].items():
            ws.add_user(user_id, name=real_name.split()[0].lower(), real_name=real_name, tz=tz)
        ws.add_channel(CHANNELS[team], name="coordinators", members=[admin])


def build(cloud: CloudSlack, clock: ManualClock) -> Community:
    """Install in both, and give each workspace a week of real use through Slack."""
    community = Community(cloud, clock)
    for team in NAMES:
        admin = ADMINS[team][0]
        assert cloud.install(team, admin).status == 200
        cloud.command(team, admin, "setup", channel_id=CHANNELS[team])
        for user_id, (_name, _tz, country, _pains) in PEOPLE[team].items():
            reply = cloud.command(team, user_id, "join")
            view = cloud.click_for_view(team, user_id, reply, "profile_open")
            values = {
                "country": {"type": "plain_text_input", "value": country},
                "agency": {"type": "plain_text_input", "value": f"{NAMES[team]} office"},
            }
            cloud.events(team).submit_view(user_id, view, values)
        cloud.command(team, admin, "checkin now")
    for team in NAMES:
        _answer_round(cloud, team)
        _propose_a_theme(cloud, team, clock)
    clock.advance(timedelta(minutes=5))
    for team in NAMES:
        admin = ADMINS[team][0]
        community.pains[team] = cloud.command(team, admin, "pains")
        community.preview[team] = cloud.command(team, admin, "match preview")
        community.swap_view[team] = cloud.click_for_view(team, admin, community.preview[team], "match_swap")
        with cloud.db.session() as session:
            community.theme_ids[team] = [t.id or 0 for t, _ in themes.proposed(session, team)]
        assert community.theme_ids[team], team
        _plan_a_convening(cloud, community, team)
        _open_a_retag(cloud, community, team)
    cloud.settle()
    return community


def _plan_a_convening(cloud: CloudSlack, community: Community, team: str) -> None:
    ws = cloud.cloud.workspace(team)
    admin = ADMINS[team][0]
    cloud.command(team, admin, f'convening add "{NAMES[team]} meeting" 2027-03-10 Tbilisi')
    cloud.command(team, admin, "convening invite")
    for user_id in PEOPLE[team]:
        invite = wait_for(
            lambda u=user_id: [m for m in ws.messages_to(u) if "convening_going" in str(m)], timeout=10
        )[-1]
        before = len(ws.responses())
        cloud.events(team).click_button_in(user_id, invite, "convening_going")
        wait_for(lambda before=before: ws.responses()[before:], timeout=10)
        community.invite.setdefault(team, invite)
    community.tables[team] = cloud.command(team, admin, "convening tables 2")
    community.move_view[team] = cloud.click_for_view(team, admin, community.tables[team], "convening_move")
    with cloud.db.session() as session:
        convening = session.exec(select(Convening).where(Convening.team_id == team)).one()
        community.convening_id[team] = convening.id or 0


def _open_a_retag(cloud: CloudSlack, community: Community, team: str) -> None:
    ws = cloud.cloud.workspace(team)
    admin = ADMINS[team][0]
    before = len(ws.responses())
    cloud.events(team).choose_in(admin, community.pains[team], "pains_answers", "none")
    community.untagged[team] = wait_for(lambda: ws.responses()[before:], timeout=10)[0]
    community.retag_view[team] = cloud.click_for_view(team, admin, community.untagged[team], "answer_retag")


def _answer_round(cloud: CloudSlack, team: str) -> None:
    ws = cloud.cloud.workspace(team)
    with cloud.db.session() as session:
        pain_ids = {
            p.slug: p.id for p in session.exec(select(PainPoint).where(PainPoint.team_id == team)).all()
        }
    yes = [{"text": {"type": "plain_text", "text": "yes"}, "value": "yes"}]
    for n, (user_id, (_name, _tz, _country, pains)) in enumerate(PEOPLE[team].items(), start=1):
        message = wait_for(lambda u=user_id: [m for m in ws.messages_to(u) if "checkin_answer" in str(m)])[-1]
        view = cloud.click_for_view(team, user_id, message, "checkin_answer")
        words = f"{WORDS[team]}-{n} our budget and our people are stretched thin"
        options = [{"text": {"type": "plain_text", "text": s}, "value": str(pain_ids[s])} for s in pains]
        cloud.events(team).submit_view(
            user_id,
            view,
            {
                "challenge": {"type": "plain_text_input", "value": words},
                "pains": {"type": "multi_static_select", "selected_options": options},
                "match": {"type": "checkboxes", "selected_options": yes},
                "consent": consent(Consent.QUOTE_ANONYMOUSLY),
            },
        )


def _propose_a_theme(cloud: CloudSlack, team: str, clock: ManualClock) -> None:
    now = clock.now()
    texts = [f"{WORDS[team]} access to information requests pile up, case {i}" for i in range(4)]
    factories.answers(
        cloud.db, texts, now, consent=Consent.QUOTE_ANONYMOUSLY, team_id=team, authors=len(texts)
    )
    with cloud.db.session() as session:
        pipeline.tag_pending(session, team, cloud.runtime.tagger, now)
        assert themes.propose(session, team, f"{team}-week", now)


# ---------------------------------------------------------------------------- observing


def snapshot(cloud: CloudSlack) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds a community's data, in a comparable form."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in TRAFFIC_TABLES]
    with cloud.db.engine.connect() as connection:
        rows = {t.name: sorted(map(tuple, connection.execute(t.select()).all()), key=repr) for t in tables}
        installs = connection.execute(text("SELECT team_id FROM slack_bots ORDER BY team_id")).all()
    return rows | {"installed": [tuple(r) for r in installs]}


def changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def writes(ws: SlackStandIn) -> int:
    """Calls that change what someone in the workspace sees, made with its bot token."""
    return sum(len(ws.calls_to(method)) for method in WRITE_CALLS)


def visible_text(ws: SlackStandIn) -> str:
    """Everything anyone in a workspace could read that Convene sent there."""
    seen: list[Any] = [ws.responses(), ws.open_views()]
    for user_id in ws.users:
        seen += [ws.messages_to(user_id), ws.ephemeral_to(user_id), ws.published_home(user_id)]
    for channel in CHANNELS.values():
        seen.append(ws.messages_to(channel))
    seen += [(f["title"], f["initial_comment"]) for f in ws.uploaded_files()]
    return "\n".join(text_of({"blocks": item}) for item in seen)


def markers(team: str) -> list[str]:
    """Strings only workspace `team`'s own people may ever read."""
    people = PEOPLE[team]
    return [WORDS[team], NAMES[team], ADMINS[team][1], *people, *(p[0] for p in people.values())]


def leaked_into(ws: SlackStandIn, source_team: str) -> list[str]:
    shown = visible_text(ws)
    return [marker for marker in markers(source_team) if marker in shown]
