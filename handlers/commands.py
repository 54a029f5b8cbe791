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
    channel_id = body.get("channel_id") if isinstance(body.get("channel_id"), str) else None
    # An unreadable or unknown command is answered as if it were `help`'s request: no handler runs.
    spec = parsed.spec if isinstance(parsed, command_parser.Parsed) else command_parser.COMMANDS[0]
    args = parsed.args if isinstance(parsed, command_parser.Parsed) else []
    # Refusals and errors are answered in the reader's language, like everything else.
    req = CommandRequest(runtime, spec, args, team_id, user_id, channel_id, client, respond)
    if isinstance(parsed, command_parser.Unreadable):
        req.reply(req.t("commands.bad_quotes", req.locale, error=parsed.error))
        return
    if isinstance(parsed, command_parser.Unknown):
        req.reply(_unknown_text(req, parsed))
        return
    if spec.facilitator and not is_facilitator(runtime, client, team_id, user_id):
        req.reply(req.t("commands.not_facilitator", req.locale, command=spec.name))
        return
    handler = HANDLERS.get(spec.name)
    if handler is None or not spec.available:
        req.reply(req.t("commands.not_yet", req.locale, command=spec.name))
        return
    try:
        handler(req)
    except SlackApiError as exc:
        code = error_code(exc)
        log.warning("/convene %s: Slack said %s", spec.name, code)
        req.reply(req.t("commands.slack_error", req.locale, error=code))
    except Exception:
        log.exception("/convene %s failed", spec.name)
        req.reply(req.t("commands.error", req.locale))


def _unknown_text(req: CommandRequest, unknown: command_parser.Unknown) -> str:
    # The member's words go back inside code formatting; strip backticks so they can't break out.
    given = escape(unknown.given.replace("`", "'"))
    parts = [req.t("commands.unknown", req.locale, command=given)]
    if unknown.suggestion:
        parts.append(req.t("commands.did_you_mean", req.locale, suggestion=unknown.suggestion))
    parts.append(req.t("commands.see_help", req.locale))
    return " ".join(parts)
