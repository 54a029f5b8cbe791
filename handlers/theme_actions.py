"""Adopt / Dismiss on a proposed emerging theme. Facilitator-only on this path too: a
button in a shared message can be pressed by anyone who sees it."""

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.core.runtime import Runtime
from bot.slack.mrkdwn import escape, is_number
from bot.tagging import taxonomy, themes
from bot.tagging.blocks import THEME_ADOPT, THEME_DISMISS
from bot.workspaces.authz import is_facilitator
from handlers import request
from handlers.workspace_guard import Caller


def register(app: App, runtime: Runtime) -> None:
    app.action(THEME_ADOPT)(partial(decide, runtime=runtime, adopt=True))
    app.action(THEME_DISMISS)(partial(decide, runtime=runtime, adopt=False))


def decide(
    ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller | None, *, runtime: Runtime, adopt: bool
) -> None:
    ack()
    texts = runtime.texts
    value = request.action_value(body)
    if caller is None or not caller.user_id or not is_number(value):
        return
    team_id, user_id = caller.team_id, caller.user_id
    if not is_facilitator(runtime, team_id, user_id):
        respond(text=texts.get("commands.not_facilitator", command="pains"), replace_original=False)
        return
    now = runtime.clock.now()
    text = texts.get("pains.theme_gone")
    with runtime.db.session() as session:
        if adopt:
            try:
                adopted = themes.adopt(session, team_id, int(value), user_id, now, runtime.texts)
            except taxonomy.TaxonomyError as error:
                values = {k: escape(str(v)) for k, v in error.values.items()}
                respond(text=texts.get(error.key, **values), replace_original=False)
                return
            if adopted is not None:
                pain, count = adopted
                text = texts.get(
                    "pains.theme_adopted", user=f"<@{user_id}>", name=escape(pain.name), count=count
                )
        else:
            theme = themes.dismiss(session, team_id, int(value), user_id, now)
            if theme is not None:
                text = texts.get("pains.theme_dismissed", user=f"<@{user_id}>", name=escape(theme.name))
    respond(text=text, replace_original=False)
