"""The other half of a Slack stand-in: what Slack *sends* to an app. Builds slash commands,
button clicks, modal submissions and Events API callbacks shaped like Slack's, signs them
with the app's signing secret exactly as Slack does, and POSTs them to the app over HTTP.

Used by the test-suite and by `convene demo`."""

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from standins.slack_api import SlackStandIn


@dataclass
class Delivery:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackPayloads:
    """What people do in Slack, as the payloads Slack builds for an app: slash commands,
    button presses, modal submissions and Events API callbacks for one workspace. Over HTTP
    they are signed and POSTed (`SlackEvents`); over Socket Mode they travel in envelopes."""

    def __init__(self, api: SlackStandIn) -> None:
        self.api = api
        self._ids = itertools.count(1)

    def command(
        self, user_id: str, text: str, channel_id: str = "C0GENERAL", command: str = "/convene"
    ) -> dict[str, str]:
        """A slash command's fields (a form body over HTTP, a JSON object over Socket Mode)."""
        return {
            "token": "legacy-verification-token",
            "team_id": self.api.team_id,
            "team_domain": "standin",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": self._name(user_id),
            "command": command,
            "text": text,
            "api_app_id": "A0CONVENE",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(),
            "trigger_id": self.api.new_trigger_id(),
        }

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """A button press on a message (e.g. the check-in DM)."""
        message = message or {}
        return {
            "type": "block_actions",
            "user": {"id": user_id, "username": self._name(user_id), "team_id": self.api.team_id},
            "api_app_id": "A0CONVENE",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message.get("ts", ""),
                "channel_id": channel_id or "",
                "is_ephemeral": False,
            },
            "trigger_id": self.api.new_trigger_id(),
            "team": {"id": self.api.team_id, "domain": "standin"},
            "channel": {"id": channel_id or "", "name": "directmessage"},
            "message": message,
            "response_url": self.api.response_url(),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def click_button_in(
        self,
        user_id: str,
        message: dict[str, Any],
        action_id: str,
        channel_id: str | None = None,
        value: str | None = None,
    ) -> dict[str, Any]:
        """Press the button with `action_id` found in a message the bot actually posted (the
        one carrying `value`, where several buttons share an action, one per block)."""
        found = [
            e
            for e in find_elements(message.get("blocks") or [], action_id)
            if value is None or e.get("value") == value
        ]
        if not found:
            raise LookupError(f"no button {action_id!r} in that message")
        return self.click(
            user_id, action_id, found[0].get("value", ""), message, channel_id or message.get("channel")
        )

    def choose_in(
        self, user_id: str, message: dict[str, Any], action_id: str, value: str, channel_id: str | None = None
    ) -> dict[str, Any]:
        """Pick the option carrying `value` in the menu `action_id` of a message the bot posted."""
        menu = find_element(message.get("blocks") or [], action_id)
        if menu is None:
            raise LookupError(f"no menu {action_id!r} in that message")
        option = next((o for o in menu.get("options") or [] if o.get("value") == value), None)
        if option is None:
            raise LookupError(f"no option {value!r} in the menu {action_id!r}")
        payload = self.click(user_id, action_id, "", message, channel_id or message.get("channel"))
        payload["actions"] = [
            {
                "action_id": action_id,
                "block_id": "b",
                "type": menu.get("type", "static_select"),
                "selected_option": option,
                "action_ts": f"{time.time():.6f}",
            }
        ]
        return payload

    def submit_view(
        self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """Submit a modal the app opened. `values` maps block_id -> the element's state,
        e.g. {"challenge": {"type": "plain_text_input", "value": "..."}}."""
        state = {block_id: {"value": element} for block_id, element in values.items()}
        submitted = dict(view)
        submitted["state"] = {"values": state}
        submitted.setdefault("team_id", self.api.team_id)
        return {
            "type": "view_submission",
            "team": {"id": self.api.team_id, "domain": "standin"},
            "user": {"id": user_id, "username": self._name(user_id), "team_id": self.api.team_id},
            "api_app_id": "A0CONVENE",
            "token": "legacy-verification-token",
            "trigger_id": self.api.new_trigger_id(),
            "view": submitted,
            "response_urls": [],
        }

    def event(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """An Events API callback wrapping `event`."""
        return {
            "token": "legacy-verification-token",
            "team_id": self.api.team_id,
            "api_app_id": "A0CONVENE",
            "event": event,
            "type": "event_callback",
            # Unique across workspaces, as Slack's are (a delivery's identity for dedupe).
            "event_id": event_id or f"Ev{next(self._ids):04d}{secrets.token_hex(4).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.api.team_id, "user_id": self.api.bot_user_id, "is_bot": True}
            ],
        }

    def dm(
        self, user_id: str, text: str, channel: str | None = None, ts: str | None = None
    ) -> dict[str, Any]:
        """The `message.im` event of a member writing in their DM with the bot."""
        return {
            "type": "message",
            "channel": channel or self.api.dm_channel_id(user_id),
            "user": user_id,
            "text": text,
            "ts": ts or f"{time.time():.6f}",
            "channel_type": "im",
            "event_ts": ts or f"{time.time():.6f}",
            "team": self.api.team_id,
        }

    def home_opened(self, user_id: str) -> dict[str, Any]:
        """The `app_home_opened` event of a member opening the Home tab."""
        return {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.api.dm_channel_id(user_id),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }

    def _name(self, user_id: str) -> str:
        user = self.api.users.get(user_id) or {}
        return str(user.get("name") or user_id.lower())


class SlackEvents:
    """What Slack sends an app in HTTP mode: each payload signed and POSTed to the app."""

    def __init__(
        self, app_url: str, signing_secret: str, api: SlackStandIn, path: str = "/slack/events"
    ) -> None:
        self.url = app_url.rstrip("/") + path
        self.api = api
        self.payloads = SlackPayloads(api)
        self._secret = signing_secret.encode()
        # The last request sent, so a test can deliver it again byte for byte (a retry).
        self.last_sent: tuple[bytes, str] | None = None

    # ------------------------------------------------------------------ transport

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Delivery:
        """POST a body signed like Slack signs it (v0 HMAC-SHA256 of `v0:ts:body`)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature if signature is not None else self.sign(ts, body),
        }
        headers.update(extra_headers or {})
        self.last_sent = (body, content_type)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Delivery(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Delivery(error.code, error.read().decode(), dict(error.headers))

    def redeliver(self, retry_num: int | None = None, reason: str = "http_timeout") -> Delivery:
        """Send the last request again, freshly signed, as Slack does when it retries (with
        `X-Slack-Retry-Num`) or as a proxy that duplicates requests would (without)."""
        if self.last_sent is None:
            raise LookupError("nothing was sent yet")
        body, content_type = self.last_sent
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason}
        return self.post(body, content_type, extra_headers=headers)

    def sign(self, timestamp: str, body: bytes) -> str:
        """Slack's v0 signature: HMAC-SHA256 over `v0:<timestamp>:<raw body bytes>`."""
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
        return "v0=" + digest.hexdigest()

    def send_form(self, fields: dict[str, str], **kwargs: Any) -> Delivery:
        """A form-encoded request: a slash command's fields."""
        return self.post(
            urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs
        )

    def send_interaction(self, payload: dict[str, Any], **kwargs: Any) -> Delivery:
        """An interaction (button, submission): the JSON payload in a `payload` form field."""
        return self.send_form({"payload": json.dumps(payload)}, **kwargs)

    # ------------------------------------------------------------------ what users do
    # Each action has a builder of its payload (`command_fields`, `click_payload`, ...: what a
    # test mutates before sending it with `send_form`, `send_interaction` or `send_event`).

    def command(
        self,
        user_id: str,
        text: str,
        channel_id: str = "C0GENERAL",
        command: str = "/convene",
        **kwargs: Any,
    ) -> Delivery:
        return self.send_form(self.command_fields(user_id, text, channel_id, command), **kwargs)

    def command_fields(
        self, user_id: str, text: str, channel_id: str = "C0GENERAL", command: str = "/convene"
    ) -> dict[str, str]:
        """The form fields of a slash command, as Slack posts them (send with `send_form`)."""
        return self.payloads.command(user_id, text, channel_id, command)

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
        **kwargs: Any,
    ) -> Delivery:
        """A button press on a message (e.g. the check-in DM)."""
        return self.send_interaction(
            self.click_payload(user_id, action_id, value, message, channel_id), **kwargs
        )

    def click_payload(
        self,
        user_id: str,
        action_id: str,
        value: str,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """A `block_actions` payload (send with `send_interaction`)."""
        return self.payloads.click(user_id, action_id, value, message, channel_id)

    def click_button_in(
        self,
        user_id: str,
        message: dict[str, Any],
        action_id: str,
        channel_id: str | None = None,
        value: str | None = None,
        **kwargs: Any,
    ) -> Delivery:
        """Press the button with `action_id` (and `value`, if given) found in a message the
        bot actually posted."""
        payload = self.payloads.click_button_in(user_id, message, action_id, channel_id, value)
        return self.send_interaction(payload, **kwargs)

    def choose_in(
        self,
        user_id: str,
        message: dict[str, Any],
        action_id: str,
        value: str,
        channel_id: str | None = None,
        **kwargs: Any,
    ) -> Delivery:
        """Pick an option in a menu of a message the bot actually posted."""
        payload = self.payloads.choose_in(user_id, message, action_id, value, channel_id)
        return self.send_interaction(payload, **kwargs)

    def submit_view(
        self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]], **kwargs: Any
    ) -> Delivery:
        """Submit a modal the app opened (see `SlackPayloads.submit_view`)."""
        return self.send_interaction(self.submission_payload(user_id, view, values), **kwargs)

    def submission_payload(
        self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """A `view_submission` payload (send with `send_interaction`)."""
        return self.payloads.submit_view(user_id, view, values)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kwargs: Any,
    ) -> Delivery:
        """An Events API callback. A retry re-sends the same event_id with X-Slack-Retry-Num."""
        envelope = self.event_envelope(event, event_id=event_id)
        return self.send_event(envelope, retry_num=retry_num, **kwargs)

    def event_envelope(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        """The Events API envelope around `event` (send with `send_event`)."""
        return self.payloads.event(event, event_id)

    def send_event(
        self, envelope: dict[str, Any], *, retry_num: int | None = None, **kwargs: Any
    ) -> Delivery:
        headers = dict(kwargs.pop("extra_headers", None) or {})
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return self.post(json.dumps(envelope).encode(), "application/json", extra_headers=headers, **kwargs)

    def dm(
        self,
        user_id: str,
        text: str,
        channel: str | None = None,
        ts: str | None = None,
        **kwargs: Any,
    ) -> Delivery:
        """The member writes a plain message in their DM with the bot."""
        return self.event(self.dm_event(user_id, text, channel, ts), **kwargs)

    def dm_event(
        self, user_id: str, text: str, channel: str | None = None, ts: str | None = None
    ) -> dict[str, Any]:
        """The `message` event of a DM to the bot (wrap with `event_envelope`)."""
        return self.payloads.dm(user_id, text, channel, ts)

    def home_opened(self, user_id: str, **kwargs: Any) -> Delivery:
        return self.event(self.home_event(user_id), **kwargs)

    def home_event(self, user_id: str) -> dict[str, Any]:
        """The `app_home_opened` event of a member opening the app's Home tab."""
        return self.payloads.home_opened(user_id)


def find_element(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any] | None:
    found = find_elements(blocks, action_id)
    return found[0] if found else None


def find_elements(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    """Every interactive element with `action_id`, in order (Slack wants an action id unique
    within a block only, so a message may hold one per block)."""
    found = []
    for block in blocks:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                found.append(element)
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("action_id") == action_id:
            found.append(accessory)
    return found
