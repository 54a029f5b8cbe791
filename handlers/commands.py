"""`/convene <subcommand>`: one slash command. Each handlers module wires its own
subcommands with `subcommand()` in its `register`; this module's one Bolt listener parses
the text once and runs the subcommand named (or explains what it could not read).

One listener with a table rather than a Bolt listener per subcommand: Bolt builds every
listener's arguments to try its matcher, before the ack, and that was a quarter of the
time to acknowledge a command."""

import logging
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from slack_bolt import Ack, App, Respond
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
from handlers.reader_locale import reader_locale
from handlers.request import text
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.commands")

COMMAND = "/convene"
# Each app's subcommand table, filled by the handlers modules' `register` functions.
_TABLES: WeakKeyDictionary[App, dict[str, CommandHandler]] = WeakKeyDictionary()


def subcommand(app: App, runtime: Runtime, name: str, handler: CommandHandler) -> None:
    """Route `/convene <name> …` to `handler` (facilitator rights checked first, as the
    command table says)."""
    _TABLES.setdefault(app, {})[name] = handler


def register(app: App, runtime: Runtime) -> None:
    app.command(COMMAND)(partial(convene, runtime=runtime, table=_TABLES.setdefault(app, {})))


def convene(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    caller: Caller | None,
    *,
    runtime: Runtime,
    table: dict[str, CommandHandler],
) -> None:
    # Ack first: Slack gives us 3 seconds, and some subcommands call Slack or fan out.
    ack()
    parsed = command_parser.parse(text(body.get("text")))
    handler = table.get(parsed.spec.name) if isinstance(parsed, command_parser.Parsed) else None
    if handler is None or not isinstance(parsed, command_parser.Parsed) or not parsed.spec.available:
        unmatched(parsed, respond, caller, runtime=runtime)
        return
    run_subcommand(parsed, body, respond, client, caller, runtime=runtime, handler=handler)


def run_subcommand(
    parsed: command_parser.Parsed,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    caller: Caller | None,
    *,
    runtime: Runtime,
    handler: CommandHandler,
) -> None:
    """A known subcommand: rights, then the handler, with Slack's and our own failures
    turned into a private line."""
    if caller is None or not caller.user_id:
        respond(text=runtime.texts.get("commands.error"), response_type="ephemeral")
        return
    spec = parsed.spec
    channel_id = body.get("channel_id") if isinstance(body.get("channel_id"), str) else None
    req = CommandRequest(
        runtime, spec, parsed.args, caller.team_id, caller.user_id, channel_id, client, respond
    )
    # Refusals and errors are answered in the reader's language, like everything else.
    if spec.facilitator and not is_facilitator(runtime, caller.team_id, caller.user_id):
        req.reply(req.t("commands.not_facilitator", req.locale, command=spec.name))
        return
    try:
        handler(req)
    except (NotServed, NotInstalled):
        # Uninstalled while the command was on its way.
        log.info("/convene %s reached a workspace Convene no longer serves", spec.name)
        req.reply(runtime.texts.get("install.not_installed"))
    except SlackApiError as exc:
        code = error_code(exc)
        log.warning("/convene %s: Slack said %s", spec.name, code)
        req.reply(req.t("commands.slack_error", req.locale, error=code))
    except Exception:
        log.exception("/convene %s failed", spec.name)
        req.reply(req.t("commands.error", req.locale))


def unmatched(
    parsed: command_parser.Parsed | command_parser.Unknown | command_parser.Unreadable,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
) -> None:
    """Unreadable, unknown, or in the contract but not built yet; said in the reader's
    language."""
    texts = runtime.texts
    if caller is None or not caller.user_id:
        respond(text=texts.get("commands.error"), response_type="ephemeral")
        return
    loc = reader_locale(runtime, caller.team_id, caller.user_id)
    if isinstance(parsed, command_parser.Unreadable):
        reply = texts.get("commands.bad_quotes", loc, error=parsed.error)
    elif isinstance(parsed, command_parser.Unknown):
        reply = _unknown_text(runtime, parsed, loc)
    elif parsed.spec.facilitator and not is_facilitator(runtime, caller.team_id, caller.user_id):
        reply = texts.get("commands.not_facilitator", loc, command=parsed.spec.name)
    else:
        reply = texts.get("commands.not_yet", loc, command=parsed.spec.name)
    respond(text=reply, response_type="ephemeral")


def _unknown_text(runtime: Runtime, unknown: command_parser.Unknown, loc: str | None) -> str:
    texts = runtime.texts
    # The member's words go back inside code formatting; strip backticks so they can't break out.
    given = escape(unknown.given.replace("`", "'"))
    parts = [texts.get("commands.unknown", loc, command=given)]
    if unknown.suggestion:
        parts.append(texts.get("commands.did_you_mean", loc, suggestion=unknown.suggestion))
    parts.append(texts.get("commands.see_help", loc))
    return " ".join(parts)
