"""A local stand-in for Slack's Web API, for tests and for `convene demo`.

`SlackStandIn` serves Slack's Web API on a loopback port, so the real
`slack_sdk.WebClient` (given `base_url=standin.base_url`) and the real Bolt app
run unchanged against it, and it records what every member would have seen:
messages, ephemeral messages, modals, Home tabs, response_url replies and
uploaded files.

It follows Slack's documented behaviour where that matters to a bot: the same
error codes, Block Kit limits (see `block_rules`), one-shot trigger ids that
expire after 3 s, response_urls good for 5 posts, cursor pagination, the
three-step file upload, and 429s with `Retry-After`. Where Slack's behaviour is
surprising it is copied on purpose, e.g. chat.postMessage to a deactivated
member's user id succeeds (slackapi/python-slack-sdk#1156), so code that must
not message departed members has to check `deleted` itself.

Request bodies are never logged: they carry the bot token and members' words.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import json
import logging
import math
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from standins.block_rules import message_block_problems, view_problems
from standins.loopback import serve_in_thread, shut_down

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 40_000  # chat.postMessage truncates nothing: longer text is refused
MAX_GROUP_DM_USERS = 8  # conversations.open's limit for a multi-person DM
RESPONSE_URL_MAX_POSTS = 5  # Slack honours a response_url five times
USERS_LIST_MAX_PAGE = 200  # Slack's recommended (and here enforced) page size ceiling
HISTORY_DEFAULT_PAGE = 100  # conversations.history's default and maximum `limit`
HISTORY_MAX_PAGE = 999
MAX_ATTACHMENTS = 100
# Slack refuses a message whose blocks hold too much text in all (`msg_blocks_too_long`), even
# when each block is within its own limit; its threshold is undocumented and was observed near
# 13,000 characters. The stand-in refuses past 12,000 characters of text across the blocks.
MAX_BLOCKS_TEXT = 12_000
RATE_WINDOW_SECONDS = 60.0
SLACKBOT_USER_ID = "USLACKBOT"

# Methods only an app-level token (xapp-) may call.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})

# Arguments that slack_sdk sends as JSON strings inside form bodies.
_JSON_ARGUMENTS = ("blocks", "attachments", "view", "files", "users", "metadata")


class _Headers(Protocol):
    """What the stand-in reads from request headers (http.client.HTTPMessage fits)."""

    def get(self, name: str, default: None = None) -> str | None: ...


@dataclass
class Call:
    """One Web API call as the stand-in received and answered it."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float


class _ApiError(Exception):
    """A Slack-style refusal: HTTP `status` with body {"ok": false, "error": ...}."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def _invalid_arguments(*messages: str) -> _ApiError:
    return _ApiError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] {m}" for m in messages]},
    )


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(status: int, payload: dict[str, Any], headers: Mapping[str, str]) -> _Reply:
    body = json.dumps(payload).encode("utf-8")
    return _Reply(status, body, "application/json; charset=utf-8", dict(headers))


def _text_reply(status: int, text: str, content_type: str = "text/html") -> _Reply:
    # Slack's hooks (response_url) answer in bare words such as "ok" or "used_url".
    return _Reply(status, text.encode("utf-8"), content_type)


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    tz: str
    locale: str
    is_admin: bool
    is_owner: bool
    is_bot: bool
    deleted: bool
    email: str | None
    # A Slack Connect guest's own workspace; None for the workspace's own members.
    home_team_id: str | None = None


@dataclass
class _Conversation:
    id: str
    kind: str  # "channel", "im" or "mpim"
    name: str = ""
    members: set[str] | None = None  # None: everyone in the workspace
    bot_is_member: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    is_private: bool = False  # a private channel the bot is not in does not exist for it
    archived: bool = False

    def has_member(self, user_id: str) -> bool:
        return self.members is None or user_id in self.members


@dataclass
class _Fault:
    error: str
    status: int | None
    retry_after: int
    remaining: int

    def to_error(self) -> _ApiError:
        status = self.status
        if status is None:
            status = 429 if self.error == "ratelimited" else 200
        if status == 429:
            return _ApiError(self.error, status=429, headers={"Retry-After": str(self.retry_after)})
        error = self.error
        if status >= 500 and error == "ratelimited":  # the default error makes no sense for a 5xx
            error = "service_unavailable" if status == 503 else "internal_error"
        return _ApiError(error, status=status)


@dataclass
class _Upload:
    id: str
    filename: str
    declared_length: int
    content: bytes | None = None
    completed: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must never keep the process alive
    allow_reuse_address = True
    # The default backlog of 5 drops connections when a bot fans out calls, and
    # a dropped SYN costs the client a one-second retransmit.
    request_queue_size = 128

    def __init__(self, standin: SlackStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.standin = standin


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length else b""
        try:
            reply = self.server.standin._route(self.path, self.headers, body)
        except Exception:
            # Answer like an outage rather than letting socketserver print the
            # failure (and with it parts of the request) to stderr.
            logger.exception("Slack stand-in failed on %s", urlsplit(self.path).path)
            reply = _text_reply(500, "internal_error", "text/plain")
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The query string is dropped: GET callers may put the token there.
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        # BaseHTTPRequestHandler would print request lines (and so tokens) to stderr.
        logger.debug("stand-in HTTP notice suppressed")


def _arg(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return None if value is None or value == "" else str(value)


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name)
    return value is True or str(value).lower() in ("1", "true")


def _decode_json_arguments(params: dict[str, Any]) -> None:
    for key in _JSON_ARGUMENTS:
        value = params.get(key)
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            # Undecodable JSON stays a string; the method then refuses it in Slack's words.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)


def _multipart(content_type: str, body: bytes) -> Message:
    # The email parser understands multipart/form-data once it sees the header.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    return message_from_bytes(head + body)


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    message = _multipart(content_type, body)
    if not message.is_multipart():
        return fields
    for part in message.get_payload():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if isinstance(name, str):
            is_file = part.get_filename() is not None
            fields[name] = payload if is_file else payload.decode("utf-8", "replace")
    return fields


def _form_fields(text: str) -> dict[str, Any]:
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _decode_request(query: str, headers: _Headers, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Arguments and token of an API request, however slack_sdk encoded them."""
    content_type = headers.get("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    params = _form_fields(query)
    if mime == "application/json":
        if body.strip():
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _ApiError("invalid_json") from exc
            if not isinstance(payload, dict):
                raise _ApiError("json_not_object")
            params.update(payload)
    elif mime == "multipart/form-data":
        params.update(_multipart_fields(content_type, body))
    elif body:
        params.update(_form_fields(body.decode("utf-8", "replace")))
    authorization = headers.get("Authorization") or ""
    token: str | None = None
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip() or None
    elif mime != "application/json":
        # Slack accepts a token argument in forms and query strings, never in JSON bodies.
        token = _arg(params, "token")
    params.pop("token", None)  # recorded calls must not carry credentials
    params = {k: v for k, v in params.items() if v is not None}
    _decode_json_arguments(params)
    return params, token


def _history_ts(params: Mapping[str, Any], name: str, default: float) -> float:
    raw = _arg(params, name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise _ApiError(f"invalid_ts_{name}") from exc


def _message_metadata(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """chat.postMessage's `metadata`: an event_type string and an event_payload object."""
    metadata = params.get("metadata")
    if metadata is None or metadata == "":
        return None
    if not isinstance(metadata, dict):
        raise _ApiError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(metadata.get("event_payload"), dict):
        raise _ApiError("invalid_metadata_schema")
    return {"event_type": metadata["event_type"], "event_payload": copy.deepcopy(metadata["event_payload"])}


def _text_length(node: object) -> int:
    """Characters of text anywhere in a block structure."""
    if isinstance(node, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else _text_length(v) for k, v in node.items())
    if isinstance(node, list):
        return sum(_text_length(item) for item in node)
    return 0


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _ApiError("invalid_cursor") from exc
    if kind != "offset" or offset < 0:
        raise _ApiError("invalid_cursor")
    return offset


class SlackStandIn:
    """Slack's Web API on 127.0.0.1, recording everything a bot sends.

    Use it as a context manager (or call start()/stop()) and point a WebClient
    at `base_url`. Seed the workspace with add_user()/add_channel(); inspect
    what members received with messages_to(), ephemeral_to(), responses(),
    published_home(), open_views() and uploaded_files(); every call is in
    `calls`. All state sits behind one lock, so tests may read it while the
    bot is still talking to the server.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-standin-token",
        team_id: str = "T0STANDIN",
        team_name: str = "Stand-in Workspace",
        bot_user_id: str = "U0CONVENE",
        latency: float = 0.0,
        bot_name: str = "convene",
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # How the simulated latency is waited out (a test may record it instead).
        self._sleep = sleep
        # Slack's clock, as epoch seconds: message ts values follow it. Tests that simulate
        # time give Slack the same clock as the app, as real Slack and a synced server share.
        self._clock = clock
        self._bot_token = bot_token
        self._team_id = team_id
        self._team_name = team_name
        self._bot_user_id = bot_user_id
        self._bot_id = "B" + bot_user_id[1:]
        self._app_id = "A" + bot_user_id[1:]
        self._latency = latency
        # Extra random seconds (uniform 0..jitter) per call on top of `latency`: real round
        # trips vary, so calls paced evenly reach the server unevenly.
        self.jitter = 0.0
        # How long a trigger id stays usable. Slack's is 3 s; tests may shorten
        # it to exercise expiry without sleeping.
        self.trigger_ttl_seconds = 3.0

        self._lock = threading.RLock()
        # hold_calls(): API calls wait at this gate until release_calls(), so a test can
        # check what an app does while Slack has not answered (e.g. that it acked already).
        self._gate = threading.Condition()
        self._gate_open = True
        self._gated: frozenset[str] | None = None  # the methods held; None: every method
        self._held = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sequence = 0
        self._last_ts_micros = 0

        self.calls: list[Call] = []
        self._users: dict[str, _User] = {}
        self._conversations: dict[str, _Conversation] = {}
        self._dm_by_user: dict[str, str] = {}
        self._group_dm_by_members: dict[frozenset[str], str] = {}
        self._ephemeral: list[dict[str, Any]] = []
        self._triggers: dict[str, tuple[float, bool]] = {}  # id -> (issued, used)
        self._views: dict[str, dict[str, Any]] = {}
        self._home: dict[str, dict[str, Any]] = {}
        self._response_urls: dict[str, int] = {}  # token -> posts accepted
        self._responses: list[dict[str, Any]] = []
        self._uploads: dict[str, _Upload] = {}
        self._upload_tokens: dict[str, str] = {}
        self._uploaded: list[dict[str, Any]] = []
        self._faults: dict[str, deque[_Fault]] = {}
        # method -> (calls, window seconds, burst or None for a strict window)
        self._rate_limits: dict[str, tuple[int, float, int | None]] = {}
        self._bucket_due: dict[tuple[str, str], float] = {}  # when a burst-allowing bucket is full again
        self._windows: dict[tuple[str, str], deque[float]] = {}
        # Socket Mode (see slack_socket_mode): the app-level token and where connections go.
        self._app_token: str | None = None
        self._socket_mode_url: Callable[[], str] | None = None
        self._history_page_limit = HISTORY_MAX_PAGE

        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "views.open": self._views_open,
            "views.push": self._views_open,  # no stack is modelled: a push stores like an open
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }
        # Slack lists its own bot user and Slackbot in users.list; callers must filter both.
        self.add_user(bot_user_id, name=bot_name, is_bot=True)
        self.add_user(SLACKBOT_USER_ID, name="slackbot", real_name="Slackbot")

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackStandIn:
        if self._server is not None:
            return self
        server = _Server(self)
        self._server, self._thread = server, serve_in_thread(server, "slack-standin")
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.release_calls()  # a call still held must not outlive the server
        shut_down(server, thread)
        self._server, self._thread = None, None

    @property
    def latency(self) -> float:
        """Seconds every call sleeps before answering: a simulated network round trip."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._latency = seconds

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # Set by mount(): the workspace is served by a multi-workspace SlackCloud's server.
    _mounted_root: str | None = None

    def mount(self, root_url: str) -> SlackStandIn:
        """Be served by another server (`slack_cloud.SlackCloud`: several workspaces behind
        one API host) instead of one's own; every URL this workspace hands out (response_url,
        upload URL, base_url) starts at `root_url`, which must end with a slash."""
        self._mounted_root = root_url
        return self

    @property
    def _root_url(self) -> str:
        if self._mounted_root is not None:
            return self._mounted_root
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def base_url(self) -> str:
        """The value for WebClient(base_url=...): trailing slash included."""
        return self._root_url + "api/"

    # ----------------------------------------------------------- workspace facts
    # Read-only, for code that builds Slack payloads (events, interactions) to
    # match this workspace.

    @property
    def bot_token(self) -> str:
        return self._bot_token

    @property
    def team_id(self) -> str:
        return self._team_id

    @property
    def team_name(self) -> str:
        return self._team_name

    @property
    def bot_user_id(self) -> str:
        return self._bot_user_id

    @property
    def bot_id(self) -> str:
        return self._bot_id

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        """A snapshot of every member's users.info object, by user id."""
        with self._lock:
            return {
                user_id: self._user_object(user, include_locale=True) for user_id, user in self._users.items()
            }

    def dm_channel_id(self, user_id: str) -> str:
        """The id of the bot's DM with a member: the one chat.postMessage would use."""
        with self._lock:
            return self._dm_for(user_id).id

    # --------------------------------------------------------------------- setup

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "UTC",
        locale: str = "en-US",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
        home_team_id: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a member; returns their users.info object. With `home_team_id`
        the person belongs to another workspace and reaches this one through a Slack Connect
        channel: users.info answers with their own team (`is_stranger`), users.list skips them,
        as on Slack."""
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        user = _User(
            user_id,
            name,
            real_name if real_name is not None else name,
            tz,
            locale,
            is_admin,
            is_owner,
            is_bot,
            deleted,
            email,
            home_team_id if home_team_id != self._team_id else None,
        )
        with self._lock:
            self._users[user_id] = user
            return self._user_object(user, include_locale=True)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        members: list[str] | None = None,
        bot_is_member: bool = True,
        is_private: bool = False,
        archived: bool = False,
    ) -> None:
        """Add (or reconfigure: inviting the bot, archiving) a channel, keeping its messages.
        members=None means everyone is in it."""
        with self._lock:
            existing = self._conversations.get(channel_id)
            messages = existing.messages if existing else []
            self._conversations[channel_id] = _Conversation(
                channel_id,
                "channel",
                name,
                set(members) if members is not None else None,
                bot_is_member,
                messages,
                is_private,
                archived,
            )

    def add_message(self, channel: str, *, user: str, text: str, thread_ts: str | None = None) -> str:
        """Seed a message written by a member (not the bot); returns its ts."""
        with self._lock:
            conversation = self._conversations.get(channel)
            if conversation is None and channel in self._users:
                conversation = self._dm_for(channel)
            if conversation is None:
                raise KeyError(f"no conversation {channel!r}; add_channel() it first")
            ts = self._next_ts()
            message = {"type": "message", "user": user, "text": text, "ts": ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            conversation.messages.append(message)
            return ts

    def new_trigger_id(self) -> str:
        """A trigger id as an interaction payload carries: one use, 3 s of life."""
        with self._lock:
            self._sequence += 1
            trigger_id = f"{self._sequence}.{int(time.time())}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = (time.monotonic(), False)
            return trigger_id

    def response_url(self) -> str:
        """A fresh response_url, as a slash command or interaction would carry."""
        with self._lock:
            token = secrets.token_urlsafe(18)
            self._response_urls[token] = 0
            return f"{self._root_url}response/{token}"

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` authenticated calls of `method` fail.

        "ratelimited" (or status=429) answers 429 with Retry-After; a 5xx
        status answers that status; any other error answers 200 ok=false.
        """
        if times < 1 or retry_after < 0:
            raise ValueError("times must be >= 1 and retry_after >= 0")
        with self._lock:
            self._faults.setdefault(method, deque()).append(_Fault(error, status, retry_after, times))

    def set_rate_limit(
        self, method: str, per_minute: int | None, *, per_second: int | None = None, burst: int | None = None
    ) -> None:
        """Allow `per_minute` calls of `method` per token in any 60 s window, or `per_second`
        in any 1 s window (a workspace-wide message limit, as Slack applies to
        chat.postMessage); None for both: no limit. A refusal is a 429 with Retry-After.

        With `burst`, `per_second` is a rate with "short bursts allowed", as Slack words it:
        a bucket of `burst` calls refilled at `per_second` (calls that arrive bunched by
        network jitter pass; a sustained excess is refused)."""
        limit, window = (per_second, 1.0) if per_second is not None else (per_minute, RATE_WINDOW_SECONDS)
        if per_minute is not None and per_second is not None:
            raise ValueError("give per_minute or per_second, not both")
        if (limit is not None and limit < 1) or (burst is not None and (burst < 1 or per_second is None)):
            raise ValueError("limits must be >= 1 (or None), and burst needs per_second")
        with self._lock:
            if limit is None:
                self._rate_limits.pop(method, None)
            else:
                self._rate_limits[method] = (limit, window, burst)
            for key in [k for k in self._windows if k[0] == method]:
                del self._windows[key]
            for key in [k for k in self._bucket_due if k[0] == method]:
                del self._bucket_due[key]

    def attach_socket_mode(self, app_token: str, connection_url: Callable[[], str]) -> None:
        """Accept `app_token` for apps.connections.open, which answers with
        `connection_url()` (a `SlackSocketMode` attaches itself when it starts)."""
        with self._lock:
            self._app_token, self._socket_mode_url = app_token, connection_url

    def hold_calls(self, *methods: str) -> None:
        """Every call of `methods` (of any method if none given) from now on waits,
        unanswered, until release_calls()."""
        with self._gate:
            self._gate_open = False
            self._gated = frozenset(methods) or None

    def release_calls(self) -> None:
        with self._gate:
            self._gate_open = True
            self._gate.notify_all()

    def wait_for_held_calls(self, count: int, timeout: float = 10.0) -> int:
        """Block until at least `count` calls are waiting at the gate at once; returns how many."""
        with self._gate:
            if not self._gate.wait_for(lambda: self._held >= count, timeout):
                raise TimeoutError(f"{self._held} calls held, not {count}")
            return self._held

    def limit_history_as_for_unlisted_apps(
        self, *, calls: int = 1, window_seconds: float = RATE_WINDOW_SECONDS, page: int = 15
    ) -> None:
        """conversations.history as Slack limits it for apps not in the Slack Marketplace
        (new installs since 2025-05-29, existing ones from 2026-03-03): one call a minute
        per workspace, at most 15 messages a page. Tests may shorten the window."""
        if calls < 1 or window_seconds <= 0 or page < 1:
            raise ValueError("calls and page must be >= 1, window_seconds > 0")
        with self._lock:
            self._rate_limits["conversations.history"] = (calls, window_seconds, None)
            self._history_page_limit = page
            for key in [k for k in self._windows if k[0] == "conversations.history"]:
                del self._windows[key]

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def messages_to(self, channel_or_user: str) -> list[dict[str, Any]]:
        """Messages now in a conversation (edits applied); a user id finds the bot's DM."""
        with self._lock:
            conversation = self._conversations.get(channel_or_user)
            if conversation is None and channel_or_user in self._dm_by_user:
                conversation = self._conversations[self._dm_by_user[channel_or_user]]
            return copy.deepcopy(conversation.messages) if conversation else []

    def ephemeral_to(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy([m for m in self._ephemeral if m["user"] == user_id])

    def responses(self, since: int = 0) -> list[dict[str, Any]]:
        """Bodies POSTed to response_urls, in order, each with its "url"; from the `since`-th on
        (a caller waiting for a new one then copies only what is new)."""
        with self._lock:
            return copy.deepcopy(self._responses[since:])

    def published_home(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._home.get(user_id))

    def open_views(self, since: int = 0) -> list[dict[str, Any]]:
        """Modals opened or pushed, in order, each in its latest (updated) form; from the
        `since`-th on."""
        with self._lock:
            return copy.deepcopy(list(self._views.values())[since:])

    def uploaded_files(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._uploaded)

    # ------------------------------------------------------------------- routing

    def _route(self, raw_path: str, headers: _Headers, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/api/"):
            return self._serve_api(path[len("/api/") :], parts.query, headers, body)
        if path.startswith("/response/"):
            return self._serve_response_url(path[len("/response/") :], headers, body)
        if path.startswith("/upload/v1/"):
            return self._serve_upload(path[len("/upload/v1/") :], headers, body)
        return _text_reply(404, "not_found")

    def _serve_api(self, method: str, query: str, headers: _Headers, body: bytes) -> _Reply:
        with self._gate:
            if not self._gate_open and (self._gated is None or method in self._gated):
                self._held += 1
                self._gate.notify_all()
                self._gate.wait_for(lambda: self._gate_open)
                self._held -= 1
        received = time.time()
        delay = self._latency + (random.uniform(0.0, self.jitter) if self.jitter else 0.0)
        if delay:
            self._sleep(delay)
        params: dict[str, Any] = {}
        token: str | None = None
        malformed: _ApiError | None = None
        try:
            params, token = _decode_request(query, headers, body)
        except _ApiError as exc:
            malformed = exc
        with self._lock:
            status, reply_headers = 200, {}
            try:
                handler = self._methods.get(method)
                if handler is None:
                    raise _ApiError("unknown_method")
                if malformed is not None:
                    raise malformed
                self._authenticate(token, app_level=method in _APP_TOKEN_METHODS)
                self._admit(method, token or "")
                response = handler(params)
            except _ApiError as exc:
                response, status, reply_headers = exc.body(), exc.status, exc.headers
            except Exception:
                # A stand-in bug must look like a Slack outage, not a hung request.
                logger.exception("Slack stand-in failed while handling %s", method)
                response, status = {"ok": False, "error": "internal_error"}, 500
            self.calls.append(Call(method, params, status, copy.deepcopy(response), received))
        return _json_reply(status, response, reply_headers)

    def _authenticate(self, token: str | None, *, app_level: bool = False) -> None:
        if not token:
            raise _ApiError("not_authed")
        is_bot = secrets.compare_digest(token.encode(), self._bot_token.encode())
        app_token = self._app_token
        is_app = app_token is not None and secrets.compare_digest(token.encode(), app_token.encode())
        if not is_bot and not is_app:
            raise _ApiError("invalid_auth")
        # Slack keeps the two kinds apart: app-level tokens open connections and do nothing else.
        if is_app != app_level:
            raise _ApiError("not_allowed_token_type")

    def _admit(self, method: str, token: str) -> None:
        """Apply injected faults, then the per-token sliding-window rate limit."""
        faults = self._faults.get(method)
        if faults:
            fault = faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.popleft()
            raise fault.to_error()
        rule = self._rate_limits.get(method)
        if rule is None:
            return
        limit, seconds, burst = rule
        now = time.monotonic()
        if burst is not None:
            # The generic cell rate algorithm: admit while the bucket is not yet full.
            interval = 1.0 / limit
            due = max(self._bucket_due.get((method, token), now), now)
            wait = due - (burst - 1) * interval - now
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
            self._bucket_due[(method, token)] = due + interval
            return
        window = self._windows.setdefault((method, token), deque())
        while window and now - window[0] >= seconds:
            window.popleft()
        if len(window) >= limit:
            # Retry-After is whole seconds until the oldest call leaves the window.
            retry_after = max(1, math.ceil(window[0] + seconds - now))
            raise _ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        window.append(now)

    # ---------------------------------------------------------- shared machinery

    def _next_id(self, prefix: str) -> str:
        self._sequence += 1
        return f"{prefix}0{self._sequence:08d}"

    def _next_ts(self) -> str:
        # Message ts values are unique and strictly increasing, as Slack's are
        # within a channel; the microseconds part keeps them readable as times.
        micros = max(int((self._clock or time.time)() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _dm_for(self, user_id: str) -> _Conversation:
        dm_id = self._dm_by_user.get(user_id)
        if dm_id is None:
            dm_id = self._next_id("D")
            self._dm_by_user[user_id] = dm_id
            self._conversations[dm_id] = _Conversation(dm_id, "im", members={user_id, self._bot_user_id})
        return self._conversations[dm_id]

    def _conversation_for_post(self, channel: str | None) -> _Conversation:
        """The conversation a message to `channel` lands in, or Slack's refusal."""
        if not channel:
            raise _ApiError("channel_not_found")
        conversation = self._conversations.get(channel)
        if conversation is None and channel in self._users:
            if self._users[channel].is_bot:
                raise _ApiError("cannot_dm_bot")
            conversation = self._dm_for(channel)  # deactivated members included, as in Slack
        if conversation is None:
            wanted = channel.lstrip("#")
            conversation = next(
                (c for c in self._conversations.values() if c.kind == "channel" and c.name == wanted),
                None,
            )
        if conversation is None or (conversation.is_private and not conversation.bot_is_member):
            raise _ApiError("channel_not_found")
        if conversation.archived:
            raise _ApiError("is_archived")
        if not conversation.bot_is_member:
            raise _ApiError("not_in_channel")
        return conversation

    def _message_content(
        self, params: Mapping[str, Any]
    ) -> tuple[str | None, list[Any] | None, list[Any] | None]:
        """Validated (text, blocks, attachments); None where the argument was absent."""
        text = None if params.get("text") is None else str(params["text"])
        blocks = params.get("blocks")
        attachments = params.get("attachments")
        if blocks == "":
            blocks = None
        if attachments == "":
            attachments = None
        if not text and not blocks and not attachments:
            raise _ApiError("no_text")
        if text is not None and len(text) > MAX_TEXT_LENGTH:
            raise _ApiError("msg_too_long")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise _ApiError("invalid_blocks_format")
            problems = message_block_problems(blocks)
            if problems:
                raise _ApiError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
            if _text_length(blocks) > MAX_BLOCKS_TEXT:
                raise _ApiError("msg_blocks_too_long")
        if attachments is not None:
            if not isinstance(attachments, list):
                raise _ApiError("invalid_attachments")
            if len(attachments) > MAX_ATTACHMENTS:
                raise _ApiError("too_many_attachments")
        return text, blocks, attachments

    def _bot_message(
        self,
        text: str | None,
        blocks: list[Any] | None,
        attachments: list[Any] | None,
        thread_ts: str | None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self._bot_user_id,
            "bot_id": self._bot_id,
            "app_id": self._app_id,
            "team": self._team_id,
            "text": text or "",
            "ts": self._next_ts(),
        }
        if blocks:
            message["blocks"] = copy.deepcopy(blocks)
        if attachments:
            message["attachments"] = copy.deepcopy(attachments)
        if thread_ts:
            message["thread_ts"] = thread_ts
        return message

    def _user_object(self, user: _User, *, include_locale: bool) -> dict[str, Any]:
        now = datetime.now(ZoneInfo(user.tz))
        offset = now.utcoffset()
        profile: dict[str, Any] = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "team": user.home_team_id or self._team_id,
        }
        if user.email is not None:
            profile["email"] = user.email
        obj: dict[str, Any] = {
            "id": user.id,
            "team_id": user.home_team_id or self._team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": now.tzname() or user.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }
        if user.home_team_id is not None:
            obj["is_stranger"] = True
        if include_locale:
            obj["locale"] = user.locale
        return obj

    # ------------------------------------------------------------ users & auth

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._socket_mode_url is None:
            raise _ApiError("invalid_auth")  # unreachable: no app token is accepted without it
        return {"ok": True, "url": self._socket_mode_url()}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": self._root_url,  # never a real slack.com address: nothing may leave loopback
            "team": self._team_name,
            "user": self._users[self._bot_user_id].name,
            "team_id": self._team_id,
            "user_id": self._bot_user_id,
            "bot_id": self._bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(_arg(params, "user") or "")
        if user is None:
            raise _ApiError("user_not_found")
        return {
            "ok": True,
            "user": self._user_object(user, include_locale=_flag(params, "include_locale")),
        }

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        page = USERS_LIST_MAX_PAGE
        limit = _arg(params, "limit")
        if limit is not None:
            try:
                requested = int(limit)
            except ValueError as exc:
                raise _invalid_arguments("limit must be an integer") from exc
            if 1 <= requested <= USERS_LIST_MAX_PAGE:
                page = requested
        users = [u for u in self._users.values() if u.home_team_id is None]
        cursor = _arg(params, "cursor")
        offset = _decode_cursor(cursor) if cursor else 0
        if offset > len(users):
            raise _ApiError("invalid_cursor")
        end = offset + page
        locale = _flag(params, "include_locale")
        return {
            "ok": True,
            "members": [self._user_object(u, include_locale=locale) for u in users[offset:end]],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": _encode_cursor(end) if end < len(users) else ""},
        }

    # ---------------------------------------------------------- conversations

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _arg(params, "channel")
        if channel is not None:
            conversation = self._conversations.get(channel)
            if conversation is None or conversation.kind == "channel":
                raise _ApiError("channel_not_found")
            return {"ok": True, "channel": {"id": conversation.id}}
        raw = params.get("users")
        listed = raw if isinstance(raw, list) else str(raw or "").split(",")
        ids = list(dict.fromkeys(str(u).strip() for u in listed if str(u).strip()))
        if len(ids) > 1:
            ids = [u for u in ids if u != self._bot_user_id]  # the bot is in its group DMs anyway
        if not ids:
            raise _ApiError("users_list_not_supplied")
        if len(ids) > MAX_GROUP_DM_USERS:
            raise _ApiError("too_many_users")
        for user_id in ids:
            user = self._users.get(user_id)
            if user is None:
                raise _ApiError("user_not_found")
            if user.deleted:
                raise _ApiError("user_disabled")
        if len(ids) == 1:
            if self._users[ids[0]].is_bot:
                raise _ApiError("cannot_dm_bot")
            existed = ids[0] in self._dm_by_user
            conversation = self._dm_for(ids[0])
        else:
            key = frozenset(ids)
            existed = key in self._group_dm_by_members
            if not existed:
                group_id = self._next_id("G")
                self._group_dm_by_members[key] = group_id
                self._conversations[group_id] = _Conversation(
                    group_id, "mpim", members={*ids, self._bot_user_id}
                )
            conversation = self._conversations[self._group_dm_by_members[key]]
        response: dict[str, Any] = {"ok": True, "channel": {"id": conversation.id}}
        if existed:
            response.update(no_op=True, already_open=True)
        return response

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """A conversation as the bot sees it: whether it is in it, whether it is archived.
        A private channel the bot is not in is `channel_not_found`, as in Slack."""
        conversation = self._conversations.get(_arg(params, "channel") or "")
        if conversation is None or (conversation.is_private and not conversation.bot_is_member):
            raise _ApiError("channel_not_found")
        kind = conversation.kind
        return {
            "ok": True,
            "channel": {
                "id": conversation.id,
                "name": conversation.name,
                "is_channel": kind == "channel" and not conversation.is_private,
                "is_group": kind == "channel" and conversation.is_private,
                "is_im": kind == "im",
                "is_mpim": kind == "mpim",
                "is_private": conversation.is_private or kind != "channel",
                "is_archived": conversation.archived,
                "is_member": conversation.bot_is_member,
            },
        }

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages, newest first, between `oldest` and `latest` (exclusive unless
        `inclusive`), paged by cursor. Metadata only with `include_all_metadata`."""
        conversation = self._conversations.get(_arg(params, "channel") or "")
        if conversation is None:
            raise _ApiError("channel_not_found")
        if not conversation.bot_is_member:
            raise _ApiError("not_in_channel")
        oldest = _history_ts(params, "oldest", 0.0)
        latest = _history_ts(params, "latest", math.inf)
        inclusive = _flag(params, "inclusive")
        page = min(HISTORY_DEFAULT_PAGE, self._history_page_limit)
        limit = _arg(params, "limit")
        if limit is not None:
            try:
                page = min(max(int(limit), 1), HISTORY_MAX_PAGE, self._history_page_limit)
            except ValueError as exc:
                raise _invalid_arguments("limit must be an integer") from exc
        cursor = _arg(params, "cursor")
        offset = _decode_cursor(cursor) if cursor else 0

        def in_range(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        timeline = [
            m for m in reversed(conversation.messages)
            if m.get("thread_ts", m["ts"]) == m["ts"] and in_range(float(m["ts"]))
        ]  # fmt: skip
        if offset > len(timeline):
            raise _ApiError("invalid_cursor")
        end = offset + page
        shown = copy.deepcopy(timeline[offset:end])
        if not _flag(params, "include_all_metadata"):
            for message in shown:
                message.pop("metadata", None)
        more = end < len(timeline)
        return {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": _encode_cursor(end) if more else ""},
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        conversation = self._conversation_for_post(_arg(params, "channel"))
        text, blocks, attachments = self._message_content(params)
        metadata = _message_metadata(params)
        message = self._bot_message(text, blocks, attachments, _arg(params, "thread_ts"))
        if metadata is not None:
            message["metadata"] = metadata
        conversation.messages.append(message)
        return {
            "ok": True,
            "channel": conversation.id,
            "ts": message["ts"],
            "message": copy.deepcopy(message),
        }

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        conversation = self._conversation_for_post(_arg(params, "channel"))
        ts = _arg(params, "ts")
        message = next((m for m in conversation.messages if m["ts"] == ts), None)
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("user") != self._bot_user_id:
            raise _ApiError("cant_update_message")
        text, blocks, attachments = self._message_content(params)
        if text is not None:
            message["text"] = text
        # Omitted blocks are kept, an empty list removes them: Slack's rule for chat.update.
        if blocks is not None:
            if blocks:
                message["blocks"] = copy.deepcopy(blocks)
            else:
                message.pop("blocks", None)
        if attachments is not None:
            message["attachments"] = copy.deepcopy(attachments)
        message["edited"] = {"user": self._bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": conversation.id,
            "ts": ts,
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        conversation = self._conversation_for_post(_arg(params, "channel"))
        user_id = _arg(params, "user")
        if user_id is None or user_id not in self._users:
            raise _ApiError("user_not_found")
        if not conversation.has_member(user_id):
            raise _ApiError("user_not_in_channel")
        text, blocks, attachments = self._message_content(params)
        record: dict[str, Any] = {
            "channel": conversation.id,
            "user": user_id,
            "text": text or "",
            "ts": self._next_ts(),
        }
        if blocks:
            record["blocks"] = copy.deepcopy(blocks)
        if attachments:
            record["attachments"] = copy.deepcopy(attachments)
        thread_ts = _arg(params, "thread_ts")
        if thread_ts:
            record["thread_ts"] = thread_ts
        self._ephemeral.append(record)
        return {"ok": True, "message_ts": record["ts"]}

    # ------------------------------------------------------------------- views

    def _checked_view(self, params: Mapping[str, Any], expected_type: str) -> dict[str, Any]:
        view = params.get("view")
        if view is None:
            raise _invalid_arguments("missing required field: view")
        if not isinstance(view, dict):
            raise _invalid_arguments("failed to parse view [json-pointer:/view]")
        problems = view_problems(view, expected_type=expected_type)
        if problems:
            raise _invalid_arguments(*problems)
        return copy.deepcopy(view)

    def _stamp_view(
        self, view: dict[str, Any], *, view_id: str | None = None, root_view_id: str | None = None
    ) -> dict[str, Any]:
        """The view as Slack stores it: with id, a fresh hash and empty state."""
        view_id = view_id or self._next_id("V")
        stored = {
            **view,
            "id": view_id,
            "team_id": self._team_id,
            "app_id": self._app_id,
            "bot_id": self._bot_id,
            "root_view_id": root_view_id or view_id,
            "previous_view_id": None,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        }
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        stored.setdefault("external_id", "")
        return stored

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger_id = _arg(params, "trigger_id")
        if trigger_id is None:
            raise _invalid_arguments("missing required field: trigger_id")
        if trigger_id not in self._triggers:
            raise _ApiError("invalid_trigger_id")
        issued, used = self._triggers[trigger_id]
        if used:
            raise _ApiError("exchanged_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl_seconds:
            raise _ApiError("expired_trigger_id")
        view = self._checked_view(params, "modal")
        external_id = view.get("external_id")
        if external_id and any(v.get("external_id") == external_id for v in self._views.values()):
            raise _ApiError("duplicate_external_id")
        # Only a successful open spends the trigger, so a corrected view can retry.
        self._triggers[trigger_id] = (issued, True)
        stored = self._stamp_view(view)
        self._views[stored["id"]] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = _arg(params, "view_id"), _arg(params, "external_id")
        if view_id is None and external_id is None:
            raise _invalid_arguments("either view_id or external_id is required")
        if view_id is not None:
            current = self._views.get(view_id)
        else:
            current = next((v for v in self._views.values() if v.get("external_id") == external_id), None)
        if current is None:
            raise _ApiError("not_found")
        given_hash = _arg(params, "hash")
        if given_hash is not None and given_hash != current["hash"]:
            raise _ApiError("hash_conflict")
        view = self._checked_view(params, "modal")
        view.setdefault("external_id", current.get("external_id", ""))
        stored = self._stamp_view(view, view_id=current["id"], root_view_id=current["root_view_id"])
        self._views[current["id"]] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = _arg(params, "user_id")
        if user_id is None or user_id not in self._users:
            raise _ApiError("user_not_found")
        view = self._checked_view(params, "home")
        current = self._home.get(user_id)
        given_hash = _arg(params, "hash")
        if current is not None and given_hash is not None and given_hash != current["hash"]:
            raise _ApiError("hash_conflict")
        stored = self._stamp_view(view, view_id=current["id"] if current else None)
        self._home[user_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    # ------------------------------------------------------------ response_url

    def _serve_response_url(self, token: str, headers: _Headers, body: bytes) -> _Reply:
        mime = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if mime == "application/x-www-form-urlencoded" and body.startswith(b"payload="):
                payload = json.loads(_form_fields(body.decode("utf-8"))["payload"])
            else:
                payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError, KeyError):
            payload = None
        with self._lock:
            posts = self._response_urls.get(token)
            if posts is None:
                return _text_reply(404, "invalid_url")
            if posts >= RESPONSE_URL_MAX_POSTS:
                return _text_reply(404, "used_url")
            if not isinstance(payload, dict):
                return _text_reply(400, "invalid_payload")
            blocks = payload.get("blocks")
            if blocks is not None and (not isinstance(blocks, list) or message_block_problems(blocks)):
                return _text_reply(400, "invalid_blocks")
            has_content = payload.get("text") or blocks or payload.get("attachments")
            if not has_content and not payload.get("delete_original"):
                return _text_reply(400, "no_text")
            if len(str(payload.get("text") or "")) > MAX_TEXT_LENGTH:
                return _text_reply(400, "msg_too_long")
            self._response_urls[token] = posts + 1
            self._responses.append({**payload, "url": f"{self._root_url}response/{token}"})
        return _text_reply(200, "ok")

    # ------------------------------------------------------------------- files

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = _arg(params, "filename")
        length = _arg(params, "length")
        if filename is None or length is None:
            raise _invalid_arguments("missing required field: filename and length")
        try:
            declared = int(length)
        except ValueError as exc:
            raise _invalid_arguments("length must be an integer") from exc
        if declared < 0:
            raise _invalid_arguments("length must not be negative")
        upload = _Upload(self._next_id("F"), filename, declared)
        token = secrets.token_urlsafe(18)
        self._uploads[upload.id] = upload
        self._upload_tokens[token] = upload.id
        return {
            "ok": True,
            "upload_url": f"{self._root_url}upload/v1/{token}",
            "file_id": upload.id,
        }

    def _serve_upload(self, token: str, headers: _Headers, body: bytes) -> _Reply:
        content_type = headers.get("Content-Type") or ""
        content: bytes | None = body
        if content_type.lower().startswith("multipart/form-data"):
            # Browsers and some SDKs send the bytes as a "file" form field instead.
            fields = _multipart_fields(content_type, body)
            content = fields.get("file") if isinstance(fields.get("file"), bytes) else None
        with self._lock:
            file_id = self._upload_tokens.get(token)
            if file_id is None:
                return _text_reply(404, "Not Found", "text/plain")
            if content is None:
                return _text_reply(400, "missing file", "text/plain")
            self._uploads[file_id].content = content
        return _text_reply(200, f"OK - {len(content)}", "text/plain")

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise _invalid_arguments("missing required field: files")
        uploads: list[tuple[_Upload, str]] = []
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("id"):
                raise _invalid_arguments("each file needs an id [json-pointer:/files]")
            upload = self._uploads.get(str(entry["id"]))
            # Never uploaded, or already completed: Slack finalises a file only once.
            if upload is None or upload.content is None or upload.completed:
                raise _ApiError("file_not_found")
            uploads.append((upload, str(entry.get("title") or upload.filename)))
        channel = _arg(params, "channel_id") or (_arg(params, "channels") or "").split(",")[0]
        conversation = self._conversation_for_post(channel) if channel else None
        comment, thread_ts = _arg(params, "initial_comment"), _arg(params, "thread_ts")
        now = int(time.time())
        files = []
        for upload, title in uploads:
            upload.completed = True
            files.append(
                {
                    "id": upload.id,
                    "created": now,
                    "timestamp": now,
                    "name": upload.filename,
                    "title": title,
                    "user": self._bot_user_id,
                    "size": len(upload.content or b""),
                }
            )
            self._uploaded.append(
                {
                    "id": upload.id,
                    "filename": upload.filename,
                    "title": title,
                    "content": upload.content,
                    "channel_id": conversation.id if conversation else None,
                    "initial_comment": comment,
                    "thread_ts": thread_ts,
                }
            )
        if conversation is not None:
            # Sharing a file posts a message carrying it, with the comment as its text.
            message = self._bot_message(comment, None, None, thread_ts)
            message["files"] = copy.deepcopy(files)
            message["upload"] = True
            conversation.messages.append(message)
        return {"ok": True, "files": files}
