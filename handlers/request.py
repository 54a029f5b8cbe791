"""Reading the few fields every listener needs from Slack's payloads, defensively: a
malformed payload yields None rather than a KeyError deep inside a listener."""

from typing import Any


def dig(body: Any, *path: str) -> Any:
    node = body
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def team_id(body: dict[str, Any]) -> str | None:
    value = (
        dig(body, "team_id")
        or dig(body, "team", "id")
        or dig(body, "user", "team_id")
        or dig(body, "view", "team_id")
    )
    return value if isinstance(value, str) else None


def user_id(body: dict[str, Any]) -> str | None:
    value = dig(body, "user_id") or dig(body, "user", "id")
    return value if isinstance(value, str) else None


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = dig(body, "actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0]
    return {}


def action_value(body: dict[str, Any]) -> str:
    value = first_action(body).get("value")
    return value if isinstance(value, str) else ""


def action_id(body: dict[str, Any]) -> str:
    value = first_action(body).get("action_id")
    return value if isinstance(value, str) else ""
