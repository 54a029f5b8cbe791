"""Sending check-ins and reminders: the only part of check-ins that talks to Slack."""

import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session, select

from bot import checkin_blocks, checkins, members
from bot.directory import iter_directory
from bot.runtime import Runtime
from storage.models import CheckinDelivery, CheckinRound, Member, Workspace

log = logging.getLogger("convene.fanout")

# Errors after which asking again is pointless: the person cannot receive DMs from us.
PERMANENT_ERRORS = frozenset(
    {"user_not_found", "channel_not_found", "user_disabled", "account_inactive",
     "cannot_dm_bot", "is_bot", "invalid_blocks", "msg_too_long", "no_text"}
)  # fmt: skip
PROFILE_SYNC_EVERY = 12 * 3600  # seconds; users.list is cheap, but not per tick


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
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        if workspace is None:
            return False
        last = workspace.profiles_synced_at
        if not force and last is not None and (now - last).total_seconds() < PROFILE_SYNC_EVERY:
            return False
        try:
            profiles = list(iter_directory(runtime.client_for(team_id)))
        except SlackClientError as exc:
            # Stale time zones are better than no check-ins: carry on with what we have.
            log.warning("users.list failed for %s: %s", team_id, _error_code(exc))
            return False
        members.apply_directory(session, workspace, profiles, now)
    return True


def send_due(runtime: Runtime, team_id: str | None = None) -> FanoutReport:
    started = time.perf_counter()
    report = FanoutReport()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        checkins.expire_stale(session, now)
        due = checkins.due_deliveries(session, now, team_id)
    for delivery_id in due:
        outcome = _send_checkin(runtime, delivery_id)
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


def _send_checkin(runtime: Runtime, delivery_id: int) -> str | None:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if not checkins.claim(session, delivery_id, now):
            return None  # another instance (or an earlier tick) has it
        _, member, workspace = _load(session, delivery_id)
        text, blocks = checkin_blocks.checkin_message(
            runtime.texts, member, delivery_id, community_name(runtime, workspace, member.locale)
        )
        try:
            response = runtime.client_for(workspace.team_id).chat_postMessage(
                channel=member.user_id, text=text, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as exc:
            code = _error_code(exc)
            permanent = code in PERMANENT_ERRORS
            checkins.mark_failed(session, delivery_id, code, permanent)
            log.warning("check-in %d not delivered: %s", delivery_id, code)
            return "undeliverable" if permanent else "failed"
        except SlackClientError as exc:
            checkins.mark_failed(session, delivery_id, type(exc).__name__, permanent=False)
            log.warning("check-in %d not delivered: %s", delivery_id, type(exc).__name__)
            return "failed"
        checkins.mark_sent(session, delivery_id, response["channel"], response["ts"], now)
        return "sent"


def send_reminders(runtime: Runtime, team_id: str) -> int:
    now = runtime.clock.now()
    sent = 0
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        if workspace is None:
            return 0
        due = checkins.reminders_due(session, workspace, now)
        for delivery_id in due:
            if not checkins.claim_reminder(session, delivery_id, now):
                continue
            delivery, member, _ = _load(session, delivery_id)
            text, blocks = checkin_blocks.reminder_message(runtime.texts, member, delivery_id)
            try:
                runtime.client_for(team_id).chat_postMessage(
                    channel=delivery.channel_id or member.user_id, text=text, blocks=blocks
                )
                sent += 1
            except SlackClientError as exc:
                # One reminder is a courtesy, not a promise: don't retry and risk two.
                log.warning("reminder %d not delivered: %s", delivery_id, _error_code(exc))
    return sent


def _load(session: Session, delivery_id: int) -> tuple[CheckinDelivery, Member, Workspace]:
    row = session.exec(
        select(CheckinDelivery, Member, Workspace)
        .join(Member, Member.id == CheckinDelivery.member_id)
        .join(CheckinRound, CheckinRound.id == CheckinDelivery.round_id)
        .join(Workspace, Workspace.team_id == CheckinRound.team_id)
        .where(CheckinDelivery.id == delivery_id)
    ).one()
    return row[0], row[1], row[2]


def _error_code(exc: SlackClientError) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__
