"""Buttons on the check-in DM: Answer, Skip this week, Pause, Edit my answer, Add details."""

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.checkins import blocks as checkin_blocks
from bot.checkins import service as checkins
from bot.core.runtime import Runtime
from bot.members import service as members
from bot.members.service import Member
from bot.tagging import taxonomy
from bot.workspaces import service as workspaces
from handlers import request
from handlers.reader_locale import locale_for
from handlers.workspace_guard import Caller

log = logging.getLogger("convene.actions")


def register(app: App, runtime: Runtime) -> None:
    app.action(checkin_blocks.ANSWER)(partial(open_modal, runtime=runtime, details_only=False))
    app.action(checkin_blocks.EDIT)(partial(open_modal, runtime=runtime, details_only=False))
    app.action(checkin_blocks.DETAILS)(partial(open_modal, runtime=runtime, details_only=True))
    app.action(checkin_blocks.SKIP)(partial(step_back, runtime=runtime, pause=False))
    app.action(checkin_blocks.PAUSE)(partial(step_back, runtime=runtime, pause=True))


def step_back(
    ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller | None, *, runtime: Runtime, pause: bool
) -> None:
    """Skip this week (and, with `pause`, the next ones too); the DM loses its buttons."""
    ack()
    if caller is None or not caller.user_id:
        return
    now = runtime.clock.now()
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        delivery = checkins.own_delivery(session, member, request.action_value(body))
        if member is None or delivery is None:
            _not_yours(runtime, caller, member, respond)
            return
        checkins.skip(session, delivery, now)
        if pause:
            until = members.pause(session, member, members.DEFAULT_PAUSE_WEEKS, now.date(), now)
            text = runtime.texts.get("checkin.paused", members.language_of(member), until=until.isoformat())
        else:
            text = runtime.texts.get("checkin.skipped", members.language_of(member))
    text, blocks = checkin_blocks.status_message(text)
    respond(text=text, blocks=blocks, replace_original=True)


def open_modal(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    caller: Caller | None,
    *,
    runtime: Runtime,
    details_only: bool,
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    texts = runtime.texts
    trigger_id = body.get("trigger_id")
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        delivery = checkins.own_delivery(session, member, request.action_value(body))
        if member is None or delivery is None or not isinstance(trigger_id, str):
            _not_yours(runtime, caller, member, respond)
            return
        if not checkins.is_open(delivery, runtime.clock.now()):
            respond(text=texts.get("checkin.closed", members.language_of(member)), replace_original=False)
            return
        answer = checkins.answer_to_edit(session, request.action_value(body), delivery)
        selected = checkins.member_tag_ids(session, answer.id) if answer and answer.id else []
        pains = taxonomy.active_pain_points(session, member.team_id)
        privacy = workspaces.privacy(session, member.team_id, runtime.settings)
        ahead_of = checkins.ahead_of(session, delivery)
    view = checkin_blocks.checkin_modal(
        texts, member, pains, delivery.id or 0, privacy, answer, selected,
        details_only=details_only or (answer is not None and len(answer.text) > 3000),
        ahead_of=ahead_of,
    )  # fmt: skip
    # The trigger id expires 3 s after the click: open the modal before anything slow.
    client.views_open(trigger_id=trigger_id, view=view)


def _not_yours(runtime: Runtime, caller: Caller, clicker: Member | None, respond: Respond) -> None:
    """In the clicker's language: their own choice if they are a member, else Slack's."""
    locale = locale_for(runtime, caller.team_id, caller.user_id, clicker)
    respond(text=runtime.texts.get("checkin.not_yours", locale), replace_original=False)
