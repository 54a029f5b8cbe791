"""Adopt / Dismiss on a proposed emerging theme. Facilitator-only on this path too: a
button in a shared message can be pressed by anyone who sees it."""

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.slack.mrkdwn import escape, is_number
from bot.tagging import taxonomy, themes
from bot.workspaces.authz import is_facilitator
from handlers import request
from handlers.taxonomy_commands import THEME_ADOPT, THEME_DISMISS


def register(app: App, runtime: Runtime) -> None:
    @app.action(THEME_ADOPT)
    def adopt(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _decide(runtime, body, client, respond, adopt=True)

    @app.action(THEME_DISMISS)
    def dismiss(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _decide(runtime, body, client, respond, adopt=False)


def _decide(runtime: Runtime, body: dict[str, Any], client: WebClient, respond: Respond, adopt: bool) -> None:
    texts = runtime.texts
    team_id, user_id, value = request.team_id(body), request.user_id(body), request.action_value(body)
    if not team_id or not user_id or not is_number(value):
        return
    if not is_facilitator(runtime, client, team_id, user_id):
        respond(text=texts.get("commands.not_facilitator", command="pains"), replace_original=False)
        return
    now = runtime.clock.now()
    result: object  # what was adopted or dismissed; None when the theme is gone
    with runtime.db.session() as session:
        if adopt:
            try:
                result = themes.adopt(session, team_id, int(value), user_id, now, runtime.texts)
            except taxonomy.TaxonomyError as error:
                values = {k: escape(str(v)) for k, v in error.values.items()}
                respond(text=texts.get(error.key, **values), replace_original=False)
                return
            if result is not None:
                pain, count = result
                text = texts.get(
                    "pains.theme_adopted", user=f"<@{user_id}>", name=escape(pain.name), count=count
                )
        else:
            theme = themes.dismiss(session, team_id, int(value), user_id, now)
            if theme is not None:
                text = texts.get("pains.theme_dismissed", user=f"<@{user_id}>", name=escape(theme.name))
            result = theme
    if result is None:
        text = texts.get("pains.theme_gone")
    respond(text=text, replace_original=False)
