"""The App Home tab: the member's status and recent check-ins."""

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import blocks, checkins, members
from bot.mrkdwn import escape, truncate
from bot.runtime import Runtime
from handlers import request

log = logging.getLogger("convene.home")


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home" or not isinstance(event.get("user"), str):
            return
        view = home_view(runtime, request.team_id(body) or "", event["user"])
        try:
            client.views_publish(user_id=event["user"], view=view)
        except SlackClientError as exc:
            log.warning("could not publish home: %s", type(exc).__name__)


def home_view(runtime: Runtime, team_id: str, user_id: str) -> dict[str, Any]:
    texts = runtime.texts
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        answers = checkins.recent_answers(session, member, limit=5) if member else []
    loc = member.locale if member else None
    out = [
        blocks.header(texts.get("home.header", loc)),
        blocks.section(texts.get("home.intro", loc, community=texts.get("common.community", loc))),
    ]
    if member is None:
        out.append(blocks.section(texts.get("home.not_member", loc)))
    else:
        out.append(blocks.section(texts.get("home.status", loc, status=member.status, tz=member.tz)))
        out.append({"type": "divider"})
        out.append(blocks.header(texts.get("home.recent_header", loc)))
        if not answers:
            out.append(blocks.section(texts.get("home.recent_none", loc)))
        for answer in answers:
            excerpt = truncate(escape(answer.text.replace("\n", " ")), 280)
            out.append(
                blocks.section(
                    texts.get("home.recent_line", loc, date=answer.created_at.date(), excerpt=excerpt)
                )
            )
    return {"type": "home", "blocks": out}
