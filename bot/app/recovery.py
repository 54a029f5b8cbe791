"""Settling sends an instance left half-done when it died.

A check-in, an intro or a DM about a convening is claimed in the database before it is
posted, so no two instances send it. If the sender dies between its claim and Slack's answer,
nobody knows whether the message went out. After a safe interval (longer than any one Slack
call with its retries) the leader asks Slack: each such message carries metadata naming its
delivery, group or convening message (`bot.slack.message_metadata`), so one
`conversations.history` read of the DM since the claim says whether it exists. Found: it is
marked sent. Not found: it goes back to the queue."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session

from bot.checkins import service as checkins
from bot.convenings import deliveries as convening_deliveries
from bot.core.runtime import Runtime
from bot.matching import intros
from bot.slack import message_metadata
from bot.slack.errors import error_code
from bot.slack.pacing import retry_after, without_rate_limit_retries

T = TypeVar("T")

log = logging.getLogger("convene.recovery")

# Our clock and Slack's may differ a little: read history from a bit before the claim.
CLOCK_MARGIN = timedelta(minutes=10)
# Slack gives apps outside its Marketplace 15 messages a page; the window read is narrow (from
# the claim to when its sender was surely done), so one page nearly always says it.
HISTORY_PAGE = 15
MAX_PAGES = 10  # a DM holds a handful of messages around a claim; this is a guard, not a limit
GONE = frozenset({"user_not_found", "user_disabled"})  # nobody left to send to


class HistoryTooLong(SlackClientError):
    """Too many messages since the claim to be sure; ask again later rather than guess."""


class Deferred(Exception):
    """This workspace's budget of history calls is spent, or Slack said 429: the rest waits
    for a later tick. Nothing is settled on a guess, so nothing is sent twice or lost."""


@dataclass
class RecoveryReport:
    found: int = 0  # the message was in Slack: marked sent, not sent again
    requeued: int = 0  # it was not: back to the queue, sent once more
    undecided: int = 0  # Slack could not tell us now: asked again next tick
    deferred: int = 0  # not asked this tick: the workspace's history budget is spent


def recover_stuck(runtime: Runtime, team_id: str) -> RecoveryReport:
    """Check-ins first (a member waits for them), then intros, then DMs about convenings, then
    rounds left unfinished.

    conversations.history is limited to one call a minute for most apps, so recovery spends
    a per-workspace budget (`CONVENE_HISTORY_CALLS_PER_MINUTE`) and never waits for Slack: a
    429 or an empty budget defers the rest to a later tick, and this tick's check-ins,
    intros and digests go on. Its client raises 429s instead of sleeping them out."""
    report = RecoveryReport()
    now = runtime.clock.now()
    cutoff = now - timedelta(seconds=runtime.settings.recover_after_seconds)
    with runtime.db.session() as session:
        stuck_checkins = checkins.stuck_sending(session, team_id, cutoff)
        stuck_intros = intros.stuck_intros(session, team_id, cutoff)
        stuck_convening = convening_deliveries.stuck_sending(session, team_id, cutoff)
    if stuck_checkins or stuck_intros or stuck_convening:
        client = without_rate_limit_retries(runtime.client_for(team_id))
        window = timedelta(seconds=runtime.settings.recover_after_seconds)
        work: list[Callable[[], None]] = [
            *(
                partial(_settle_dm, CHECKIN_DM, runtime, team_id, client, report, *row, window)
                for row in stuck_checkins
            ),
            *(partial(_settle_intro, runtime, team_id, client, report, *row, window) for row in stuck_intros),
            *(
                partial(_settle_dm, CONVENING_DM, runtime, team_id, client, report, *row, window)
                for row in stuck_convening
            ),
        ]
        for done, settle in enumerate(work):
            try:
                settle()
            except Deferred:
                report.deferred = len(work) - done
                break
    intros.finish_interrupted_rounds(runtime, team_id)
    if stuck_checkins or stuck_intros or stuck_convening:
        log.info(
            "recovery for %s: %d found in Slack, %d sent again, %d undecided, %d left for later",
            team_id,
            report.found,
            report.requeued,
            report.undecided,
            report.deferred,
        )
    return report


def _ask(runtime: Runtime, team_id: str, call: Callable[[], T]) -> T:
    """A Web API call for recovery; a 429 spends the workspace's budget until Retry-After."""
    try:
        return call()
    except SlackApiError as exc:
        if exc.response.status_code == 429:
            runtime.history_budget(team_id).refused(runtime.clock.now(), retry_after(exc))
            raise Deferred from exc
        raise


@dataclass(frozen=True)
class _DirectMessage:
    """A kind of one-to-one DM a dead instance may have left half-sent: how its message is
    stamped, and how its row is failed or settled. Check-ins and convening DMs differ in
    nothing else."""

    label: str  # for the log
    event_type: str
    key: str
    mark_failed: Callable[[Session, int, str, bool], object]
    settle_stuck: Callable[[Session, int, datetime, tuple[str, str] | None, datetime], bool]


CHECKIN_DM = _DirectMessage(
    "check-in",
    message_metadata.CHECKIN,
    "delivery_id",
    checkins.mark_failed,
    checkins.settle_stuck,
)
CONVENING_DM = _DirectMessage(
    "convening DM",
    message_metadata.CONVENING,
    "message_id",
    convening_deliveries.mark_failed,
    convening_deliveries.settle_stuck,
)


def _settle_dm(
    kind: _DirectMessage,
    runtime: Runtime,
    team_id: str,
    client: WebClient,
    report: RecoveryReport,
    row_id: int,
    user_id: str,
    claimed_at: datetime,
    window: timedelta,
) -> None:
    now = runtime.clock.now()
    if not runtime.may_send(team_id):
        report.undecided += 1  # the token is dead: ask again once Convene is installed again
        return
    try:
        channel = _ask(runtime, team_id, lambda: client.conversations_open(users=user_id))["channel"]["id"]
        ts = find_message(
            runtime, team_id, client, channel, claimed_at, window, kind.event_type, kind.key, row_id
        )
    except SlackClientError as exc:
        code = error_code(exc)
        if runtime.token_refused(team_id, exc):
            report.undecided += 1
            return
        if code in GONE:
            with runtime.db.session() as session:
                kind.mark_failed(session, row_id, code, True)
            return
        log.warning("%s %d: could not ask Slack whether it was sent: %s", kind.label, row_id, code)
        report.undecided += 1
        return
    with runtime.db.session() as session:
        settled = kind.settle_stuck(session, row_id, claimed_at, (channel, ts) if ts else None, now)
    if settled:
        if ts:
            report.found += 1
        else:
            report.requeued += 1


def _settle_intro(
    runtime: Runtime,
    team_id: str,
    client: WebClient,
    report: RecoveryReport,
    group_id: int,
    users: list[str],
    claimed_at: datetime,
    window: timedelta,
) -> None:
    now = runtime.clock.now()
    if not runtime.may_send(team_id):
        report.undecided += 1
        return
    together = ",".join(users)
    try:
        channel = _ask(runtime, team_id, lambda: client.conversations_open(users=together))["channel"]["id"]
        ts = find_message(
            runtime,
            team_id,
            client,
            channel,
            claimed_at,
            window,
            message_metadata.INTRO,
            "group_id",
            group_id,
        )
    except SlackClientError as exc:
        if not runtime.token_refused(team_id, exc):
            log.warning("intro %d: could not ask Slack whether it was sent: %s", group_id, error_code(exc))
        report.undecided += 1
        return
    with runtime.db.session() as session:
        settled = intros.settle_stuck_intro(session, group_id, claimed_at, channel if ts else None, now)
    if settled:
        if ts:
            report.found += 1
        else:
            report.requeued += 1


def find_message(
    runtime: Runtime,
    team_id: str,
    client: WebClient,
    channel: str,
    claimed_at: datetime,
    window: timedelta,
    event_type: str,
    key: str,
    value: int,
) -> str | None:
    """The ts of the message in `channel` whose metadata names `value`, or None. Only the
    stretch where it can be is read: from the claim until its sender was surely done (the
    recovery interval), with a margin for clocks. Each page spends the workspace's budget;
    a read the budget cannot finish now goes on from its cursor next time."""
    oldest = f"{(claimed_at - CLOCK_MARGIN).timestamp():.6f}"
    latest = f"{(claimed_at + window + CLOCK_MARGIN).timestamp():.6f}"
    budget = runtime.history_budget(team_id)
    place = (channel, oldest, latest)
    cursor = budget.cursors.pop(place, None)
    for _ in range(MAX_PAGES):
        if not budget.spend(runtime.clock.now()):
            if cursor:
                budget.cursors[place] = cursor
            raise Deferred
        response = _ask(
            runtime,
            team_id,
            partial(
                client.conversations_history,
                channel=channel, oldest=oldest, latest=latest, include_all_metadata=True, limit=HISTORY_PAGE,
                cursor=cursor,
            ),
        )  # fmt: skip
        for message in response.get("messages") or []:
            if message_metadata.matches(message, event_type, key, value):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    raise HistoryTooLong(f"more than {MAX_PAGES} pages around the claim")
