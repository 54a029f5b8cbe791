"""Setting one of the workspace's schedules (check-ins, matches, digest) from a command."""

from datetime import datetime

from bot.core import schedule
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
        cron = " ".join(req.args) or getattr(ws, field)
        shown = escape(cron.replace("`", "'"))[:120]
        try:
            fires = schedule.validate(cron, schedule.zone(ws.timezone), req.runtime.clock.now())
        except schedule.ScheduleTooFrequent as exc:
            req.reply(req.t("schedule.too_often", cron=shown, gap=exc.gap))
            return
        except schedule.InvalidSchedule as exc:
            req.reply(req.t("schedule.invalid", cron=shown, error=escape(str(exc))))
            return
        workspaces.set_cron(session, ws, field, cron)
        stored = escape(getattr(ws, field))
    req.reply(req.t(done_key, cron=stored, tz=ws.timezone, next=when(fires)))
