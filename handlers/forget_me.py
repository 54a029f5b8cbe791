"""`/convene forget-me`, with a confirmation: the deletion cannot be undone."""

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.runtime import Runtime
from bot.members import blocks as member_blocks
from bot.members import service as members
from bot.members.forget import forget
from handlers.command_request import CommandRequest
from handlers.commands import subcommand
from handlers.reader_locale import locale_for
from handlers.workspace_guard import Caller

CONFIRM = member_blocks.FORGET_CONFIRM


def register(app: App, runtime: Runtime) -> None:
    subcommand(app, runtime, "forget-me", forget_me)
    app.action(CONFIRM)(partial(confirm, runtime=runtime))


def forget_me(req: CommandRequest) -> None:
    with req.runtime.db.session() as session:
        member = members.get_member(session, req.team_id, req.user_id)
    if member is None:
        req.reply(req.t("me.not_member", locale_for(req.runtime, req.team_id, req.user_id)))
        return
    text, out = member_blocks.forget_confirmation(req.runtime.texts, members.language_of(member))
    req.reply(text, out)


def confirm(
    ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller | None, *, runtime: Runtime
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        if member is not None:
            loc = members.language_of(member)  # read before the row goes
            count = forget(session, member)
    runtime.caches.forget_person(caller.team_id, caller.user_id)  # any facilitator rights went too
    if member is None:
        text = runtime.texts.get("me.not_member", locale_for(runtime, caller.team_id, caller.user_id))
        respond(text=text, replace_original=True)
        return
    respond(text=runtime.texts.count("forget.done", count, loc), replace_original=True)
