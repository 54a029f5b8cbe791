"""Using the App Home the way a person does: open the tab, then change a control on it.
Slack sends a `block_actions` payload naming the element and its new state; this builds it
from the element the app actually published, signs it and posts it over HTTP."""

import json
import time
import urllib.parse
from typing import Any

from standins.harness import LocalSlack, wait_for
from standins.slack_events import Delivery, find_elements


def open_home(slack: LocalSlack, user_id: str) -> dict[str, Any]:
    before = slack.api.published_home(user_id)
    slack.events.home_opened(user_id)
    return wait_for(lambda: _republished(slack, user_id, before))


def use_control(
    slack: LocalSlack,
    user_id: str,
    action_id: str,
    *,
    option: str | None = None,
    date: str | None = None,
) -> dict[str, Any]:
    """Press the button, pick the `option` (by value) or the `date` on the Home control
    `action_id`, and return the Home the app re-publishes."""
    home = slack.api.published_home(user_id)
    assert home is not None, "open the Home tab first"
    delivery = send_action(slack, user_id, home, action_id, option=option, date=date)
    assert delivery.status == 200, delivery.body
    return wait_for(lambda: _republished(slack, user_id, home))


def send_action(
    slack: LocalSlack,
    user_id: str,
    home: dict[str, Any],
    action_id: str,
    *,
    option: str | None = None,
    date: str | None = None,
    value: str | None = None,
) -> Delivery:
    """`value`: which of several buttons sharing `action_id` (one per block) to press."""
    elements = [
        e for e in find_elements(home["blocks"], action_id) if value is None or e.get("value") == value
    ]
    if not elements:
        raise LookupError(f"no control {action_id!r} on this Home")
    element = elements[0]
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": "b",
        "type": element["type"],
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        action["value"] = element.get("value", "")
    if option is not None:
        action["selected_option"] = next(o for o in element["options"] if o["value"] == option)
    if date is not None:
        action["selected_date"] = date
    team = slack.api.team_id
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team},
        "api_app_id": "A0CONVENE",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": home["id"]},
        "trigger_id": slack.api.new_trigger_id(),
        "team": {"id": team, "domain": "standin"},
        "view": home,
        "actions": [action],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return slack.events.post(body, "application/x-www-form-urlencoded")


def _republished(slack: LocalSlack, user_id: str, before: dict[str, Any] | None) -> dict[str, Any] | None:
    home = slack.api.published_home(user_id)
    if home is None or (before is not None and home["hash"] == before["hash"]):
        return None
    return home
