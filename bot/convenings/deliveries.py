"""The DMs about a convening, one row per (convening, member, kind), with the same lifecycle as
a check-in's delivery: pending, claimed (`sending`) by exactly one sender, then sent, failed
(retried on a later tick), undeliverable, or skipped (the convening was cancelled). A sender
that dies between its claim and Slack's answer leaves the row `sending`; `bot.app.recovery`
asks Slack (the message carries its row id as metadata) and settles it."""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import Convening, ConveningMessage, DeliveryStatus, Member, Workspace
from storage.queries import claimed, insert_ignoring_duplicates

MAX_SEND_ATTEMPTS = 3


def plan(
    session: Session,
    convening_id: int,
    member_ids: list[int],
    kind: str,
    due_at: datetime | Mapping[int, datetime],
) -> int:
    """A pending message of `kind` for each member who has none yet; returns how many are new.
    The caller commits."""
    rows = [
        {
            "convening_id": convening_id,
            "member_id": member_id,
            "kind": kind,
            "due_at": due_at[member_id] if isinstance(due_at, Mapping) else due_at,
            "status": DeliveryStatus.PENDING,
        }
        for member_id in member_ids
    ]
    return insert_ignoring_duplicates(
        session, ConveningMessage, rows, conflict=["convening_id", "member_id", "kind"]
    )


def due(session: Session, team_id: str, now: datetime, convening_id: int | None = None) -> list[int]:
    statement = (
        select(ConveningMessage.id)
        .join(Convening, col(Convening.id) == ConveningMessage.convening_id)
        .where(
            Convening.team_id == team_id,
            col(ConveningMessage.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
            col(ConveningMessage.due_at) <= now,
            col(ConveningMessage.attempts) < MAX_SEND_ATTEMPTS,
        )
        .order_by(col(ConveningMessage.due_at), col(ConveningMessage.id))
    )
    if convening_id is not None:
        statement = statement.where(ConveningMessage.convening_id == convening_id)
    return [i for i in session.exec(statement).all() if i is not None]


def claim(session: Session, message_id: int, now: datetime) -> bool:
    """Atomically take a message for sending. Only one instance's UPDATE can match."""
    return claimed(
        session,
        update(ConveningMessage)
        .where(
            col(ConveningMessage.id) == message_id,
            col(ConveningMessage.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        )
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            attempts=ConveningMessage.attempts + 1,
        ),
    )


def load(session: Session, message_id: int) -> tuple[ConveningMessage, Convening, Member, Workspace]:
    row = session.exec(
        select(ConveningMessage, Convening, Member, Workspace)
        .join(Convening, col(Convening.id) == ConveningMessage.convening_id)
        .join(Member, col(Member.id) == ConveningMessage.member_id)
        .join(Workspace, col(Workspace.team_id) == Convening.team_id)
        .where(ConveningMessage.id == message_id)
    ).one()
    return row[0], row[1], row[2], row[3]


def _set(session: Session, message_id: int, **values: object) -> None:
    session.execute(update(ConveningMessage).where(col(ConveningMessage.id) == message_id).values(**values))
    session.commit()


def mark_sent(session: Session, message_id: int, channel_id: str, message_ts: str, now: datetime) -> None:
    _set(
        session,
        message_id,
        status=DeliveryStatus.SENT,
        channel_id=channel_id,
        message_ts=message_ts,
        sent_at=now,
    )


def mark_failed(session: Session, message_id: int, error: str, permanent: bool) -> None:
    status = DeliveryStatus.UNDELIVERABLE if permanent else DeliveryStatus.FAILED
    _set(session, message_id, status=status, last_error=error[:120])


def mark_skipped(session: Session, message_id: int) -> None:
    """Claimed, then found not worth sending (the convening was cancelled meanwhile)."""
    _set(session, message_id, status=DeliveryStatus.SKIPPED)


def note_unconfirmed(session: Session, message_id: int, error: str) -> None:
    """Slack never answered: the message stays claimed for recovery to settle."""
    _set(session, message_id, last_error=error[:120])


def stuck_sending(
    session: Session, team_id: str, claimed_before: datetime
) -> list[tuple[int, str, datetime]]:
    """Messages claimed long ago and never settled: (message id, member's user id, claimed at)."""
    rows = session.exec(
        select(ConveningMessage.id, Member.user_id, ConveningMessage.claimed_at)
        .join(Convening, col(Convening.id) == ConveningMessage.convening_id)
        .join(Member, col(Member.id) == ConveningMessage.member_id)
        .where(
            Convening.team_id == team_id,
            ConveningMessage.status == DeliveryStatus.SENDING,
            col(ConveningMessage.claimed_at) < claimed_before,
        )
        .order_by(col(ConveningMessage.id))
    ).all()
    return [(i, user, at) for i, user, at in rows if i is not None and at is not None]


def settle_stuck(
    session: Session, message_id: int, claimed_at: datetime, sent: tuple[str, str] | None, now: datetime
) -> bool:
    """Sent (Slack has it: its channel and ts) or back to the queue; only if it is still the
    same stuck claim, so two instances settling at once cannot both re-queue it."""
    values: dict[str, object]
    if sent is not None:
        values = {"status": DeliveryStatus.SENT, "channel_id": sent[0], "message_ts": sent[1], "sent_at": now}
    else:
        values = {"status": DeliveryStatus.FAILED, "last_error": "recovered_unsent"}
    return claimed(
        session,
        update(ConveningMessage)
        .where(
            col(ConveningMessage.id) == message_id,
            col(ConveningMessage.status) == DeliveryStatus.SENDING,
            col(ConveningMessage.claimed_at) == claimed_at,
        )
        .values(**values),
    )


def message_of(session: Session, convening_id: int, member_id: int, kind: str) -> ConveningMessage | None:
    return session.exec(
        select(ConveningMessage).where(
            ConveningMessage.convening_id == convening_id,
            ConveningMessage.member_id == member_id,
            ConveningMessage.kind == kind,
        )
    ).first()
