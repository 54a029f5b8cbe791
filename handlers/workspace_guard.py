"""One request, one workspace. A global middleware that runs after Bolt has verified the
signature and authorized the request (picked the workspace's token), before anything else:

- the workspace is the one Bolt authorized (the team of the token it found), and with one
  bot token it must be the workspace that token belongs to;
- every workspace field in the payload must name that same workspace
  (`bot.slack.workspace_fields`); a request that names two is refused;
- the person acting must be one of that workspace's own people, not a guest from another
  workspace (Slack Connect) or an id from elsewhere written into the request.

A request that passes carries a `Caller` in its context (Bolt hands it to listeners that ask
for `caller`): the only place any listener learns which workspace and person it serves.
A refusal is said where the person can see it and logged by its shape (which fields
disagreed), never by its content."""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.core.installations import NotInstalled
from bot.core.runtime import Runtime
from bot.slack import workspace_fields
from bot.workspaces import authz
from bot.workspaces.service import NotServed
from handlers.request import dig

log = logging.getLogger("convene.workspace_guard")

# Slack sends these without a working token (Bolt does not authorize them); the listener
# asks Slack itself before acting on one (`bot.workspaces.service.uninstall`).
_TOKENLESS_EVENTS = frozenset({"app_uninstalled", "tokens_revoked", "team_access_revoked"})


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: the workspace Bolt authorized and the person acting in it
    ("" when the request names nobody, as an uninstall notice)."""

    team_id: str
    user_id: str


def register(app: App, runtime: Runtime) -> None:
    app.middleware(partial(check_workspace, runtime=runtime))
    app.error(on_error)


def check_workspace(
    body: Any, context: BoltContext, next_: Callable[[], BoltResponse | None], *, runtime: Runtime
) -> BoltResponse | None:
    authorized = context.authorize_result
    if not isinstance(body, dict) or authorized is None:
        # Bolt answers URL verification and SSL checks itself; nothing else may pass unauthorized.
        log.warning("refused a request without an authorized workspace")
        return BoltResponse(status=200, body="")
    # From auth.test, except for the notices Bolt passes without a token (read from the
    # payload then, so anything at all).
    team_id = authorized.team_id
    if not isinstance(team_id, str) or not team_id or not _served(runtime, team_id):
        return _refuse(runtime, body, context, ("authorized workspace",), guest=False)
    enterprise_id = authorized.enterprise_id if isinstance(authorized.enterprise_id, str) else None
    problem = workspace_fields.disagreement(body, team_id, enterprise_id)
    if problem is not None:
        return _refuse(runtime, body, context, problem.fields, guest=problem.guest)
    # Read untyped: Bolt copies it from the payload as it came, which may be anything.
    user_id: object = context.get("user_id") or ""
    if not isinstance(user_id, str):  # a person named by something other than an id
        return _refuse(runtime, body, context, ("user",), guest=False)
    if user_id and user_id != context.bot_user_id:
        belonging = authz.belongs(runtime, team_id, user_id)
        if belonging is not authz.Belonging.YES:
            unknown = belonging is authz.Belonging.UNKNOWN
            return _refuse(runtime, body, context, ("user",), guest=not unknown, unknown=unknown)
    context["caller"] = Caller(team_id, user_id)
    context["team_id"] = team_id  # Bolt's own reading of the payload now agrees
    return next_()


def _served(runtime: Runtime, team_id: str) -> bool:
    """With one bot token, only the workspace it belongs to. Distributed, Bolt has already
    found this workspace's installation (or it is an uninstall notice, checked with Slack)."""
    if runtime.installations is None and runtime.home_team_id is not None:
        return team_id == runtime.home_team_id
    return True


def _refuse(
    runtime: Runtime,
    body: dict[str, Any],
    context: BoltContext,
    fields: tuple[str, ...],
    *,
    guest: bool,
    unknown: bool = False,
) -> BoltResponse:
    kind = _kind(body)
    if unknown:
        log.warning("refused a %s: could not check the person against the workspace", kind)
        key = "commands.error"
    elif guest:
        log.info("refused a %s from a person of another workspace (%s)", kind, ", ".join(fields))
        key = "workspace.refused_other_workspace"
    else:
        log.warning("refused a %s whose workspace fields disagree (%s)", kind, ", ".join(fields))
        key = "workspace.refused_mismatch"
    text = runtime.texts.get(key, _locale(body))
    if body.get("type") == "view_submission":
        block = _first_input(body)
        if block is not None:
            answer = {"response_action": "errors", "errors": {block: text}}
            return BoltResponse(
                status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
            )
    if context.response_url and context.respond is not None:
        try:
            context.respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # the refusal stands whether or not it could be shown
            log.info("could not show a refusal: %s", type(exc).__name__)
    return BoltResponse(status=200, body="")


def on_error(error: Exception, body: Any) -> None:
    """A listener that met a workspace gone in the meantime (uninstalled while the request
    was on its way) logs one line; anything else is logged in full, as Bolt would."""
    kind = _kind(body) if isinstance(body, dict) else "request"
    if isinstance(error, NotServed | NotInstalled):
        log.info("a %s reached a workspace Convene no longer serves", kind)
        return
    log.error("a listener failed on a %s (%s)", kind, type(error).__name__, exc_info=error)


def _kind(body: dict[str, Any]) -> str:
    """The request's kind in words safe for a log line (never anything a person wrote)."""
    if body.get("type") == "event_callback":
        return f"{_word(dig(body, 'event', 'type'))} event"
    if isinstance(body.get("command"), str):
        return "slash command"
    return _word(body.get("type")) or "request"


def _word(value: Any) -> str:
    return re.sub(r"[^a-z_]", "", value)[:40] if isinstance(value, str) else "unknown"


def _locale(body: dict[str, Any]) -> str | None:
    for value in (body.get("locale"), dig(body, "user", "locale")):
        if isinstance(value, str):
            return value
    return None


def _first_input(body: dict[str, Any]) -> str | None:
    for block in dig(body, "view", "blocks") or []:
        if (
            isinstance(block, dict)
            and block.get("type") == "input"
            and isinstance(block.get("block_id"), str)
        ):
            return str(block["block_id"])
    return None
