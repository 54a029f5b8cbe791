"""Plain DM replies to the bot: stored as the answer to the open check-in."""

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.checkins import blocks as checkin_blocks
from bot.checkins import service as checkins
from bot.core.runtime import Runtime
from bot.members import service as members
from bot.workspaces import service as workspaces
from handlers.reader_locale import locale_for
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.messages")

# Edits, deletions, joins and bot posts are not answers.
ANSWER_SUBTYPES = (None, "file_share")
LONG_ANSWER = 3000


def register(app: App, runtime: Runtime) -> None:
    app.event("message")(partial(on_message, runtime=runtime))


def on_message(event: dict[str, Any], client: WebClient, caller: Caller | None, *, runtime: Runtime) -> None:
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return
    if event.get("subtype") not in ANSWER_SUBTYPES or event.get("thread_ts") not in (None, event.get("ts")):
        return
    channel, ts = event.get("channel"), event.get("ts")
    # The author is the person the workspace guard checked: the event's own `user`.
    if caller is None or not caller.user_id or caller.user_id != event.get("user"):
        return
    if not (isinstance(channel, str) and isinstance(ts, str)):
        return
    handle_dm(runtime, client, caller.team_id, caller.user_id, channel, ts, event.get("text"))


def handle_dm(
    runtime: Runtime,
    client: WebClient,
    team_id: str,
    user_id: str,
    channel: str,
    ts: str,
    text: Any,
) -> None:
    try:
        _store_and_confirm(runtime, client, team_id, user_id, channel, ts, text)
    except SQLAlchemyError as exc:
        # The database is briefly away. Slack will not re-send an acknowledged message, so
        # the member must hear it was not saved: silence would lose their answer.
        log.warning("DM answer not stored: database unavailable (%s)", type(exc).__name__)
        locale = locale_for(runtime, team_id, user_id)
        _say(client, channel, runtime.texts.get("checkin.dm_not_saved", locale))


def _store_and_confirm(
    runtime: Runtime,
    client: WebClient,
    team_id: str,
    user_id: str,
    channel: str,
    ts: str,
    text: Any,
) -> None:
    texts = runtime.texts
    now = runtime.clock.now()
    text = text if isinstance(text, str) else ""
    with runtime.db.session() as session:
        member = members.get_member(session, team_id, user_id)
        if member is None:
            locale = locale_for(runtime, team_id, user_id)
            community = texts.get("common.community", locale)
            _say(client, channel, texts.get("checkin.dm_not_member", locale, community=community))
            return
        delivery = checkins.open_delivery(session, member, now)
        if delivery is None:
            _say(client, channel, texts.get("checkin.dm_no_open_checkin", members.language_of(member)))
            return
        try:
            answer = checkins.record_dm_answer(
                session, member, delivery, text, f"dm:{team_id}:{channel}:{ts}", now
            )
        except checkins.AnswerRejected as exc:
            key = "checkin.dm_too_long" if exc.reason == "too_long" else "checkin.dm_empty"
            limit = f"{checkins.MAX_ANSWER_CHARS:,}"
            _say(
                client,
                channel,
                texts.get(key, members.language_of(member), length=f"{exc.length:,}", limit=limit),
            )
            return
        privacy = workspaces.privacy(session, team_id, runtime.settings)
    if answer is None:
        return  # Slack re-delivered a message we already stored and acknowledged
    reply, blocks = checkin_blocks.dm_saved_message(
        texts, member, answer, long=len(answer.text) > LONG_ANSWER, privacy=privacy
    )
    _say(client, channel, reply, blocks)
    if delivery.channel_id and delivery.message_ts:
        text_, blocks_ = checkin_blocks.answered_message(texts, member, delivery.id or 0)
        try:
            client.chat_update(
                channel=delivery.channel_id, ts=delivery.message_ts, text=text_, blocks=blocks_
            )
        except SlackClientError as exc:
            log.warning("could not update check-in %s: %s", delivery.id, type(exc).__name__)


def _say(client: WebClient, channel: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    try:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackClientError as exc:
        # The answer (if any) is stored; a lost confirmation is not worth a crash.
        log.warning("could not reply in DM: %s", type(exc).__name__)
