"""Slack's notices that Convene was removed from a workspace (`app_uninstalled`, or the bot
token revoked): every send there stops at once, its tokens go, its data stays. Slack is
asked first whether the token really is dead (`bot.workspaces.service.uninstall`)."""

from functools import partial
from typing import Any

from slack_bolt import App

from bot.core.runtime import Runtime
from bot.workspaces import service as workspaces
from handlers.workspace_guard import Caller


def register(app: App, runtime: Runtime) -> None:
    app.event("app_uninstalled")(partial(uninstalled, runtime=runtime))
    app.event("tokens_revoked")(partial(tokens_revoked, runtime=runtime))


def uninstalled(caller: Caller | None, *, runtime: Runtime) -> None:
    if caller is not None:
        workspaces.uninstall(runtime, caller.team_id, "app_uninstalled")


def tokens_revoked(event: dict[str, Any], caller: Caller | None, *, runtime: Runtime) -> None:
    # Convene holds only bot tokens; once the bot's is revoked it cannot reach anyone.
    tokens = event["tokens"] if isinstance(event.get("tokens"), dict) else {}
    if tokens.get("bot") and caller is not None:
        workspaces.uninstall(runtime, caller.team_id, "tokens_revoked")
