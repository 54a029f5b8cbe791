"""Pacing messages to Slack's limits: one shared schedule of send slots per workspace.

Slack limits chat.postMessage to about one message per second *per channel* (short bursts
allowed) plus an undocumented workspace-wide limit of "several hundred per minute"; every
DM is its own channel, so a check-in round is bound by the workspace-wide limit alone.
`CONVENE_SLACK_MESSAGES_PER_SECOND` sets the pace (default 4/s = 240 a minute, under
that limit); every message the app fans out, from any thread, takes the next slot.

Why not a library: `pyrate-limiter` and `limits` answer "may I send now?" against a
window (pyrate-limiter's blocking mode polls with a fixed 50 ms buffer and a leak thread
per bucket), but a 429 must move *every* sender's next slot back by `Retry-After`, which
neither supports. The schedule below is the generic cell rate algorithm with no burst:
slots `1/rate` apart, which is all the pacing needs, in a few lines.

A 429 is answered here, not by slack-sdk's `RateLimitErrorRetryHandler`: the paced client
is a copy without that handler, so the retry goes through the schedule (it counts against
the rate) and all workers wait out `Retry-After` together. A 429 means Slack refused the
message, so retrying it can never post it twice."""

import hashlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse
from sqlalchemy import Float, case, cast, func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from storage.db import Database
from storage.models import SendPace
from storage.queries import insert_ignoring_duplicates

log = logging.getLogger("convene.pacing")

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MESSAGES_PER_SECOND = 4.0
MAX_RATE_LIMITED_RETRIES = 5  # as many as slack-sdk's handler would have made
MAX_WORKERS = 16
IN_FLIGHT_SECONDS = 0.5  # workers enough to keep the pace while each call takes this long
# After a 429 the pace drops by a tenth (never below a quarter of the configured pace) and
# climbs back a tenth of it per calm minute: a pace set above Slack's real limit settles
# just under it instead of being refused again and again.
SLOW_DOWN, SLOWEST = 0.9, 0.25
RECOVER_EVERY, RECOVER_STEP = 60.0, 0.1


class Slots(Protocol):
    """Where the schedule of send slots lives. Times are seconds on the store's own clock."""

    def take(self, interval: float) -> tuple[float, float]:
        """Reserve the next slot and push the one after it `interval` later: (slot, now)."""
        ...

    def pause(self, seconds: float) -> float:
        """No slot before `seconds` from now; returns when the pause ends."""
        ...


class MemorySlots:
    """The schedule in this process: enough when one process sends to the workspace."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0

    def take(self, interval: float) -> tuple[float, float]:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + interval
            return slot, now

    def pause(self, seconds: float) -> float:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            return self._paused_until


class DatabaseSlots:
    """The schedule in a database row shared by every instance of Convene: several processes
    (behind a load balancer, a leader and the one answering a slash command) take their
    slots from one schedule, so the workspace's pace holds whatever sends.

    Taking a slot is one atomic UPDATE … RETURNING: the row lock orders concurrent takers,
    and each moves `next_slot` on by its interval. Time is the database's own clock, so
    instances whose clocks differ a little still share one schedule."""

    def __init__(self, db: Database, key: str) -> None:
        self.db, self.key = db, key
        self._ready = False
        self._fallback = MemorySlots(time.time)

    def _now(self) -> Any:
        """The database's time in epoch seconds, read while the statement runs, so after any
        wait for the row's lock (a time read before that wait would hand out a slot already
        past, and two messages would leave together)."""
        if self.db.dialect == "postgresql":
            return cast(func.extract("epoch", func.clock_timestamp()), Float)
        return (func.julianday("now") - 2440587.5) * 86400.0  # SQLite: milliseconds are enough

    def _ensure_row(self) -> None:
        if not self._ready:
            with self.db.session() as session:
                row = {"key": self.key, "next_slot": 0.0, "paused_until": 0.0}
                insert_ignoring_duplicates(session, SendPace, [row], conflict=["key"])
                session.commit()
            self._ready = True

    def take(self, interval: float) -> tuple[float, float]:
        try:
            self._ensure_row()
            now = self._now()
            start = case((col(SendPace.next_slot) > col(SendPace.paused_until), col(SendPace.next_slot)),
                         else_=col(SendPace.paused_until))  # fmt: skip
            slot = case((start > now, start), else_=now)
            with self.db.session() as session:
                taken, at = session.execute(
                    update(SendPace)
                    .where(col(SendPace.key) == self.key)
                    .values(next_slot=slot + interval)
                    .returning(col(SendPace.next_slot), now)
                ).one()
                session.commit()
            return float(taken) - interval, float(at)
        except SQLAlchemyError as exc:
            # Without the database nothing is claimed or sent anyway; keep this process's own pace.
            log.warning("shared send pace unavailable (%s); pacing this process alone", type(exc).__name__)
            return self._fallback.take(interval)

    def pause(self, seconds: float) -> float:
        try:
            self._ensure_row()
            until = self._now() + seconds
            with self.db.session() as session:
                (paused_until,) = session.execute(
                    update(SendPace)
                    .where(col(SendPace.key) == self.key)
                    .values(
                        paused_until=case(
                            (col(SendPace.paused_until) > until, col(SendPace.paused_until)), else_=until
                        )
                    )
                    .returning(col(SendPace.paused_until))
                ).one()
                session.commit()
            return float(paused_until)
        except SQLAlchemyError as exc:
            log.warning("shared send pace unavailable (%s); pausing this process alone", type(exc).__name__)
            return self._fallback.pause(seconds)


class Pacer:
    """Hands out send slots `1 / pace` apart to any number of threads (and, with
    DatabaseSlots, processes); a 429 pushes every future slot back by Retry-After and
    lowers this process's pace for a while."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slots: Slots | None = None,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._target = self._pace = per_second
        self._clock, self._sleep = clock, sleep
        self.slots: Slots = slots or MemorySlots(clock)
        self._lock = threading.Lock()
        self._paused_until = 0.0  # on the slots' clock: a pause this process met (429)
        self._slowed_until = 0.0
        self._calm_since = 0.0
        self.rate_limited = 0  # 429s seen, for reports and tests
        self.turns = 0  # slots handed out, for reports and tests
        self.recent: deque[float] = deque(maxlen=1000)  # slots handed out lately, likewise

    @property
    def per_second(self) -> float:
        """The configured pace (the current one is lower for a while after a 429)."""
        return self._target

    @per_second.setter
    def per_second(self, value: float) -> None:
        if value <= 0:
            raise ValueError("per_second must be positive")
        with self._lock:
            self._target = self._pace = value

    @property
    def current(self) -> float:
        with self._lock:
            return self._pace

    def wait_turn(self) -> float:
        """Block until this thread's slot comes, and return it (on the slots' clock). A pause
        that arrives while waiting moves the slot (the reserved one is given up, not used
        during the pause)."""
        while True:
            with self._lock:
                self._recover(self._clock())
                interval = 1.0 / self._pace
            slot, now = self.slots.take(interval)
            if slot > now:
                self._sleep(slot - now)
            # A pause met here while waiting moves the slot; one another process met moves
            # every slot taken after it (and a message already in its slot may meet a 429).
            with self._lock:
                if self._paused_until <= slot:
                    self.turns += 1
                    self.recent.append(slot)
                    return slot

    def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` (Slack's Retry-After), then at a slower pace."""
        with self._lock:
            now = self._clock()
            self.rate_limited += 1
            if now >= self._slowed_until:  # calls in flight together are refused together: slow once
                self._pace = max(self._target * SLOWEST, self._pace * SLOW_DOWN)
            self._slowed_until = max(self._slowed_until, now + seconds)
            self._calm_since = self._slowed_until
        until = self.slots.pause(seconds)
        with self._lock:
            self._paused_until = max(self._paused_until, until)

    def _recover(self, now: float) -> None:
        if self._pace < self._target and now - self._calm_since >= RECOVER_EVERY:
            self._pace = min(self._target, self._pace + self._target * RECOVER_STEP)
            self._calm_since = now

    def call(self, send: Callable[[], T]) -> T:
        """`send()` in its turn; on 429 everyone waits `Retry-After` and it is tried again.
        A 429 that outlasts the retries is raised like any other Slack error."""
        for attempt in range(MAX_RATE_LIMITED_RETRIES + 1):
            self.wait_turn()
            try:
                return send()
            except SlackApiError as exc:
                if exc.response.status_code != 429 or attempt == MAX_RATE_LIMITED_RETRIES:
                    raise
                self.pause(retry_after(exc))
        raise AssertionError("unreachable")  # the loop returns or raises

    def workers(self) -> int:
        """Threads needed to keep the pace when each call takes IN_FLIGHT_SECONDS."""
        return max(1, min(MAX_WORKERS, math.ceil(self.per_second * IN_FLIGHT_SECONDS)))


class Lane:
    """One workspace's paced way to Slack: the shared pacer and a client whose 429s come
    back to the pacer instead of being retried behind its back."""

    def __init__(self, pacer: Pacer, client: WebClient) -> None:
        self.pacer = pacer
        self.client = client

    def call(self, send: Callable[[WebClient], T]) -> T:
        return self.pacer.call(lambda: send(self.client))

    def post_message(self, **arguments: Any) -> SlackResponse:
        """chat.postMessage in this workspace's turn."""
        return self.pacer.call(lambda: self.client.chat_postMessage(**arguments))

    def run_all(self, work: Callable[[R], T], items: Iterable[R]) -> list[T]:
        """`work(item)` for every item on a small pool of threads (the pacer sets the
        pace, the pool only keeps enough calls in flight). Results in item order."""
        items = list(items)
        if len(items) <= 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(
            max_workers=min(len(items), self.pacer.workers()), thread_name_prefix="convene-send"
        ) as pool:
            return list(pool.map(work, items))


_lanes: dict[tuple[str, ...], Lane] = {}
_lanes_lock = threading.Lock()


def lane_for(client: WebClient, per_second: float, db: Database | None = None, team_id: str = "") -> Lane:
    """The lane of the app+workspace behind `client` (Slack limits per app per workspace,
    i.e. per token), shared by every sender in this process. On PostgreSQL, where several
    instances may run, its slots are shared with every process using that database too
    (`DatabaseSlots`, keyed by workspace). SQLite means one process: the schedule stays in
    memory, sparing every message a write on the database's single write lock."""
    if db is not None and db.dialect != "postgresql":
        db = None
    where = db.engine.url.render_as_string(hide_password=True) if db is not None else ""
    key = (client.base_url, hashlib.sha256((client.token or "").encode()).hexdigest(), where, team_id)
    with _lanes_lock:
        lane = _lanes.get(key)
        if lane is None:
            slots = DatabaseSlots(db, team_id or key[1]) if db is not None else None
            lane = _lanes[key] = Lane(Pacer(per_second, slots=slots), without_rate_limit_retries(client))
        if db is not None and isinstance(lane.pacer.slots, DatabaseSlots):
            lane.pacer.slots.db = db  # the runtime's live handle, should the old one be disposed
        # The copy follows the app's client on what may change at run time (its timeout).
        lane.client.timeout = client.timeout
        if lane.pacer.per_second != per_second:
            lane.pacer.per_second = per_second
        return lane


def without_rate_limit_retries(client: WebClient) -> WebClient:
    """A copy of `client` that raises a 429 instead of sleeping out its Retry-After."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        logger=client.logger,
        retry_handlers=[h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)],
    )


def retry_after(exc: SlackApiError) -> float:
    """Seconds Slack's 429 asks to wait."""
    headers = exc.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), 1)
    if isinstance(value, list):
        value = value[0] if value else 1
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 1.0  # Slack always sends whole seconds; anything else gets a polite second
