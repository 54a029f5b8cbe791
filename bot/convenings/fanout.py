"""Sending the DMs about convenings (invitations, seats, harvests, follow-ups, cancellations)
and posting a seating plan to the coordinators. Each DM is claimed in the database before it
is posted and shares the workspace's pace with check-ins and intros (`bot.slack.pacing`)."""

import contextlib
import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session, select

from bot.checkins.fanout import SEND_BATCH
from bot.convenings import blocks as convening_blocks
from bot.convenings import deliveries, harvest, render, seats
from bot.convenings import service as convenings
from bot.convenings.roleplay import Role
from bot.core.runtime import Runtime
from bot.core.texts import DEFAULT_LANGUAGE
from bot.slack import message_metadata, pacing
from bot.slack.errors import error_code
from storage.models import (
    Convening,
    ConveningMessage,
    ConveningMessageKind,
    ConveningStatus,
    Member,
    PainPoint,
    Workspace,
)

log = logging.getLogger("convene.convenings")

# Errors after which asking again is pointless (as for check-ins).
PERMANENT_ERRORS = frozenset(
    {"user_not_found", "channel_not_found", "user_disabled", "account_inactive",
     "cannot_dm_bot", "is_bot", "invalid_blocks", "msg_too_long", "no_text"}
)  # fmt: skip


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    undeliverable: int = 0
    skipped: int = 0
    seconds: float = 0.0


def pain_names(session: Session, team_id: str) -> dict[str, str]:
    return dict(
        session.exec(select(PainPoint.slug, PainPoint.name).where(PainPoint.team_id == team_id)).all()
    )


def send_due(runtime: Runtime, team_id: str, convening_id: int | None = None) -> SendReport:
    """Send every due convening DM of the workspace (or of one convening), paced."""
    started = time.perf_counter()
    report = SendReport()
    with runtime.db.session() as session:
        due = deliveries.due(session, team_id, runtime.clock.now(), convening_id)
    if not due or not runtime.may_send(team_id):
        return report
    lane = pacing.lane_for(runtime.client_for(team_id), runtime.settings.slack_messages_per_second)
    sends = itertools.count()
    for outcome in lane.run_all(partial(_send_one, runtime, lane, team_id, sends), due):
        if outcome:
            setattr(report, outcome, getattr(report, outcome) + 1)
    report.seconds = time.perf_counter() - started
    log.info(
        "convening DMs: %d sent, %d failed, %d undeliverable, %d skipped in %.2fs",
        report.sent,
        report.failed,
        report.undeliverable,
        report.skipped,
        report.seconds,
    )
    return report


def _send_one(
    runtime: Runtime, lane: pacing.Lane, team_id: str, sends: Iterator[int], message_id: int
) -> str | None:
    # On a worker thread with sessions of its own; no connection held while waiting for Slack.
    if not runtime.leadership.sending_allowed():
        return None  # this instance lost the scheduler lease: the new leader sends the rest
    if next(sends) % SEND_BATCH == 0 and not runtime.serves(team_id, fresh=True):
        # Uninstalled since the sending began, as another instance may have seen.
        runtime.stop_sending(team_id, "its installation is gone")
    if not runtime.may_send(team_id):
        return None  # uninstalled (or its token refused) since the sending began
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if not deliveries.claim(session, message_id, now):
            return None  # another instance (or an earlier tick) has it
        message, convening, member, workspace = deliveries.load(session, message_id)
        content = _content(runtime, session, message, convening, member, workspace)
        if content is None:
            deliveries.mark_skipped(session, message_id)
            return "skipped"
    text, out = content
    try:
        response = lane.post_message(
            channel=member.user_id,
            text=text,
            blocks=out,
            unfurl_links=False,
            # Lets a surviving instance ask Slack whether this DM went out (bot.app.recovery).
            metadata=message_metadata.convening_metadata(message_id),
        )
    except SlackApiError as exc:
        code = error_code(exc)
        refused = runtime.token_refused(team_id, exc)  # the workspace, not this member
        permanent = code in PERMANENT_ERRORS and not refused
        with runtime.db.session() as session:
            deliveries.mark_failed(session, message_id, code, permanent)
        if not refused:
            log.warning("convening DM %d not delivered: %s", message_id, code)
        return "undeliverable" if permanent else "failed"
    except (SlackClientError, OSError) as exc:
        # Slack may have posted it: the claim stays and recovery asks Slack later.
        with runtime.db.session() as session:
            deliveries.note_unconfirmed(session, message_id, type(exc).__name__)
        log.warning(
            "convening DM %d unconfirmed (%s); recovery will check Slack", message_id, type(exc).__name__
        )
        return "failed"
    with runtime.db.session() as session:
        deliveries.mark_sent(session, message_id, response["channel"], response["ts"], now)
    return "sent"


def _content(
    runtime: Runtime,
    session: Session,
    message: ConveningMessage,
    convening: Convening,
    member: Member,
    workspace: Workspace,
) -> tuple[str, list[dict[str, Any]]] | None:
    """What this DM says, or None when it is no longer worth sending."""
    texts = runtime.texts
    kind = message.kind
    if kind == ConveningMessageKind.CANCELLED:
        return convening_blocks.cancelled_message(texts, member, convening)
    if convening.status != ConveningStatus.PLANNED:
        return None
    if kind == ConveningMessageKind.INVITE:
        answer = convenings.rsvp_of(session, convening.id, member.id)  # type: ignore[arg-type]
        return convening_blocks.invite_message(texts, member, convening, answer)
    if kind == ConveningMessageKind.SEAT:
        mine = seats.seat_of(session, convening, member.id)  # type: ignore[arg-type]
        if mine is None:
            return None
        return convening_blocks.seat_message(
            texts, member, convening, mine, pain_names(session, convening.team_id)
        )
    if kind == ConveningMessageKind.HARVEST:
        answered = harvest.harvest_of(session, convening.id, member.id) is not None  # type: ignore[arg-type]
        return convening_blocks.harvest_message(texts, member, convening, answered)
    if kind == ConveningMessageKind.FOLLOW_UP:
        given = harvest.harvest_of(session, convening.id, member.id)  # type: ignore[arg-type]
        if given is None or not given.try_text.strip() or given.tried is not None:
            return None
        return convening_blocks.follow_up_message(texts, member, convening, given.try_text)
    return None


# ---------------------------------------------------------------- the facilitators' commands


def send_invites(runtime: Runtime, team_id: str, convening: Convening) -> tuple[int, int, SendReport]:
    """`/convene convening invite`: plan an invitation for each member not yet invited, then
    send them. (new, invited before, what was sent now)."""
    with runtime.db.session() as session:
        created, before = convenings.plan_invites(session, convening, runtime.clock.now())
    return created, before, send_due(runtime, team_id, convening.id)


@dataclass
class PlanReport:
    already: bool = False
    posted: bool = False
    error: str | None = None
    sent: SendReport | None = None
    people: int = 0


def send_plan(runtime: Runtime, team_id: str, convening_id: int) -> PlanReport:
    """Send a proposed seating plan, once: post it to the coordinators' channel (blocks and an
    editable Markdown file), then DM each member their table, its focus, their role and the
    brief. The claim plans every DM in the database first, so a failure after it loses none."""
    report = PlanReport()
    texts = runtime.texts
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        convening = convenings.get(session, team_id, convening_id)
        if workspace is None or convening is None or convening.status != ConveningStatus.PLANNED:
            report.error = "gone"
            return report
        channel = workspace.coordinator_channel
        if not channel:
            report.error = "no_channel"
            return report
        if not seats.claim_for_sending(session, convening, now):
            report.already = True
            return report
        tables = seats.stored_plan(session, convening)
        names = pain_names(session, team_id)
        messages = convening_blocks.plan_messages(texts, convening, tables, names)
        roles = {
            s.member.id or 0: Role(s.role, convening_blocks.role_name(texts, s.role, None))
            for t in tables
            for s in t.seats
        }
        document = render.markdown(
            seats.as_seating(tables),
            roles,
            [],
            names,
            texts,
            DEFAULT_LANGUAGE,
            convening.table_size or 0,
            show_pains=False,
        )
        report.people = sum(len(t.seats) for t in tables)
    client = runtime.client_for(team_id)
    first_ts: str | None = None
    try:
        for text, out in messages:
            response = client.chat_postMessage(
                channel=channel, text=text, blocks=out, thread_ts=first_ts, unfurl_links=False
            )
            first_ts = first_ts or response["ts"]
        report.posted = True
    except SlackClientError as exc:
        # The members' DMs are already planned and go out regardless; the channel is told later.
        report.error = error_code(exc)
        if not runtime.token_refused(team_id, exc):
            log.warning("seating plan for convening %d not posted: %s", convening_id, report.error)
    if report.posted:
        # The blocks are posted; the editable file is a convenience that may fail on its own.
        with contextlib.suppress(SlackClientError):
            client.files_upload_v2(
                channel=channel,
                thread_ts=first_ts,
                content=document,
                filename=convening_blocks.PLAN_FILE,
                title=texts.get("convening.plan_file_title", name=convening.name),
            )
    report.sent = send_due(runtime, team_id, convening_id)
    with runtime.db.session() as session:
        seats.finish_sending(session, convening_id)
    return report


def cancel(runtime: Runtime, team_id: str, actor: str) -> tuple[Convening | None, SendReport]:
    """`/convene convening cancel`: cancel the next convening and tell those who said Going."""
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        convening = convenings.cancel_next(session, workspace, actor, runtime.clock.now())
    if convening is None:
        return None, SendReport()
    return convening, send_due(runtime, team_id, convening.id)
