"""`/convene export`: the CSV files, sent privately to the facilitator who asked (they hold
members' raw answers, so never to a channel)."""

import tempfile
from pathlib import Path

from bot.export.service import write_export
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandHandler, CommandRequest


def export(req: CommandRequest) -> None:
    client = req.runtime.client_for(req.team_id)
    with tempfile.TemporaryDirectory(prefix="convene-export-") as tmp:
        with req.runtime.db.session() as session:
            ready_workspace(req.runtime, session, req.team_id)
            paths = write_export(session, req.team_id, None, None, Path(tmp))
        dm = client.conversations_open(users=req.user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            initial_comment=req.t("export.comment"),
            file_uploads=[{"file": str(path), "filename": path.name, "title": path.name} for path in paths],
        )
    req.reply(req.t("export.sent", count=len(paths)))


HANDLERS: dict[str, CommandHandler] = {"export": export}
