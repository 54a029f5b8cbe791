"""`/convene <subcommand>`: one slash command, routed by Bolt. Each handlers module wires its
own subcommands with `subcommand()`; this module's `register` adds the listener for what no
subcommand claims (unknown words, unbalanced quotes), so it is registered after them."""

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.installations import NotInstalled
from bot.core.runtime import Runtime
from bot.slack.errors import error_code
from bot.slack.mrkdwn import escape
from bot.workspaces.authz import is_facilitator
from bot.workspaces.service import NotServed
from handlers import command_parser
from handlers.command_request import CommandHandler, CommandRequest
from handlers.request import text
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.commands")

COMMAND = "/convene"
_PARSED = "convene_subcommand"  # context key: the command text, parsed once per request


def subcommand(app: App, runtime: Runtime, name: str, handler: CommandHandler) -> None:
    """Route `/convene <name> …` to `handler` (facilitator rights checked first, as the
    command table says)."""
    app.command(COMMAND, matchers=[partial(names, name=name)])(
        partial(run_subcommand, runtime=runtime, handler=handler)
    )


def register(app: App, runtime: Runtime) -> None:
    app.command(COMMAND)(partial(unmatched, runtime=runtime))


def names(body: dict[str, Any], context: BoltContext, *, name: str) -> bool:
    parsed = parsed_command(body, context)
    return isinstance(parsed, command_parser.Parsed) and parsed.spec.available and parsed.spec.name == name


def parsed_command(
    body: dict[str, Any], context: BoltContext
) -> command_parser.Parsed | command_parser.Unknown | command_parser.Unreadable:
    parsed = context.get(_PARSED)
    if parsed is None:
        parsed = context[_PARSED] = command_parser.parse(text(body.get("text")))
    return parsed  # type: ignore[no-any-return]


def run_subcommand(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    caller: Caller | None,
    *,
    runtime: Runtime,
    handler: CommandHandler,
) -> None:
    # Ack first: Slack gives us 3 seconds, and some subcommands call Slack or fan out.
    ack()
    parsed = parsed_command(body, context)
    if caller is None or not caller.user_id or not isinstance(parsed, command_parser.Parsed):
        respond(text=runtime.texts.get("commands.error"), response_type="ephemeral")
        return
    spec = parsed.spec
    if spec.facilitator and not is_facilitator(runtime, caller.team_id, caller.user_id):
        respond(
            text=runtime.texts.get("commands.not_facilitator", command=spec.name), response_type="ephemeral"
        )
        return
    channel_id = body.get("channel_id") if isinstance(body.get("channel_id"), str) else None
    req = CommandRequest(
        runtime, spec, parsed.args, caller.team_id, caller.user_id, channel_id, client, respond
    )
    try:
        handler(req)
    except (NotServed, NotInstalled):
        # Uninstalled while the command was on its way.
        log.info("/convene %s reached a workspace Convene no longer serves", spec.name)
        req.reply(runtime.texts.get("install.not_installed"))
    except SlackApiError as exc:
        code = error_code(exc)
        log.warning("/convene %s: Slack said %s", spec.name, code)
        req.reply(runtime.texts.get("commands.slack_error", error=code))
    except Exception:
        log.exception("/convene %s failed", spec.name)
        req.reply(runtime.texts.get("commands.error"))


def unmatched(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    """Unreadable, unknown, or in the contract but not built yet."""
    ack()
    texts = runtime.texts
    parsed = parsed_command(body, context)
    if isinstance(parsed, command_parser.Unreadable):
        reply = texts.get("commands.bad_quotes", error=parsed.error)
    elif isinstance(parsed, command_parser.Unknown):
        reply = _unknown_text(runtime, parsed)
    elif caller is None or not caller.user_id:
        reply = texts.get("commands.error")
    elif parsed.spec.facilitator and not is_facilitator(runtime, caller.team_id, caller.user_id):
        reply = texts.get("commands.not_facilitator", command=parsed.spec.name)
    else:
        reply = texts.get("commands.not_yet", command=parsed.spec.name)
    respond(text=reply, response_type="ephemeral")


def _unknown_text(runtime: Runtime, unknown: command_parser.Unknown) -> str:
    texts = runtime.texts
    # The member's words go back inside code formatting; strip backticks so they can't break out.
    given = escape(unknown.given.replace("`", "'"))
    parts = [texts.get("commands.unknown", command=given)]
    if unknown.suggestion:
        parts.append(texts.get("commands.did_you_mean", suggestion=unknown.suggestion))
    parts.append(texts.get("commands.see_help"))
    return " ".join(parts)
