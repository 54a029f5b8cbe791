"""Distributed mode: Convene installed through Slack's OAuth flow in several workspaces, served
by one deployment (the real Bolt app over HTTP, as `convene serve` runs it) on one database,
against a Slack stand-in hosting several workspaces."""

import csv
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.installations import DEFAULT_SCOPES, NotInstalled
from bot.core.texts import Texts
from standins.cloud_harness import CloudSlack, browse, state_cookie
from standins.harness import wait_for
from standins.slack_api import SlackStandIn
from storage.models import Answer, Facilitator, Member, PainPoint, Workspace
from tests.e2e.conftest import text_of

pytestmark = pytest.mark.e2e

ALPHA, BETA = "T0ALPHA01", "T0BETA001"
ALPHA_ADMIN, BETA_ADMIN = "UAADMIN01", "UBADMIN01"
ALPHA_MEMBERS = {"UAMEM0001": "Anita Alvarez", "UAMEM0002": "Arturo Alba", "UAMEM0003": "Aiko Aoki"}
BETA_MEMBERS = {"UBMEM0001": "Bruno Bianchi", "UBMEM0002": "Birgit Berg"}
ALPHA_CHANNEL, BETA_CHANNEL = "C0ALPHACO", "C0BETACOO"
MONDAY_9_UTC = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TEXTS = Texts.load()


def _workspace(local: CloudSlack, team_id: str, name: str, admin: tuple[str, str], people: dict) -> None:
    ws = local.add_workspace(team_id, name)
    ws.add_user(admin[0], name=admin[1].split()[0].lower(), real_name=admin[1], is_admin=True)
    for user_id, real_name in people.items():
        ws.add_user(user_id, name=real_name.split()[0].lower(), real_name=real_name)


@pytest.fixture
def cloud(database_url: str, clock: ManualClock) -> Iterator[CloudSlack]:
    with CloudSlack(database_url, clock=clock) as local:
        _workspace(local, ALPHA, "Ministry of Alpha", (ALPHA_ADMIN, "Ada Alpha"), ALPHA_MEMBERS)
        _workspace(local, BETA, "Beta Agency", (BETA_ADMIN, "Bea Beta"), BETA_MEMBERS)
        local.cloud.workspace(ALPHA).add_channel(
            ALPHA_CHANNEL, name="alpha-coordinators", members=[ALPHA_ADMIN]
        )
        local.cloud.workspace(BETA).add_channel(BETA_CHANNEL, name="beta-coordinators", members=[BETA_ADMIN])
        yield local


def _installations(local: CloudSlack) -> list[tuple[str, str]]:
    with local.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, team_name FROM slack_installations ORDER BY team_id"))
        return [(row[0], row[1]) for row in rows]


def _stored_states(local: CloudSlack) -> int:
    with local.db.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM slack_oauth_states")).scalar_one())


def _visible(ws: SlackStandIn) -> str:
    """Everything anyone in a workspace could read that Convene sent there."""
    seen: list[object] = [ws.responses(), ws.open_views()]
    for user_id in ws.users:
        seen += [ws.messages_to(user_id), ws.ephemeral_to(user_id), ws.published_home(user_id)]
    for channel in (ALPHA_CHANNEL, BETA_CHANNEL):
        seen.append(ws.messages_to(channel))
    seen += [(f["title"], f["initial_comment"]) for f in ws.uploaded_files()]
    return "\n".join(text_of({"text": item}) if isinstance(item, str) else _all_text(item) for item in seen)


def _all_text(node: object) -> str:
    if isinstance(node, dict):
        return "\n".join(_all_text(v) for v in node.values())
    if isinstance(node, list | tuple):
        return "\n".join(_all_text(v) for v in node)
    return node if isinstance(node, str) else ""


# ---------------------------------------------------------------------------- installing


def test_the_install_link_sends_the_installer_to_slack_with_convenes_scopes_and_a_state_cookie(
    cloud: CloudSlack,
) -> None:
    page = cloud.start_install()
    assert page.status == 302
    location = urlsplit(page.header("location") or "")
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://slack.com/oauth/v2/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == cloud.cloud.client_id
    assert query["scope"].split(",") == list(DEFAULT_SCOPES)
    cookie = state_cookie(page)
    assert cookie == f"slack-app-oauth-state={query['state']}"
    assert "HttpOnly" in (page.header("set-cookie") or "") and "Secure" in (page.header("set-cookie") or "")
    assert _stored_states(cloud) == 1  # in the database: any instance can finish the install


def test_approving_the_install_stores_the_token_and_prepares_the_workspace(cloud: CloudSlack) -> None:
    page = cloud.install(ALPHA, ALPHA_ADMIN)

    assert page.status == 200 and "Thank you" in page.body
    assert _installations(cloud) == [(ALPHA, "Ministry of Alpha")]
    exchanges = [c for c in cloud.cloud.calls if c.method == "oauth.v2.access"]
    assert [c.status for c in exchanges] == [200]  # through SLACK_API_BASE_URL, not slack.com
    assert cloud.cloud.installed_scopes(ALPHA) == DEFAULT_SCOPES
    with cloud.db.session() as session:
        workspace = session.get(Workspace, ALPHA)
        assert workspace is not None and workspace.name == "Ministry of Alpha"
        pains = session.exec(select(PainPoint).where(PainPoint.team_id == ALPHA)).all()
        assert len(pains) == 6  # the seeded taxonomy
        installer = session.get(Facilitator, (ALPHA, ALPHA_ADMIN))
        assert installer is not None
    # The installer can set the community up at once.
    reply = cloud.command(ALPHA, ALPHA_ADMIN, "setup", channel_id=ALPHA_CHANNEL)
    assert f"<#{ALPHA_CHANNEL}>" in reply["text"]
    assert cloud.runtime.client_for(ALPHA).auth_test()["team_id"] == ALPHA


def test_a_callback_without_the_state_cookie_fails_and_stores_nothing(cloud: CloudSlack) -> None:
    start = cloud.start_install()
    redirect = cloud.cloud.approve(start.header("location") or "", team_id=ALPHA, user_id=ALPHA_ADMIN)
    page = browse(redirect)  # another browser: no cookie
    assert page.status == 400
    assert _installations(cloud) == []
    assert not [c for c in cloud.cloud.calls if c.method == "oauth.v2.access"]  # code never spent


def test_a_forged_state_fails_and_stores_nothing(cloud: CloudSlack) -> None:
    start = cloud.start_install()
    forged = str(uuid.uuid4())
    location = (start.header("location") or "").replace(
        parse_qs(urlsplit(start.header("location") or "").query)["state"][0], forged
    )
    redirect = cloud.cloud.approve(location, team_id=ALPHA, user_id=ALPHA_ADMIN)
    page = browse(redirect, cookie=f"slack-app-oauth-state={forged}")
    assert page.status == 401
    assert _installations(cloud) == []


def test_an_install_link_used_twice_installs_once(cloud: CloudSlack) -> None:
    start = cloud.start_install()
    redirect = cloud.cloud.approve(start.header("location") or "", team_id=ALPHA, user_id=ALPHA_ADMIN)
    assert browse(redirect, cookie=state_cookie(start)).status == 200
    again = browse(redirect, cookie=state_cookie(start))  # the browser's back button, or a replay
    assert again.status == 401
    assert _installations(cloud) == [(ALPHA, "Ministry of Alpha")]
    assert _stored_states(cloud) == 0


def test_an_expired_install_link_fails_and_stores_nothing(database_url: str, clock: ManualClock) -> None:
    with CloudSlack(database_url, clock=clock, state_ttl_seconds=1) as local:
        _workspace(local, ALPHA, "Ministry of Alpha", (ALPHA_ADMIN, "Ada Alpha"), {})
        start = local.start_install()
        redirect = local.cloud.approve(start.header("location") or "", team_id=ALPHA, user_id=ALPHA_ADMIN)
        time.sleep(1.5)  # the installer left the consent screen open too long
        page = browse(redirect, cookie=state_cookie(start))
        assert page.status == 401
        assert _installations(local) == []


def test_cancelling_on_slack_shows_the_failure_page_and_stores_nothing(cloud: CloudSlack) -> None:
    start = cloud.start_install()
    page = browse(cloud.cloud.deny(start.header("location") or ""), cookie=state_cookie(start))
    assert page.status == 200 and "access_denied" in page.body  # Bolt's failure page
    assert _installations(cloud) == []


def test_a_workspace_that_never_installed_gets_a_reinstall_hint_and_nothing_is_stored(
    cloud: CloudSlack,
) -> None:
    cloud.install(ALPHA, ALPHA_ADMIN)
    member = next(iter(BETA_MEMBERS))
    reply = cloud.command(BETA, member, "join")
    assert reply["text"] == TEXTS.get("install.not_installed")
    with cloud.db.session() as session:
        assert session.exec(select(Member)).all() == []
        assert session.get(Workspace, BETA) is None


# ---------------------------------------------------------------------------- isolation


def _run_a_week(cloud: CloudSlack, clock: ManualClock) -> None:
    for team, admin, channel, people in (
        (ALPHA, ALPHA_ADMIN, ALPHA_CHANNEL, ALPHA_MEMBERS),
        (BETA, BETA_ADMIN, BETA_CHANNEL, BETA_MEMBERS),
    ):
        assert cloud.install(team, admin).status == 200
        cloud.command(team, admin, "setup", channel_id=channel)
        for user_id in people:
            cloud.command(team, user_id, "join")
    clock.set(MONDAY_9_UTC)
    cloud.tick()
    for team, people in ((ALPHA, ALPHA_MEMBERS), (BETA, BETA_MEMBERS)):
        ws = cloud.cloud.workspace(team)
        wait_for(lambda ws=ws, people=people: all(ws.messages_to(u) for u in people))
    # Alpha: two of three answer; Beta: one of two. Each answer names its author's workspace.
    answers = {
        (ALPHA, "UAMEM0001"): "ALPHAWORD-1 our budget was cut again",
        (ALPHA, "UAMEM0002"): "ALPHAWORD-2 no political will for the plan",
        (BETA, "UBMEM0001"): "BETAWORD-1 staff keep leaving the unit",
    }
    for (team, user_id), answer in answers.items():
        assert cloud.events(team).dm(user_id, answer).status == 200
    wait_for(lambda: len(_answers(cloud)) == 3)
    cloud.tick()  # tagging
    for team, admin, channel in ((ALPHA, ALPHA_ADMIN, ALPHA_CHANNEL), (BETA, BETA_ADMIN, BETA_CHANNEL)):
        cloud.command(team, admin, "digest post", channel_id=channel)
        ws = cloud.cloud.workspace(team)
        wait_for(lambda ws=ws, channel=channel: ws.messages_to(channel))


def _answers(cloud: CloudSlack) -> list[Answer]:
    with cloud.db.session() as session:
        return list(session.exec(select(Answer)).all())


def test_two_workspaces_side_by_side_never_see_each_others_members_answers_or_digests(
    cloud: CloudSlack, clock: ManualClock
) -> None:
    _run_a_week(cloud, clock)
    alpha, beta = cloud.cloud.workspace(ALPHA), cloud.cloud.workspace(BETA)

    seen_in_alpha, seen_in_beta = _visible(alpha), _visible(beta)
    for name in [*BETA_MEMBERS.values(), "Bea Beta", *BETA_MEMBERS, BETA_ADMIN, "BETAWORD", "Beta Agency"]:
        assert name not in seen_in_alpha
    for name in [
        *ALPHA_MEMBERS.values(),
        "Ada Alpha",
        *ALPHA_MEMBERS,
        ALPHA_ADMIN,
        "ALPHAWORD",
        "Ministry of Alpha",
    ]:
        assert name not in seen_in_beta
    # Each workspace's check-ins reached its own members, from its own bot.
    assert all(alpha.messages_to(u) for u in ALPHA_MEMBERS) and all(beta.messages_to(u) for u in BETA_MEMBERS)

    # Digests count their own community only.
    alpha_digest = _all_text(alpha.messages_to(ALPHA_CHANNEL))
    beta_digest = _all_text(beta.messages_to(BETA_CHANNEL))
    assert "*2* of *3*" in alpha_digest and "*1* of *2*" in beta_digest

    # Facilitators see their own members; members see themselves.
    alpha_list = cloud.command(ALPHA, ALPHA_ADMIN, "members")
    listed = set(re.findall(r"<@(U[A-Z0-9]+)>", _all_text(alpha_list)))
    assert listed == set(ALPHA_MEMBERS)
    beta_list = cloud.command(BETA, BETA_ADMIN, "members")
    assert set(re.findall(r"<@(U[A-Z0-9]+)>", _all_text(beta_list))) == set(BETA_MEMBERS)
    me = _all_text(cloud.command(BETA, "UBMEM0001", "me"))
    assert "ALPHAWORD" not in me and not any(u in me for u in ALPHA_MEMBERS)

    with cloud.db.session() as session:
        by_team = {m.user_id: m.team_id for m in session.exec(select(Member)).all()}
    assert by_team == {**dict.fromkeys(ALPHA_MEMBERS, ALPHA), **dict.fromkeys(BETA_MEMBERS, BETA)}


def test_export_of_one_workspace_holds_only_its_answers(
    cloud: CloudSlack, clock: ManualClock, database_url: str, tmp_path: Path
) -> None:
    _run_a_week(cloud, clock)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "--env-file", str(tmp_path / "none.env"), "export",
         "--team", BETA, "--out", str(tmp_path / "beta")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with (tmp_path / "beta" / "checkins.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    exported = "\n".join(" ".join(row.values()) for row in rows)
    # Beta's answers (as rows: facilitators can't read their words by default), none of Alpha's.
    assert {row["user_id"] for row in rows} <= set(BETA_MEMBERS) and rows
    assert "ALPHAWORD" not in exported and not any(u in exported for u in ALPHA_MEMBERS)


# ---------------------------------------------------------------------------- uninstalling


def test_an_uninstalled_workspace_hears_nothing_more_and_keeps_its_data(
    cloud: CloudSlack, clock: ManualClock
) -> None:
    for team, admin, people in ((ALPHA, ALPHA_ADMIN, ALPHA_MEMBERS), (BETA, BETA_ADMIN, BETA_MEMBERS)):
        cloud.install(team, admin)
        for user_id in people:
            cloud.command(team, user_id, "join")
    cloud.cloud.uninstall(ALPHA)  # an admin removes the app in Slack...
    delivery = cloud.events(ALPHA).event({"type": "app_uninstalled"})  # ...and Slack says so
    assert delivery.status == 200
    wait_for(lambda: _installations(cloud) == [(BETA, "Beta Agency")])

    assert not cloud.runtime.serves(ALPHA) and cloud.runtime.serves(BETA)
    with pytest.raises(NotInstalled):
        cloud.runtime.client_for(ALPHA)
    reply = cloud.command(ALPHA, "UAMEM0001", "me")
    assert reply["text"] == TEXTS.get("install.not_installed")
    with cloud.db.session() as session:  # the community's data stays until a facilitator deletes it
        assert len(session.exec(select(Member).where(Member.team_id == ALPHA)).all()) == 3
    beta_reply = cloud.command(BETA, "UBMEM0001", "me")  # Beta unaffected
    assert beta_reply["text"] != TEXTS.get("install.not_installed")

    clock.set(MONDAY_9_UTC)  # check-in time for everyone
    cloud.tick()
    beta = cloud.cloud.workspace(BETA)
    wait_for(lambda: all(beta.messages_to(u) for u in BETA_MEMBERS))
    alpha = cloud.cloud.workspace(ALPHA)
    assert not any(alpha.messages_to(u) for u in ALPHA_MEMBERS)


def test_a_revoked_bot_token_counts_as_an_uninstall(cloud: CloudSlack) -> None:
    cloud.install(ALPHA, ALPHA_ADMIN)
    bot_user = cloud.cloud.workspace(ALPHA).bot_user_id
    cloud.cloud.uninstall(ALPHA)  # Slack revokes the token, then tells the app
    cloud.events(ALPHA).event({"type": "tokens_revoked", "tokens": {"bot": [bot_user]}})
    wait_for(lambda: _installations(cloud) == [])
    assert not cloud.runtime.serves(ALPHA)


def test_an_uninstall_notice_slack_does_not_confirm_changes_nothing(cloud: CloudSlack) -> None:
    """The notice is a request like any other: Convene asks Slack before deleting a token."""
    for team, admin in ((ALPHA, ALPHA_ADMIN), (BETA, BETA_ADMIN)):
        cloud.install(team, admin)
    bot_user = cloud.cloud.workspace(BETA).bot_user_id
    assert cloud.events(BETA).event({"type": "app_uninstalled"}).status == 200
    assert cloud.events(BETA).event({"type": "tokens_revoked", "tokens": {"bot": [bot_user]}}).status == 200
    cloud.settle()
    assert _installations(cloud) == [(ALPHA, "Ministry of Alpha"), (BETA, "Beta Agency")]
    assert cloud.runtime.serves(BETA)
    assert cloud.command(BETA, "UBMEM0001", "help")["text"] != TEXTS.get("install.not_installed")


def test_reinstalling_after_an_uninstall_resumes_with_the_same_community(cloud: CloudSlack) -> None:
    cloud.install(ALPHA, ALPHA_ADMIN)
    cloud.command(ALPHA, "UAMEM0001", "join")
    cloud.cloud.uninstall(ALPHA)
    cloud.events(ALPHA).event({"type": "app_uninstalled"})
    wait_for(lambda: _installations(cloud) == [])

    assert cloud.install(ALPHA, ALPHA_ADMIN).status == 200
    reply = cloud.command(ALPHA, "UAMEM0001", "me")
    assert reply["text"] != TEXTS.get("install.not_installed")
    with cloud.db.session() as session:
        assert [m.user_id for m in session.exec(select(Member)).all()] == ["UAMEM0001"]
