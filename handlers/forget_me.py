"""`/convene forget-me`, with a confirmation: the deletion cannot be undone."""

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.members import service as members
from bot.members.forget import forget
from bot.slack import blocks
from handlers import request
from handlers.command_request import CommandHandler, CommandRequest
from handlers.reader_locale import locale_for

CONFIRM = "forget_me_confirm"


def forget_me(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
    if member is None:
        req.reply(req.t("me.not_member", locale_for(req.client, req.user_id)))
        return
    loc = members.language_of(member)
    button = blocks.button(req.t("forget.button", loc), CONFIRM, "yes", style="danger")
    button["confirm"] = {
        "title": {"type": "plain_text", "text": req.t("forget.confirm_title", loc)[:100]},
        "text": {"type": "plain_text", "text": req.t("forget.confirm_text", loc)[:300]},
        "confirm": {"type": "plain_text", "text": req.t("forget.confirm_yes", loc)[:30]},
        "deny": {"type": "plain_text", "text": req.t("forget.confirm_no", loc)[:30]},
        "style": "danger",
    }
    text = req.t("forget.explain", loc)
    req.reply(text, [blocks.section(text), {"type": "actions", "elements": [button]}])


def register(app: App, runtime: Runtime) -> None:
    @app.action(CONFIRM)
    def confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        user_id = request.user_id(body) or ""
        with runtime.db.session() as session:
            member = members.get_member(session, request.team_id(body) or "", user_id)
            if member is not None:
                loc = members.language_of(member)  # read before the row goes
                count = forget(session, member)
        if member is None:
            text = runtime.texts.get("me.not_member", locale_for(client, user_id))
            respond(text=text, replace_original=True)
            return
        respond(text=runtime.texts.count("forget.done", count, loc), replace_original=True)


HANDLERS: dict[str, CommandHandler] = {"forget-me": forget_me}
