"""Country and agency (asked after joining, used for cross-country matching), who not to be
matched with, and whether they would lead a conversation."""

from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.members import blocks as member_blocks
from bot.members import service as members
from handlers import request
from handlers.workspace_guard import Caller

PROFILE_OPEN = member_blocks.PROFILE_OPEN
PROFILE_MODAL = member_blocks.PROFILE_MODAL


def register(app: App, runtime: Runtime) -> None:
    app.action(PROFILE_OPEN)(partial(open_profile, runtime=runtime))
    app.view(PROFILE_MODAL)(partial(save_profile, runtime=runtime))


def open_profile(
    ack: Ack, body: dict[str, Any], client: WebClient, caller: Caller | None, *, runtime: Runtime
) -> None:
    ack()
    if caller is None or not caller.user_id:
        return
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        avoided = members.avoided_user_ids(session, member) if member else []
    trigger_id = body.get("trigger_id")
    if member is None or not isinstance(trigger_id, str):
        return
    view = member_blocks.profile_modal(runtime.texts, members.language_of(member), member, avoided)
    client.views_open(trigger_id=trigger_id, view=view)


def save_profile(ack: Ack, body: dict[str, Any], caller: Caller | None, *, runtime: Runtime) -> None:
    values = request.dig(body, "view", "state", "values") or {}
    country = request.dig(values, "country", "value", "value")
    agency = request.dig(values, "agency", "value", "value")
    avoid = request.dig(values, "avoid", "value", "selected_users")
    lead = request.dig(values, "lead", "value", "selected_options")
    if caller is None or not caller.user_id:
        ack()
        return
    with runtime.db.session() as session:
        member = members.get_member(session, caller.team_id, caller.user_id)
        if member is None:
            ack()
            return
        if isinstance(avoid, list):
            members.set_avoided(session, member, [u for u in avoid if isinstance(u, str)])
        if isinstance(lead, list):
            wants = any(isinstance(o, dict) and o.get("value") == "yes" for o in lead)
            members.set_can_lead(session, member, wants)
        members.set_profile(session, member, request.text(country), request.text(agency), runtime.clock.now())
    view = member_blocks.profile_saved_view(runtime.texts, members.language_of(member), member)
    ack(response_action="update", view=view)
