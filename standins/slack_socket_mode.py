"""A local stand-in for Slack's Socket Mode: the WebSocket an app opens instead of exposing
a public URL, for tests of `convene run`.

`SlackSocketMode` attaches to a `SlackStandIn`, whose `apps.connections.open` (called with
the app-level token) then hands out one-use `ws://127.0.0.1:PORT/link/?ticket=…` URLs. A
real WebSocket server (the `websockets` library) accepts them, greets each connection with
`hello`, and delivers what members do as envelopes shaped like Slack's:
`slash_commands`, `interactive` (block_actions, view_submission) and `events_api`, each with
an `envelope_id` the app must acknowledge, optionally with a response payload (e.g. a
view_submission's `response_action: errors`).

It behaves as Slack documents, where that matters to an app:
- an envelope not acknowledged within 3 s (`ack_timeout_seconds`) has failed. Events API
  envelopes are then retried, up to three times (`retry_delays`, Slack's 0 s, 1 min, 5 min),
  each retry a new envelope with `retry_attempt` one higher and `retry_reason: "timeout"`;
  a slash command or interaction is not retried (the person sees an error in Slack);
- with no connection open, events wait for the next one, and a slash command or interaction
  fails at once (`dispatch_failed`, as Slack tells the person);
- `disconnect` messages: `refresh_requested` (nothing new is sent on that connection; Slack
  closes it shortly) and `warning` (it closes in about 10 s); a dropped connection (a TCP
  reset, no close frame) is also available, so reconnects can be exercised;
- acknowledgements are matched by envelope id on any open connection.

Everything is recorded: connections, envelopes with their outcome, and every message the
app sent. Nothing is logged beyond ids and counts: payloads carry members' words.

`websockets` is a development dependency: this module is only imported by tests."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from standins.slack_api import SlackStandIn
from standins.slack_events import SlackPayloads

logger = logging.getLogger(__name__)

ACK_TIMEOUT_SECONDS = 3.0  # Slack's limit for acknowledging an envelope
RETRY_DELAYS = (0.0, 60.0, 300.0)  # Slack retries a failed event three times: at once, 1 min, 5 min
WARNING_SECONDS = 10.0  # a `warning` disconnect comes about this long before the connection closes
REFRESH_SECONDS = 1.0  # after `refresh_requested` Slack closes the old connection soon
MAX_CONNECTIONS = 10  # Slack allows ten open connections per app
TICKET_SECONDS = 30.0  # how long an unused connection URL stays good
_TICK = 0.02  # how often deadlines are checked


@dataclass
class Envelope:
    """One delivery attempt of one payload, and what became of it.

    `outcome` is "queued" (waiting for a connection), "sent", "acked", "timed_out" (no ack
    in time), "dispatch_failed" (no connection for a command or interaction) or "gave_up"
    (an event that failed every retry)."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""
    retry_of: str | None = None
    outcome: str = "queued"
    connection: int | None = None
    response_payload: dict[str, Any] | None = None
    late_acks: int = 0
    deadline: float = 0.0

    def message(self) -> dict[str, Any]:
        """The JSON Slack writes on the WebSocket for this envelope."""
        message: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":  # only event envelopes carry the retry fields
            message["retry_attempt"] = self.retry_attempt
            message["retry_reason"] = self.retry_reason
        return message


@dataclass
class ConnectionRecord:
    """One WebSocket connection the app opened, as the stand-in saw it."""

    id: int
    opened_at: float
    closed_at: float | None = None
    how_closed: str = ""  # "by the app", "closed by Slack", "dropped"
    disconnect_sent: str | None = None  # the reason of a `disconnect` message sent on it
    envelopes: int = 0


@dataclass
class _Link:
    record: ConnectionRecord
    ws: ServerConnection
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    retiring: bool = False  # sent `refresh_requested`: no new envelopes on it
    close_at: float | None = None

    def send(self, message: dict[str, Any]) -> bool:
        try:
            with self.send_lock:
                self.ws.send(json.dumps(message))
            return True
        except (ConnectionClosed, OSError):
            return False


class SlackSocketMode:
    """Slack's Socket Mode on 127.0.0.1 for one app: see the module docstring.

    Use it as a context manager (or start()/stop()). What members do goes through
    `command`, `click_button_in`, `submit_view`, `dm`, `home_opened` and `event`; each
    returns the `Envelope` sent (or queued), and `wait_for_ack` waits for the app's answer.
    """

    def __init__(
        self,
        api: SlackStandIn,
        *,
        app_token: str = "xapp-1-A0CONVENE-1-standin",
        app_id: str = "A0CONVENE",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.payloads = SlackPayloads(api)
        self._app_token = app_token
        self._app_id = app_id
        self._clock = clock
        # Tests may shorten these to exercise timeouts and retries without long waits.
        self.ack_timeout_seconds = ACK_TIMEOUT_SECONDS
        self.retry_delays: list[float] = list(RETRY_DELAYS)
        self.warning_seconds = WARNING_SECONDS
        self.refresh_seconds = REFRESH_SECONDS

        self._lock = threading.Condition(threading.RLock())
        self._server: Server | None = None
        self._threads: list[threading.Thread] = []
        self._running = False
        self._tickets: dict[str, float] = {}
        self._links: dict[int, _Link] = {}
        self._next_connection = 0
        self._queue: list[Envelope] = []  # events waiting for a connection
        self._retries: list[tuple[float, Envelope]] = []  # (when, the failed attempt)
        self._acks_to_lose = 0
        self.connections: list[ConnectionRecord] = []
        self.envelopes: list[Envelope] = []
        self.received: list[dict[str, Any]] = []  # every message the app sent, in order
        self.lost_acks: list[str] = []
        self.refused_handshakes = 0

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackSocketMode:
        if self._server is not None:
            return self
        # No compression: Slack's Socket Mode does not negotiate it, nor do Slack's clients.
        self._server = serve(
            self._serve_connection,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            logger=logging.getLogger(f"{__name__}.websockets"),
        )
        self._running = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="socket-mode-standin", daemon=True),
            threading.Thread(target=self._watch_deadlines, name="socket-mode-deadlines", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self.api.attach_socket_mode(self._app_token, self._connection_url)
        return self

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        with self._lock:
            self._running = False
            links = list(self._links.values())
            self._lock.notify_all()
        for link in links:
            with contextlib.suppress(Exception):
                link.ws.close(1001, "stand-in stopping")
        server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server, self._threads = None, []

    def __enter__(self) -> SlackSocketMode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def app_token(self) -> str:
        """The app-level token (xapp-) apps.connections.open accepts."""
        return self._app_token

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Socket Mode stand-in is not running; call start() first")
        return int(self._server.socket.getsockname()[1])

    def open_connections(self) -> int:
        with self._lock:
            return len(self._links)

    def wait_for_connections(self, count: int, timeout: float = 30.0) -> None:
        """Block until `count` connections in all have been greeted with `hello`."""
        self._wait(lambda: len(self.connections) >= count and len(self._links) >= 1, timeout)

    # --------------------------------------------------------- what members do

    def command(self, user_id: str, text: str, channel_id: str = "C0GENERAL") -> Envelope:
        return self.send("slash_commands", self.payloads.command(user_id, text, channel_id))

    def click_button_in(self, user_id: str, message: dict[str, Any], action_id: str) -> Envelope:
        return self.send("interactive", self.payloads.click_button_in(user_id, message, action_id))

    def submit_view(self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> Envelope:
        return self.send("interactive", self.payloads.submit_view(user_id, view, values))

    def event(self, event: dict[str, Any], event_id: str | None = None) -> Envelope:
        return self.send("events_api", self.payloads.event(event, event_id))

    def dm(self, user_id: str, text: str) -> Envelope:
        return self.event(self.payloads.dm(user_id, text))

    def home_opened(self, user_id: str) -> Envelope:
        return self.event(self.payloads.home_opened(user_id))

    def send(self, envelope_type: str, payload: dict[str, Any]) -> Envelope:
        """Deliver `payload` in a new envelope on an open connection (or queue an event)."""
        if envelope_type not in ("slash_commands", "interactive", "events_api"):
            raise ValueError(f"unknown envelope type {envelope_type!r}")
        # Slack lets an app answer slash commands and modal submissions in the ack itself.
        accepts = envelope_type == "slash_commands" or payload.get("type") == "view_submission"
        envelope = Envelope(str(uuid.uuid4()), envelope_type, payload, accepts)
        with self._lock:
            self.envelopes.append(envelope)
            self._dispatch(envelope)
        return envelope

    def wait_for_ack(self, envelope: Envelope, timeout: float = 10.0) -> Envelope:
        """Block until the app acknowledged `envelope`; fails if it can no longer be."""
        self._wait(lambda: envelope.outcome not in ("queued", "sent"), timeout)
        if envelope.outcome != "acked":
            raise AssertionError(f"envelope {envelope.envelope_id} was not acknowledged: {envelope.outcome}")
        return envelope

    def attempts(self, envelope: Envelope) -> list[Envelope]:
        """`envelope` and every retry of it, in order."""
        with self._lock:
            chain = [envelope]
            for candidate in self.envelopes:
                if candidate.retry_of == chain[-1].envelope_id:
                    chain.append(candidate)
            return chain

    # ------------------------------------------------------------- Slack's side

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send every open connection a `disconnect` message, as Slack does before it
        recycles a connection: `refresh_requested` (closed shortly, nothing new sent on it)
        or `warning` (still used until it closes, about 10 s later)."""
        if reason not in ("refresh_requested", "warning", "link_disabled"):
            raise ValueError(f"unknown disconnect reason {reason!r}")
        now = self._clock()
        with self._lock:
            for link in list(self._links.values()):
                message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}
                link.record.disconnect_sent = reason
                if reason == "warning":
                    link.close_at = now + self.warning_seconds
                else:
                    link.retiring = True
                    link.close_at = now + self.refresh_seconds
                link.send(message)

    def drop_connections(self) -> int:
        """Cut every open connection without a close frame (a TCP reset, as when a network
        path fails); returns how many. Unacknowledged envelopes on them are handled as
        Slack handles them: events retried after the ack timeout, the rest lost."""
        with self._lock:
            links = list(self._links.values())
            for link in links:
                link.record.how_closed = "dropped"
        for link in links:
            sock = link.ws.socket
            with contextlib.suppress(OSError):
                # Linger 0: closing sends RST, not FIN, so the peer sees a reset connection.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
        return len(links)

    def lose_next_acks(self, count: int = 1) -> None:
        """The next `count` acknowledgements are lost on the way to Slack (recorded in
        `lost_acks`), so their envelopes time out and events are retried."""
        with self._lock:
            self._acks_to_lose += count

    # --------------------------------------------------------------- machinery

    def _connection_url(self) -> str:
        """What apps.connections.open returns: a one-use URL for one connection."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets[ticket] = self._clock()
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self._app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[0]
        now = self._clock()
        with self._lock:
            issued = self._tickets.pop(ticket, None)
            valid = issued is not None and now - issued <= TICKET_SECONDS
            full = len(self._links) >= MAX_CONNECTIONS
            if not valid or full:
                self.refused_handshakes += 1
        if not valid:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
        if full:
            return connection.respond(HTTPStatus.TOO_MANY_REQUESTS, "too_many_websockets\n")
        return None

    def _serve_connection(self, ws: ServerConnection) -> None:
        with self._lock:
            self._next_connection += 1
            record = ConnectionRecord(self._next_connection, self._clock())
            link = _Link(record, ws)
            self.connections.append(record)
            self._links[record.id] = link
            hello = {
                "type": "hello",
                "num_connections": len(self._links),
                "debug_info": {
                    "host": "applink-standin",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self._app_id},
            }
            link.send(hello)
            queued, self._queue = self._queue, []
            for envelope in queued:
                self._dispatch(envelope)
            self._lock.notify_all()
        logger.debug("Socket Mode connection %d opened", record.id)
        try:
            for raw in ws:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._links.pop(record.id, None)
                record.closed_at = self._clock()
                record.how_closed = record.how_closed or "by the app"
                self._lock.notify_all()
            logger.debug("Socket Mode connection %d closed (%s)", record.id, record.how_closed)

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = {"unreadable": True}
        with self._lock:
            self.received.append(message if isinstance(message, dict) else {"unreadable": True})
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            if not isinstance(envelope_id, str):
                return
            if self._acks_to_lose > 0:
                self._acks_to_lose -= 1
                self.lost_acks.append(envelope_id)
                return
            envelope = next((e for e in self.envelopes if e.envelope_id == envelope_id), None)
            if envelope is None:
                return
            if envelope.outcome != "sent":
                envelope.late_acks += 1  # Slack ignores an ack after the deadline
                return
            envelope.outcome = "acked"
            payload = message.get("payload")
            envelope.response_payload = payload if isinstance(payload, dict) else None
            self._lock.notify_all()

    def _dispatch(self, envelope: Envelope) -> None:
        """Send on the newest connection that takes envelopes; called with the lock held."""
        for link in sorted(self._links.values(), key=lambda candidate: -candidate.record.id):
            if link.retiring:
                continue
            envelope.deadline = self._clock() + self.ack_timeout_seconds
            envelope.outcome, envelope.connection = "sent", link.record.id
            if link.send(envelope.message()):
                link.record.envelopes += 1
                return
        envelope.connection = None
        if envelope.type == "events_api":
            envelope.outcome = "queued"
            self._queue.append(envelope)
        else:
            envelope.outcome = "dispatch_failed"
        self._lock.notify_all()

    def _watch_deadlines(self) -> None:
        with self._lock:
            while self._running:
                self._lock.wait(_TICK)
                now = self._clock()
                for envelope in self.envelopes:
                    if envelope.outcome == "sent" and now >= envelope.deadline:
                        self._failed(envelope, now)
                due = [pair for pair in self._retries if pair[0] <= now]
                self._retries = [pair for pair in self._retries if pair[0] > now]
                for _, failed in due:
                    self._retry(failed)
                for link in list(self._links.values()):
                    if link.close_at is not None and now >= link.close_at:
                        link.close_at = None
                        link.record.how_closed = link.record.how_closed or "closed by Slack"
                        threading.Thread(target=link.ws.close, args=(1001, "refresh"), daemon=True).start()

    def _failed(self, envelope: Envelope, now: float) -> None:
        envelope.outcome = "timed_out"
        if envelope.type == "events_api":
            if envelope.retry_attempt < len(self.retry_delays):
                self._retries.append((now + self.retry_delays[envelope.retry_attempt], envelope))
            else:
                envelope.outcome = "gave_up"
        self._lock.notify_all()

    def _retry(self, failed: Envelope) -> None:
        retry = Envelope(
            str(uuid.uuid4()),
            failed.type,
            failed.payload,
            failed.accepts_response_payload,
            retry_attempt=failed.retry_attempt + 1,
            retry_reason="timeout",
            retry_of=failed.envelope_id,
        )
        self.envelopes.append(retry)
        self._dispatch(retry)

    def _wait(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the Socket Mode stand-in waited in vain")
                self._lock.wait(min(left, 0.1))
