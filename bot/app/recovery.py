"""Settling sends an instance left half-done when it died.

A check-in, an intro or a DM about a convening is claimed in the database before it is
posted, so no two instances send it. If the sender dies between its claim and Slack's answer,
nobody knows whether the message went out. After a safe interval (longer than any one Slack
call with its retries) the leader asks Slack: each such message carries metadata naming its
delivery, group or convening message (`bot.slack.message_metadata`), so one
`conversations.history` read of the DM since the claim says whether it exists. Found: it is
marked sent. Not found: it goes back to the queue."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.checkins import service as checkins
from bot.convenings import deliveries as convening_deliveries
from bot.core.runtime import Runtime
from bot.matching import intros
from bot.slack import message_metadata
from bot.slack.errors import error_code

log = logging.getLogger("convene.recovery")

# Our clock and Slack's may differ a little: read history from a bit before the claim.
CLOCK_MARGIN = timedelta(minutes=10)
HISTORY_PAGE = 100
MAX_PAGES = 10  # a DM holds a handful of messages since a claim; this is a guard, not a limit
GONE = frozenset({"user_not_found", "user_disabled"})  # nobody left to send to


class HistoryTooLong(SlackClientError):
    """Too many messages since the claim to be sure; ask again later rather than guess."""


@dataclass
class RecoveryReport:
    found: int = 0  # the message was in Slack: marked sent, not sent again
    requeued: int = 0  # it was not: back to the queue, sent once more
    undecided: int = 0  # Slack could not tell us now: asked again next tick


def recover_stuck(runtime: Runtime, team_id: str) -> RecoveryReport:
    """Check-ins first (a member waits for them), then intros, then DMs about convenings, then
    rounds left unfinished."""
    report = RecoveryReport()
    now = runtime.clock.now()
    cutoff = now - timedelta(seconds=runtime.settings.recover_after_seconds)
    client = runtime.client_for(team_id)
    with runtime.db.session() as session:
        stuck_checkins = checkins.stuck_sending(session, team_id, cutoff)
        stuck_intros = intros.stuck_intros(session, team_id, cutoff)
        stuck_convening = convening_deliveries.stuck_sending(session, team_id, cutoff)
    for delivery_id, user_id, claimed_at in stuck_checkins:
        _settle_checkin(runtime, client, report, delivery_id, user_id, claimed_at)
    for group_id, users, claimed_at in stuck_intros:
        _settle_intro(runtime, client, report, group_id, users, claimed_at)
    for message_id, user_id, claimed_at in stuck_convening:
        _settle_convening(runtime, client, report, message_id, user_id, claimed_at)
    intros.finish_interrupted_rounds(runtime, team_id)
    if stuck_checkins or stuck_intros or stuck_convening:
        log.info(
            "recovery for %s: %d found in Slack, %d sent again, %d undecided",
            team_id,
            report.found,
            report.requeued,
            report.undecided,
        )
    return report


def _settle_checkin(
    runtime: Runtime,
    client: WebClient,
    report: RecoveryReport,
    delivery_id: int,
    user_id: str,
    claimed_at: datetime,
) -> None:
    now = runtime.clock.now()
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        ts = find_message(client, channel, claimed_at, message_metadata.CHECKIN, "delivery_id", delivery_id)
    except SlackClientError as exc:
        code = error_code(exc)
        if code in GONE:
            with runtime.db.session() as session:
                checkins.mark_failed(session, delivery_id, code, permanent=True)
            return
        log.warning("check-in %d: could not ask Slack whether it was sent: %s", delivery_id, code)
        report.undecided += 1
        return
    with runtime.db.session() as session:
        settled = checkins.settle_stuck(session, delivery_id, claimed_at, (channel, ts) if ts else None, now)
    if settled:
        if ts:
            report.found += 1
        else:
            report.requeued += 1


def _settle_convening(
    runtime: Runtime,
    client: WebClient,
    report: RecoveryReport,
    message_id: int,
    user_id: str,
    claimed_at: datetime,
) -> None:
    now = runtime.clock.now()
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        ts = find_message(client, channel, claimed_at, message_metadata.CONVENING, "message_id", message_id)
    except SlackClientError as exc:
        code = error_code(exc)
        if code in GONE:
            with runtime.db.session() as session:
                convening_deliveries.mark_failed(session, message_id, code, permanent=True)
            return
        log.warning("convening DM %d: could not ask Slack whether it was sent: %s", message_id, code)
        report.undecided += 1
        return
    with runtime.db.session() as session:
        settled = convening_deliveries.settle_stuck(
            session, message_id, claimed_at, (channel, ts) if ts else None, now
        )
    if settled:
        if ts:
            report.found += 1
        else:
            report.requeued += 1


def _settle_intro(
    runtime: Runtime,
    client: WebClient,
    report: RecoveryReport,
    group_id: int,
    users: list[str],
    claimed_at: datetime,
) -> None:
    now = runtime.clock.now()
    try:
        channel = client.conversations_open(users=",".join(users))["channel"]["id"]
        ts = find_message(client, channel, claimed_at, message_metadata.INTRO, "group_id", group_id)
    except SlackClientError as exc:
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
    client: WebClient, channel: str, since: datetime, event_type: str, key: str, value: int
) -> str | None:
    """The ts of the message in `channel` posted since `since` whose metadata names `value`,
    or None. Pages through conversations.history with its cursor."""
    oldest = f"{(since - CLOCK_MARGIN).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = client.conversations_history(
            channel=channel,
            oldest=oldest,
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor,
        )
        for message in response.get("messages") or []:
            if message_metadata.matches(message, event_type, key, value):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    raise HistoryTooLong(f"more than {MAX_PAGES} pages since the claim")
