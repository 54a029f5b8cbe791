"""A workspace removing Convene (distributed mode only): its tokens go, its data stays."""

from typing import Any

from slack_bolt import App, BoltContext

from bot.core.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    installations = runtime.installations
    if installations is None:
        return  # one bot token: nothing is stored per workspace to revoke

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        if context.team_id:
            installations.uninstall(context.team_id)

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        # Convene holds only bot tokens; once the bot's is revoked it cannot reach anyone.
        tokens = event["tokens"] if isinstance(event.get("tokens"), dict) else {}
        if tokens.get("bot") and context.team_id:
            installations.uninstall(context.team_id)
