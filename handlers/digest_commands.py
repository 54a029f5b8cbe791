"""`/convene digest preview | post | schedule` and `/convene agenda`."""

import contextlib

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.digest import agenda, publish
from bot.slack.channels import CHANNEL_PROBLEMS
from bot.slack.errors import error_code
from bot.slack.mrkdwn import escape
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandHandler, CommandRequest
from handlers.schedules import set_schedule

MAX_PREVIEW_MESSAGES = 4  # a response_url takes five posts; keep one for errors


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
    texts = req.runtime.texts
    out = agenda.agenda_blocks(texts, draft)
    channel = ws.coordinator_channel
    if not channel:
        req.reply(texts.get("agenda.header"), out)
        req.reply(req.t("digest.no_channel"))
        return
    client = req.runtime.client_for(req.team_id)
    try:
        posted = client.chat_postMessage(channel=channel, text=texts.get("agenda.header"), blocks=out)
    except SlackApiError as exc:
        code = error_code(exc)
        if code not in CHANNEL_PROBLEMS:
            raise
        # Retrying cannot fix these: say what will.
        req.reply(req.t("agenda.blocked", problem=req.t(f"channel.{code}", channel=channel,
                                                           retry=req.t("channel.retry_agenda"))))  # fmt: skip
        return
    # The blocks are posted; the editable file is a convenience that may fail on its own.
    with contextlib.suppress(SlackClientError):
        client.files_upload_v2(
            channel=channel,
            thread_ts=posted["ts"],
            content=agenda.to_markdown(texts, draft),
            filename="convening-agenda.md",
            title=texts.get("agenda.file_title"),
        )
    req.reply(req.t("agenda.posted", channel=channel))


HANDLERS: dict[str, CommandHandler] = {
    "digest preview": digest_preview,
    "digest post": digest_post,
    "digest schedule": digest_schedule,
    "agenda": agenda_draft,
}
