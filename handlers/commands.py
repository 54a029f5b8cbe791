"""`/convene <subcommand>`: one slash command, routed to member or facilitator handlers."""

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.runtime import Runtime
from bot.slack.errors import error_code
from bot.slack.mrkdwn import escape
from bot.workspaces.authz import is_facilitator
from handlers import (
    command_parser,
    convening_commands,
    digest_commands,
    export_command,
    facilitator_commands,
    forget_me,
    match_commands,
    member_commands,
    request,
    taxonomy_commands,
)
from handlers.command_request import CommandHandler, CommandRequest

log = logging.getLogger("convene.commands")

HANDLERS: dict[str, CommandHandler] = {
    **member_commands.HANDLERS,
    **facilitator_commands.HANDLERS,
    **taxonomy_commands.HANDLERS,
    **match_commands.HANDLERS,
    **digest_commands.HANDLERS,
    **export_command.HANDLERS,
    **convening_commands.HANDLERS,
    **forget_me.HANDLERS,
}


def register(app: App, runtime: Runtime) -> None:
    @app.command("/convene")
    def convene(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        # Ack first: Slack gives us 3 seconds, and some subcommands call Slack or fan out.
        ack()
        dispatch(runtime, body, respond, client)


def dispatch(runtime: Runtime, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    texts = runtime.texts
    team_id, user_id = request.team_id(body), request.user_id(body)
    if not team_id or not user_id:
        respond(text=texts.get("commands.error"), response_type="ephemeral")
        return
    parsed = command_parser.parse(body.get("text") if isinstance(body.get("text"), str) else "")
    if isinstance(parsed, command_parser.Unreadable):
        respond(text=texts.get("commands.bad_quotes", error=parsed.error), response_type="ephemeral")
        return
    if isinstance(parsed, command_parser.Unknown):
        respond(text=_unknown_text(runtime, parsed), response_type="ephemeral")
        return
    spec = parsed.spec
    if spec.facilitator and not is_facilitator(runtime, client, team_id, user_id):
        respond(text=texts.get("commands.not_facilitator", command=spec.name), response_type="ephemeral")
        return
    handler = HANDLERS.get(spec.name)
    if handler is None or not spec.available:
        respond(text=texts.get("commands.not_yet", command=spec.name), response_type="ephemeral")
        return
    channel_id = body.get("channel_id") if isinstance(body.get("channel_id"), str) else None
    req = CommandRequest(runtime, spec, parsed.args, team_id, user_id, channel_id, client, respond)
    try:
        handler(req)
    except SlackApiError as exc:
        code = error_code(exc)
        log.warning("/convene %s: Slack said %s", spec.name, code)
        req.reply(texts.get("commands.slack_error", error=code))
    except Exception:
        log.exception("/convene %s failed", spec.name)
        req.reply(texts.get("commands.error"))


def _unknown_text(runtime: Runtime, unknown: command_parser.Unknown) -> str:
    texts = runtime.texts
    # The member's words go back inside code formatting; strip backticks so they can't break out.
    given = escape(unknown.given.replace("`", "'"))
    parts = [texts.get("commands.unknown", command=given)]
    if unknown.suggestion:
        parts.append(texts.get("commands.did_you_mean", suggestion=unknown.suggestion))
    parts.append(texts.get("commands.see_help"))
    return " ".join(parts)
