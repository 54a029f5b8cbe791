"""Country and agency: asked after joining, used for cross-country matching."""

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.members import service as members
from bot.slack.mrkdwn import escape
from handlers import request
from handlers.member_commands import PROFILE_OPEN

PROFILE_MODAL = "profile_modal"


def register(app: App, runtime: Runtime) -> None:
    texts = runtime.texts

    @app.action(PROFILE_OPEN)
    def open_profile(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with runtime.db.session() as session:
            member = members.get_member(session, request.team_id(body) or "", request.user_id(body) or "")
            avoided = members.avoided_user_ids(session, member) if member else []
        if member is None or not isinstance(body.get("trigger_id"), str):
            return
        loc = members.language_of(member)

        def field(
            block_id: str, label: str, placeholder: str, value: str | None, limit: int
        ) -> dict[str, Any]:
            element: dict[str, Any] = {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": limit,
                "placeholder": {"type": "plain_text", "text": texts.get(placeholder, loc)},
            }
            if value:
                element["initial_value"] = value
            return {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": texts.get(label, loc)},
                "element": element,
                "optional": True,
            }

        view = {
            "type": "modal",
            "callback_id": PROFILE_MODAL,
            "title": {"type": "plain_text", "text": texts.get("profile.title", loc)[:24]},
            "submit": {"type": "plain_text", "text": texts.get("profile.submit", loc)[:24]},
            "blocks": [
                field(
                    "country",
                    "profile.country_label",
                    "profile.country_placeholder",
                    member.country,
                    120,
                ),
                field(
                    "agency",
                    "profile.agency_label",
                    "profile.agency_placeholder",
                    member.agency,
                    255,
                ),
                avoid_field(texts, loc, avoided),
                lead_field(texts, loc, member.can_lead),
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": texts.get("profile.hint", loc)}],
                },
            ],
        }
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(PROFILE_MODAL)
    def save_profile(ack: Ack, body: dict[str, Any]) -> None:
        values = request.dig(body, "view", "state", "values") or {}
        country = request.dig(values, "country", "value", "value")
        agency = request.dig(values, "agency", "value", "value")
        avoid = request.dig(values, "avoid", "value", "selected_users")
        with runtime.db.session() as session:
            member = members.get_member(session, request.team_id(body) or "", request.user_id(body) or "")
            if member is None:
                ack()
                return
            if isinstance(avoid, list):
                members.set_avoided(session, member, [u for u in avoid if isinstance(u, str)])
            lead = request.dig(values, "lead", "value", "selected_options")
            if isinstance(lead, list):
                members.set_can_lead(
                    session, member, any(isinstance(o, dict) and o.get("value") == "yes" for o in lead)
                )
            members.set_profile(
                session,
                member,
                country if isinstance(country, str) else "",
                agency if isinstance(agency, str) else "",
                runtime.clock.now(),
            )
        loc = members.language_of(member)
        unset = texts.get("me.unknown_value", loc)
        saved = texts.get(
            "profile.saved",
            loc,
            country=escape(member.country or unset),
            agency=escape(member.agency or unset),
        )
        ack(
            response_action="update",
            view={
                "type": "modal",
                "title": {
                    "type": "plain_text",
                    "text": texts.get("profile.title", loc)[:24],
                },
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": saved}}],
            },
        )


def avoid_field(texts: Any, locale: str, avoided: list[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "multi_users_select", "action_id": "value", "max_selected_items": 20}
    if avoided:
        element["initial_users"] = avoided[:20]
    return {
        "type": "input",
        "block_id": "avoid",
        "label": {"type": "plain_text", "text": texts.get("profile.avoid_label", locale)},
        "hint": {"type": "plain_text", "text": texts.get("profile.avoid_hint", locale)},
        "element": element,
        "optional": True,
    }


def lead_field(texts: Any, locale: str, checked: bool) -> dict[str, Any]:
    option = {
        "text": {"type": "plain_text", "text": texts.get("profile.lead_option", locale)},
        "value": "yes",
    }
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [option]}
    if checked:
        element["initial_options"] = [option]
    return {
        "type": "input",
        "block_id": "lead",
        "label": {"type": "plain_text", "text": texts.get("profile.lead_label", locale)},
        "element": element,
        "optional": True,
    }
