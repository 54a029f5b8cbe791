"""Buttons on the check-in DM: Answer, Skip this week, Pause, Edit my answer, Add details."""

import logging
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

log = logging.getLogger("convene.actions")


def register(app: App, runtime: Runtime) -> None:
    @app.action(checkin_blocks.ANSWER)
    @app.action(checkin_blocks.EDIT)
    def open_answer_modal(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _open_modal(runtime, body, client, respond, details_only=False)

    @app.action(checkin_blocks.DETAILS)
    def open_details_modal(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _open_modal(runtime, body, client, respond, details_only=True)

    @app.action(checkin_blocks.SKIP)
    def skip(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _step_back(runtime, body, client, respond, pause=False)

    @app.action(checkin_blocks.PAUSE)
    def pause(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _step_back(runtime, body, client, respond, pause=True)


def _step_back(
    runtime: Runtime, body: dict[str, Any], client: WebClient, respond: Respond, pause: bool
) -> None:
    """Skip this week (and, with `pause`, the next ones too); the DM loses its buttons."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        team_id, user_id = request.team_id(body) or "", request.user_id(body) or ""
        member = members.get_member(session, team_id, user_id)
        delivery = checkins.own_delivery(session, member, request.action_value(body))
        if member is None or delivery is None:
            _not_yours(runtime, member, body, client, respond)
            return
        checkins.skip(session, delivery, now)
        if pause:
            until = members.pause(session, member, members.DEFAULT_PAUSE_WEEKS, now.date(), now)
            text = runtime.texts.get("checkin.paused", members.language_of(member), until=until.isoformat())
        else:
            text = runtime.texts.get("checkin.skipped", members.language_of(member))
    text, blocks = checkin_blocks.status_message(text)
    respond(text=text, blocks=blocks, replace_original=True)


def _not_yours(
    runtime: Runtime, clicker: Member | None, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """In the clicker's language: their own choice if they are a member, else Slack's."""
    locale = locale_for(client, request.user_id(body) or "", clicker)
    respond(text=runtime.texts.get("checkin.not_yours", locale), replace_original=False)


def _open_modal(
    runtime: Runtime, body: dict[str, Any], client: WebClient, respond: Respond, details_only: bool
) -> None:
    texts = runtime.texts
    trigger_id = body.get("trigger_id")
    with runtime.db.session() as session:
        team_id, user_id = request.team_id(body) or "", request.user_id(body) or ""
        member = members.get_member(session, team_id, user_id)
        delivery = checkins.own_delivery(session, member, request.action_value(body))
        if member is None or delivery is None or not isinstance(trigger_id, str):
            _not_yours(runtime, member, body, client, respond)
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
