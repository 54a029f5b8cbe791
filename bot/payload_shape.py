"""A first look at what arrives on /slack/events: anything Slack could never have sent gets
a clear 400 here, instead of an exception (and a 500, which makes Slack retry) deep inside
Bolt's listener matching."""

import json
from typing import Any
from urllib.parse import parse_qs


def problem(body: bytes, content_type: str) -> str | None:
    """None if the body is shaped like a Slack request, else what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if content_type.startswith("application/json"):
        return _json_problem(text)
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return _json_problem(form["payload"][0])
        return None if "command" in form or "ssl_check" in form or not text else "unknown form body"
    return f"unsupported content type {content_type or '(none)'}"


def _json_problem(text: str) -> str | None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return "the payload is not JSON"
    if not isinstance(data, dict):
        return "the payload is not a JSON object"
    for key in ("event", "view", "user", "team", "container", "message"):
        if key in data and not isinstance(data[key], dict | type(None)):
            return f"'{key}' is not an object"
    actions = data.get("actions")
    if actions is not None and not (
        isinstance(actions, list)
        and all(isinstance(a, dict) and isinstance(a.get("action_id", ""), str) for a in actions)
    ):
        return "'actions' is not a list of actions"
    return None
