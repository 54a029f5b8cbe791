"""`/convene digest preview | post | schedule` and `/convene agenda`."""

from slack_bolt import App

from bot.core.runtime import Runtime
from bot.digest import agenda, publish
from bot.slack.mrkdwn import escape
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandRequest
from handlers.commands import subcommand
from handlers.schedules import set_schedule

MAX_PREVIEW_MESSAGES = 4  # a response_url takes five posts; keep one for errors


def register(app: App, runtime: Runtime) -> None:
    for name, handler in (
        ("digest preview", digest_preview),
        ("digest post", digest_post),
        ("digest schedule", digest_schedule),
        ("agenda", agenda_draft),
    ):
        subcommand(app, runtime, name, handler)


def digest_preview(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        _, messages = publish.compose(req.runtime, session, ws, req.runtime.clock.now())
    channel = ws.coordinator_channel
    note = (
        req.t("digest.preview_note", channel=channel) if channel else req.t("digest.preview_note_no_channel")
    )
    for message in messages[:MAX_PREVIEW_MESSAGES]:
        req.reply(message.text, message.blocks)
    req.reply(note)


def digest_post(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ready_workspace(req.runtime, session, req.team_id)
    report = publish.post_digest(req.runtime, req.team_id, actor=req.user_id)
    if report.error == "no_channel":
        req.reply(req.t("digest.no_channel"))
    elif report.already:
        req.reply(req.t("digest.already_posted", week=report.week, channel=report.channel))
    elif report.blocked:
        problem = req.t(
            f"channel.{report.error}", channel=report.channel, retry=req.t("channel.retry_digest")
        )
        req.reply(req.t("digest.blocked", week=report.week, problem=problem))
    elif report.error:
        req.reply(req.t("commands.slack_error", error=escape(report.error)))
    else:
        req.reply(req.t("digest.posted", week=report.week, channel=report.channel, messages=report.messages))


def digest_schedule(req: CommandRequest) -> None:
    set_schedule(req, "digest_cron", "digest.schedule_done")


def agenda_draft(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        draft = agenda.draft(session, req.team_id, req.runtime.clock.now())
    channel = ws.coordinator_channel
    if not channel:
        req.reply(req.t("agenda.header"), agenda.agenda_blocks(req.runtime.texts, draft))
        req.reply(req.t("digest.no_channel"))
        return
    problem = publish.post_agenda(req.runtime, req.team_id, channel, draft)
    if problem is not None:
        # Retrying cannot fix these: say what will.
        why = req.t(f"channel.{problem}", channel=channel, retry=req.t("channel.retry_agenda"))
        req.reply(req.t("agenda.blocked", problem=why))
        return
    req.reply(req.t("agenda.posted", channel=channel))
