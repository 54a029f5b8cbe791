"""Setting one of the workspace's schedules (check-ins, matches, digest) from a command."""

from datetime import datetime

from bot.slack.mrkdwn import escape
from bot.workspaces import service as workspaces
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandRequest


def when(fires: list[datetime]) -> str:
    return ", ".join(f.strftime("%a %d %b %H:%M") for f in fires)


def set_schedule(req: CommandRequest, field: str, done_key: str) -> None:
    """Validate `/convene … schedule "<cron>"` (quotes optional) and store it in `field`;
    without a cron, re-confirm the current one. Refusals say why and change nothing."""
    with req.runtime.db.session() as session:
        ws = ready_workspace(req.runtime, session, req.team_id)
        outcome = workspaces.set_schedule(session, ws, field, " ".join(req.args), req.runtime.clock.now())
    shown = escape(outcome.cron.replace("`", "'"))[:120]
    if outcome.refusal == "too_often":
        req.reply(req.t("schedule.too_often", cron=shown, gap=outcome.detail))
    elif outcome.refusal == "invalid":
        req.reply(req.t("schedule.invalid", cron=shown, error=escape(outcome.detail)))
    else:
        req.reply(req.t(done_key, cron=escape(outcome.cron), tz=outcome.timezone, next=when(outcome.fires)))
