"""The check-in modal's submission: validate, store, then tidy up the DM."""

import json
import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.checkins import blocks as checkin_blocks
from bot.checkins import service as checkins
from bot.core.runtime import Runtime
from bot.members import service as members
from handlers import request
from handlers.reader_locale import locale_for
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.views")


def register(app: App, runtime: Runtime) -> None:
    app.view(checkin_blocks.MODAL)(partial(submit_checkin, runtime=runtime))


def submit_checkin(
    ack: Ack, body: dict[str, Any], client: WebClient, caller: Caller | None, *, runtime: Runtime
) -> None:
    if caller is None or not caller.user_id:
        ack()
        return
    try:
        _submit(runtime, ack, body, client, caller)
    except SQLAlchemyError as exc:
        # The database is briefly away: keep the form open with everything typed in it.
        log.warning("check-in form not stored: database unavailable (%s)", type(exc).__name__)
        view = body["view"] if isinstance(body.get("view"), dict) else {}
        state = checkin_blocks.read_modal_state(request.dig(view, "state", "values") or {})
        block = "challenge" if state["has_text_field"] else _first_block_id(view)
        locale = locale_for(runtime, caller.team_id, caller.user_id)
        ack(response_action="errors", errors={block: runtime.texts.get("modal.error_not_saved", locale)})


def _submit(runtime: Runtime, ack: Ack, body: dict[str, Any], client: WebClient, caller: Caller) -> None:
    texts = runtime.texts
    view = body["view"] if isinstance(body.get("view"), dict) else {}
    meta = _metadata(view.get("private_metadata"))
    state = checkin_blocks.read_modal_state(request.dig(view, "state", "values") or {})
    error_block = "challenge" if state["has_text_field"] else _first_block_id(view)
    now = runtime.clock.now()
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        delivery = (
            checkins.delivery_for_member(session, meta["delivery"], member)
            if member is not None and meta["delivery"] is not None
            else None
        )
        if member is None or delivery is None or not checkins.is_open(delivery, now):
            locale = locale_for(runtime, caller.team_id, caller.user_id, member)
            ack(response_action="errors", errors={error_block: texts.get("modal.error_closed", locale)})
            return
        form = checkins.ModalAnswer(
            text=state["text"] if state["has_text_field"] else None,
            pain_point_ids=state["pain_ids"],
            support_score=state["support"],
            wants_match=state["wants_match"],
            consent=state["consent"],
            told_readable=meta["readable"],
        )
        try:
            # Stored and committed before we answer Slack: nothing after this can lose it.
            checkins.record_modal_answer(session, member, delivery, form, now, meta["answer"])
        except checkins.AnswerRejected as exc:
            ack(
                response_action="errors",
                errors={error_block: _rejection(runtime, exc, members.language_of(member))},
            )
            return
    ack()
    _mark_dm_answered(runtime, client, member, delivery)


def _mark_dm_answered(runtime: Runtime, client: WebClient, member: Any, delivery: Any) -> None:
    if not delivery.channel_id or not delivery.message_ts:
        return
    text, blocks = checkin_blocks.answered_message(runtime.texts, member, delivery.id)
    try:
        client.chat_update(channel=delivery.channel_id, ts=delivery.message_ts, text=text, blocks=blocks)
    except SlackClientError as exc:
        # Cosmetic: the answer is already safe in the database.
        log.warning("could not update check-in %s: %s", delivery.id, type(exc).__name__)


def _rejection(runtime: Runtime, exc: checkins.AnswerRejected, locale: str) -> str:
    if exc.reason == "too_long":
        return runtime.texts.get(
            "modal.error_too_long",
            locale,
            limit=f"{checkins.MAX_MODAL_CHARS:,}",
            length=f"{exc.length:,}",
        )
    return runtime.texts.get("modal.error_empty", locale)


def _metadata(raw: Any) -> dict[str, Any]:
    try:
        data = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}

    def as_id(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    return {
        "delivery": as_id(data.get("delivery")),
        "answer": as_id(data.get("answer")),
        "readable": data.get("readable") is True,
    }


def _first_block_id(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return "support"
