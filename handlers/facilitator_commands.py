"""Subcommands for facilitators: setup, check-in rounds and schedule, members, facilitators.

The router has already checked facilitator rights before any of these run."""

from slack_bolt import App

from bot.checkins import fanout
from bot.checkins import service as checkins
from bot.core import schedule
from bot.core.runtime import Runtime
from bot.digest import publish
from bot.members import blocks as member_blocks
from bot.members import service as members
from bot.members.service import MemberStatus
from bot.slack.channels import ARCHIVED, NOT_FOUND, NOT_IN_CHANNEL, channel_problem
from bot.slack.mrkdwn import escape
from bot.workspaces import service as workspaces
from bot.workspaces.service import ready_workspace
from handlers import command_parser
from handlers.command_request import CommandRequest
from handlers.commands import subcommand
from handlers.schedules import set_schedule, when

MEMBERS_SHOWN = 200


def register(app: App, runtime: Runtime) -> None:
    for name, handler in (
        ("setup", setup),
        ("setup raw-answers", setup_raw_answers),
        ("setup retention", setup_retention),
        ("checkin", checkin_status),
        ("checkin schedule", checkin_schedule),
        ("checkin now", checkin_now),
        ("members", members_list),
        ("facilitators add", facilitators_add),
    ):
        subcommand(app, runtime, name, handler)


def setup(req: CommandRequest) -> None:
    channel = command_parser.parse_channel_mention(req.args[0]) if req.args else req.channel_id
    if not channel or channel.startswith("D"):
        req.reply(req.t("setup.need_channel"))
        return
    # Ask Slack first: a channel the bot is not in looks fine here and fails every digest.
    problem = channel_problem(req.runtime.client_for(req.team_id), channel)
    if problem in (NOT_FOUND, ARCHIVED):
        req.reply(req.t(f"setup.{problem}", channel=channel))
        return
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        workspaces.set_coordinator_channel(session, ws, channel)
        publish.unblock(session, req.team_id)  # a digest held back for the old setup may go now
    done = req.t(
        "setup.done",
        channel=channel,
        schedule=schedule.describe(ws.checkin_cron, req.runtime.texts),
        tz=ws.timezone,
        privacy=req.t(
            "setup.privacy",
            can=req.t("setup.can" if ws.raw_answers else "setup.cannot"),
            months=ws.retention_months,
        ),
    )
    if problem == NOT_IN_CHANNEL:
        req.reply(req.t("setup.not_in_channel", channel=channel))
    elif problem is not None:
        req.reply(done + " " + req.t("setup.unchecked", error=escape(problem)))
    else:
        req.reply(done)


def setup_raw_answers(req: CommandRequest) -> None:
    """Whether facilitators can read members' answers: said out loud, on or off."""
    choice = req.args[0].lower() if len(req.args) == 1 else ""
    if choice not in ("on", "off"):
        req.reply(req.t("setup.raw_usage"))
        return
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        workspaces.set_raw_answers(session, ws, choice == "on", req.runtime.clock.now())
    req.reply(req.t("setup.raw_on" if choice == "on" else "setup.raw_off"))


def setup_retention(req: CommandRequest) -> None:
    months = command_parser.parse_months(req.args, workspaces.MAX_RETENTION_MONTHS)
    if months is None:
        req.reply(req.t("setup.retention_usage", max=workspaces.MAX_RETENTION_MONTHS))
        return
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        workspaces.set_retention(session, ws, months)
    req.reply(req.t("setup.retention_done", months=months))


def checkin_status(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
    tz = schedule.zone(ws.timezone)
    fires = schedule.next_fires(ws.checkin_cron, tz, req.runtime.clock.now())
    req.reply(req.t("schedule.current", cron=ws.checkin_cron, tz=ws.timezone, next=when(fires)))


def checkin_schedule(req: CommandRequest) -> None:
    if not req.args:
        checkin_status(req)
        return
    set_schedule(req, "checkin_cron", "schedule.done")


def checkin_now(req: CommandRequest) -> None:
    runtime = req.runtime
    with runtime.db.session() as session:
        ready_workspace(runtime, session, req.team_id)
    # Time zones and names may have changed since joining; one paginated users.list call
    # per 200 people, at most twice a day.
    fanout.sync_profiles(runtime, req.team_id)
    with runtime.db.session() as session:
        ws = ready_workspace(runtime, session, req.team_id)
        counts = members.count_by_status(session, req.team_id)
        if counts[MemberStatus.ACTIVE] == 0:
            req.reply(req.t("checkin_now.empty"))
            return
        started = checkins.start_manual_round(session, ws, req.user_id, runtime.clock.now())
    report = fanout.send_due(runtime, req.team_id)
    skipped = counts[MemberStatus.PAUSED] + counts[MemberStatus.LEFT]
    failed = report.failed + report.undeliverable
    if started.new:
        req.reply(req.t("checkin_now.done", sent=report.sent, failed=failed, skipped=skipped))
        return
    tz = schedule.zone(ws.timezone)
    req.reply(
        req.t(
            "checkin_now.again",
            started=when([started.started_at.astimezone(tz)]),
            next=when([(started.started_at + checkins.MANUAL_GAP).astimezone(tz)]),
            tz=ws.timezone,
            added=started.added,
        )
    )


def members_list(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        counts = members.count_by_status(session, req.team_id)
        rows = members.roster(session, req.team_id, MEMBERS_SHOWN)
    if not rows:
        req.reply(req.t("members.none"))
        return
    header, out = member_blocks.roster_blocks(req.runtime.texts, counts, rows)
    req.reply(header, out)


def facilitators_add(req: CommandRequest) -> None:
    user = command_parser.parse_user_mention(req.args[0]) if len(req.args) == 1 else None
    if user is None:
        req.reply(req.t("facilitators.usage"))
        return
    workspaces.grant_facilitator(req.runtime, req.team_id, user, req.user_id)
    req.reply(req.t("facilitators.added", user_id=user))
