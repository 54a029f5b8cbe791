"""`/convene export`: the CSV files, sent privately to the facilitator who asked (never to a
channel), then recorded so each member sees that their answers were exported and by whom."""

from slack_bolt import App

from bot.core.runtime import Runtime
from bot.export.service import send_to_facilitator
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandRequest
from handlers.commands import subcommand


def register(app: App, runtime: Runtime) -> None:
    subcommand(app, runtime, "export", export)


def export(req: CommandRequest) -> None:
    runtime = req.runtime
    with runtime.db.session() as session:
        ready_workspace(runtime, session, req.team_id)
    count = send_to_facilitator(
        runtime.db, req.client, req.team_id, req.user_id, runtime.texts, runtime.clock
    )
    req.reply(req.t("export.sent", count=count))
