"""`/convene export`: the CSV files, sent privately to the facilitator who asked (never to a
channel), then recorded so each member sees that their answers were exported and by whom."""

import tempfile
from pathlib import Path

from bot.export import service as export_service
from bot.export.service import ExportVia
from bot.workspaces.service import ready_workspace
from handlers.command_request import CommandHandler, CommandRequest


def export(req: CommandRequest) -> None:
    client = req.runtime.client_for(req.team_id)
    with tempfile.TemporaryDirectory(prefix="convene-export-") as tmp:
        with req.runtime.db.session() as session:
            ready_workspace(req.runtime, session, req.team_id)
            result = export_service.export_files(session, req.team_id, None, None, Path(tmp))
        if result.readable_since is not None:
            comment = req.t("export.comment_readable", date=result.readable_since.date().isoformat())
        else:
            comment = req.t("export.comment")
        dm = client.conversations_open(users=req.user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm,
            initial_comment=comment,
            file_uploads=[
                {"file": str(f.path), "filename": f.path.name, "title": f.path.name} for f in result.files
            ],
        )
    # Recorded once the files have reached the facilitator: an upload Slack refused exported nothing.
    with req.runtime.db.session() as session:
        export_service.record(session, result, ExportVia.SLACK, req.user_id, "", req.runtime.clock.now())
    req.reply(req.t("export.sent", count=len(result.files)))


HANDLERS: dict[str, CommandHandler] = {"export": export}
