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


def action_value(body: dict[str, Any]) -> str:
    actions = dig(body, "actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        value = actions[0].get("value")
        return value if isinstance(value, str) else ""
    return ""


def action_id(body: dict[str, Any]) -> str:
    actions = dig(body, "actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        value = actions[0].get("action_id")
        return value if isinstance(value, str) else ""
    return ""
