"""A first look at what arrives on /slack/events: anything Slack could never have sent gets
a clear 400 here, instead of an exception (and a 500, which makes Slack retry) deep inside
Bolt's listener matching."""

import json
import re
from typing import Any
from urllib.parse import parse_qs


def problem(body: bytes, content_type: str, timestamp: str | None = None) -> str | None:
    """None if the body is shaped like a Slack request, else what is wrong with it."""
    if timestamp is not None and not (timestamp.strip().isascii() and timestamp.strip().isdigit()):
        # slack-sdk's verifier would raise on it (a 500, which Slack retries); Slack sends digits.
        return "the request timestamp is not a number"
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
        if any("\x00" in value for name, values in form.items() if name != "text" for value in values):
            return "a field holds a NUL character"
        return None if "command" in form or "ssl_check" in form or not text else "unknown form body"
    return f"unsupported content type {content_type or '(none)'}"


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


# Fields that hold Slack ids, which end up in queries: PostgreSQL cannot store a NUL
# character in text, so one there would be a database error (a 500) rather than a refusal.
_ID_KEYS = frozenset(
    {"id", "team_id", "user_id", "channel_id", "enterprise_id", "api_app_id", "trigger_id", "event_id"}
)


def _nul_in_an_id(data: Any) -> bool:
    if isinstance(data, dict):
        return any(
            (key in _ID_KEYS and isinstance(value, str) and "\x00" in value) or _nul_in_an_id(value)
            for key, value in data.items()
        )
    if isinstance(data, list):
        return any(_nul_in_an_id(item) for item in data)
    return False


# Where Bolt looks for the team, user and channel before any listener runs: each of these
# is a string or an object in what Slack sends, and Bolt crashes (a 500) on anything else.
_CONTEXT_KEYS = ("user", "channel", "team", "enterprise", "organization")
_CONTEXT_HOLDERS = ("event", "message", "previous_message")


def _bolt_context_problem(data: dict[str, Any]) -> str | None:
    holders = [data] + [data[k] for k in _CONTEXT_HOLDERS if isinstance(data.get(k), dict)]
    for holder in holders:
        for key in _CONTEXT_KEYS:
            if not isinstance(holder.get(key), str | dict | type(None)):
                return f"'{key}' is neither an id nor an object"
    authorizations = data.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "'authorizations' is not a list of objects"
    return None


def _has_lone_surrogate(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_problem(text: str) -> str | None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return "the payload is not JSON"
    if not isinstance(data, dict):
        return "the payload is not a JSON object"
    if "\\u0000" in text and _nul_in_an_id(data):
        return "an id holds a NUL character"
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(data):
        # Only a JSON escape can carry half a UTF-16 pair; no database can store it.
        return "the payload has an unpaired surrogate"
    for key in ("event", "view", "user", "team", "container", "message"):
        if key in data and not isinstance(data[key], dict | type(None)):
            return f"'{key}' is not an object"
    if data.get("type") == "event_callback" and not isinstance(data.get("event"), dict):
        return "an event callback without an event"  # Bolt reads event.type at once
    wrong = _bolt_context_problem(data)
    if wrong is not None:
        return wrong
    if data.get("type") == "view_submission" and not isinstance((data.get("view") or {}).get("type"), str):
        return "the submitted view has no type"  # Slack always sends one; Bolt reads it
    actions = data.get("actions")
    block_actions = data.get("type") == "block_actions"
    if (actions is not None or block_actions) and not (
        isinstance(actions, list)
        and (actions or not block_actions)  # Bolt reads the first one
        and all(
            isinstance(a, dict) and isinstance(a.get("action_id", None if block_actions else ""), str)
            for a in actions
        )
    ):
        return "'actions' is not a list of actions"
    return None
