"""Sending check-ins and reminders: the only part of check-ins that talks to Slack."""

import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session, col, select

from bot.checkins import blocks as checkin_blocks
from bot.checkins import service as checkins
from bot.core.promises import Privacy
from bot.core.runtime import Runtime
from bot.members import service as members
from bot.slack import message_metadata, pacing
from bot.slack.directory import iter_directory
from bot.slack.errors import error_code
from storage.models import CheckinDelivery, CheckinRound, Member, Workspace

log = logging.getLogger("convene.fanout")

# Errors after which asking again is pointless: the person cannot receive DMs from us.
PERMANENT_ERRORS = frozenset(
    {"user_not_found", "channel_not_found", "user_disabled", "account_inactive",
     "cannot_dm_bot", "is_bot", "invalid_blocks", "msg_too_long", "no_text"}
)  # fmt: skip
PROFILE_SYNC_EVERY = 12 * 3600  # seconds; users.list is cheap, but not per tick
# Every this many sends of a round, one look in the database at whether the workspace is still
# installed (an uninstall another instance saw); this process's own stop flag is checked
# before every send, and costs nothing.
SEND_BATCH = 20


@dataclass
class FanoutReport:
    sent: int = 0
    failed: int = 0
    undeliverable: int = 0
    reminded: int = 0
    seconds: float = 0.0


def community_name(runtime: Runtime, workspace: Workspace, locale: str | None) -> str:
    return workspace.name or runtime.texts.get("common.community", locale)


def sync_profiles(runtime: Runtime, team_id: str, force: bool = False) -> bool:
    """Refresh names, time zones and locales from paginated users.list, at most twice a day,
    so a round costs one DM per member plus ceil(people / 200) directory calls."""
    now = runtime.clock.now()
    if not runtime.may_send(team_id):
        return False
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        if workspace is None:
            return False
        last = workspace.profiles_synced_at
        if not force and last is not None and (now - last).total_seconds() < PROFILE_SYNC_EVERY:
            return False
        try:
            profiles = list(iter_directory(runtime.client_for(team_id)))
        except (SlackClientError, OSError) as exc:
            if runtime.token_refused(team_id, exc):
                return False
            # Stale time zones are better than no check-ins: carry on with what we have.
            code = error_code(exc) if isinstance(exc, SlackClientError) else type(exc).__name__
            log.warning("users.list failed for %s: %s", team_id, code)
            return False
        members.apply_directory(session, workspace, profiles, now)
    return True


def lane_for(runtime: Runtime, team_id: str) -> pacing.Lane:
    """The workspace's paced way to Slack, shared by everything that fans out to it."""
    return pacing.lane_for(
        runtime.client_for(team_id), runtime.settings.slack_messages_per_second, runtime.db, team_id
    )


def send_due(runtime: Runtime, team_id: str | None = None) -> FanoutReport:
    """Send every due check-in, a few at a time, paced to the workspace's limit. Each
    delivery is claimed in the database before it is sent, so the workers (and other
    instances) never send one twice."""
    started = time.perf_counter()
    report = FanoutReport()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        checkins.expire_stale(session, now)
        due = checkins.due_deliveries(session, now, team_id)
    for team, delivery_ids in _by_team(runtime, due).items():
        if not runtime.may_send(team):
            continue
        lane = lane_for(runtime, team)
        sends = itertools.count()
        for outcome in lane.run_all(partial(_send_checkin, runtime, lane, team, sends), delivery_ids):
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
    report.seconds = time.perf_counter() - started
    if due:
        log.info(
            "check-ins: %d sent, %d failed, %d undeliverable in %.2fs",
            report.sent,
            report.failed,
            report.undeliverable,
            report.seconds,
        )
    return report


def _by_team(runtime: Runtime, delivery_ids: list[int]) -> dict[str, list[int]]:
    """Due deliveries grouped by workspace (each has its own limit), order kept."""
    if not delivery_ids:
        return {}
    with runtime.db.session() as session:
        teams = dict(
            session.exec(
                select(CheckinDelivery.id, CheckinRound.team_id)
                .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
                .where(col(CheckinDelivery.id).in_(delivery_ids))
            ).all()
        )
    grouped: dict[str, list[int]] = {}
    for delivery_id in delivery_ids:
        grouped.setdefault(teams[delivery_id], []).append(delivery_id)
    return grouped


def _send_checkin(
    runtime: Runtime, lane: pacing.Lane, team_id: str, sends: Iterator[int], delivery_id: int
) -> str | None:
    # Runs on a worker thread with sessions of its own, and holds no database connection
    # while it waits for its turn or for Slack.
    if not runtime.leadership.sending_allowed():
        return None  # this instance lost the scheduler lease: the new leader sends the rest
    if next(sends) % SEND_BATCH == 0 and not runtime.serves(team_id, fresh=True):
        # Uninstalled since the round began, as another instance may have seen.
        runtime.stop_sending(team_id, "its installation is gone")
    if not runtime.may_send(team_id):
        return None  # uninstalled (or its token refused) since the round began
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if not checkins.claim(session, delivery_id, now):
            return None  # another instance (or an earlier tick) has it
        delivery, member, workspace = _load(session, delivery_id)
        text, blocks = checkin_blocks.checkin_message(
            runtime.texts,
            member,
            delivery_id,
            community_name(runtime, workspace, members.language_of(member)),
            Privacy.of(workspace, runtime.settings),
            ahead_of=checkins.ahead_of(session, delivery),
        )
    try:
        response = lane.post_message(
            channel=member.user_id,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            # Lets a surviving instance ask Slack whether this check-in went out (bot.app.recovery).
            metadata=message_metadata.checkin_metadata(delivery_id),
        )
    except SlackApiError as exc:
        # Slack answered with an error: the message does not exist, so retrying is safe.
        code = error_code(exc)
        refused = runtime.token_refused(team_id, exc)  # the workspace, not this member
        permanent = code in PERMANENT_ERRORS and not refused
        with runtime.db.session() as session:
            checkins.mark_failed(session, delivery_id, code, permanent)
        if not refused:
            log.warning("check-in %d not delivered: %s", delivery_id, code)
        return "undeliverable" if permanent else "failed"
    except (SlackClientError, OSError) as exc:
        # A timeout or a dropped connection: Slack may well have posted it. Sending again
        # could make a second DM, so the claim stays and bot.app.recovery asks Slack later.
        with runtime.db.session() as session:
            checkins.note_unconfirmed(session, delivery_id, type(exc).__name__)
        log.warning(
            "check-in %d unconfirmed (%s); recovery will check Slack", delivery_id, type(exc).__name__
        )
        return "failed"
    with runtime.db.session() as session:
        checkins.mark_sent(session, delivery_id, response["channel"], response["ts"], now)
    return "sent"


def send_reminders(runtime: Runtime, team_id: str) -> int:
    """One reminder to each member who hasn't answered, paced like check-ins."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        if workspace is None:
            return 0
        due = checkins.reminders_due(session, workspace, now)
    if not due or not runtime.may_send(team_id):
        return 0
    lane = lane_for(runtime, team_id)
    return sum(lane.run_all(partial(_send_reminder, runtime, lane, team_id, now=now), due))


def _send_reminder(
    runtime: Runtime, lane: pacing.Lane, team_id: str, delivery_id: int, *, now: datetime
) -> int:
    if not runtime.may_send(team_id):
        return 0
    with runtime.db.session() as session:
        if not checkins.claim_reminder(session, delivery_id, now):
            return 0
        delivery, member, _ = _load(session, delivery_id)
        text, blocks = checkin_blocks.reminder_message(runtime.texts, member, delivery_id)
    channel = delivery.channel_id or member.user_id
    try:
        lane.post_message(channel=channel, text=text, blocks=blocks)
    except SlackClientError as exc:
        # One reminder is a courtesy, not a promise: don't retry and risk two.
        if not runtime.token_refused(team_id, exc):
            log.warning("reminder %d not delivered: %s", delivery_id, error_code(exc))
        return 0
    return 1


def _load(session: Session, delivery_id: int) -> tuple[CheckinDelivery, Member, Workspace]:
    row = session.exec(
        select(CheckinDelivery, Member, Workspace)
        .join(Member, col(Member.id) == CheckinDelivery.member_id)
        .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
        .join(Workspace, col(Workspace.team_id) == CheckinRound.team_id)
        .where(CheckinDelivery.id == delivery_id)
    ).one()
    return row[0], row[1], row[2]
