"""Reading the few payload fields listeners need, defensively: a malformed payload yields
None (or "") rather than a KeyError deep inside a listener. Which workspace and person a
request is for is never read here: that is the `caller` the workspace guard vouched for."""

from typing import Any


def dig(body: Any, *path: str) -> Any:
    node = body
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def action_value(body: dict[str, Any]) -> str:
    actions = dig(body, "actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        value = actions[0].get("value")
        return value if isinstance(value, str) else ""
    return ""


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = dig(body, "actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def action_id(body: dict[str, Any]) -> str:
    value = first_action(body).get("action_id")
    return value if isinstance(value, str) else ""
