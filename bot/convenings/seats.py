"""A convening's seating plan in the database: proposed from who said Going (by the pain points
their answers name, most pressing first), editable by moving members until it is sent, and
claimed once when it is sent. The seating itself is `bot.convenings.seating`."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.convenings import deliveries
from bot.convenings.roleplay import assign_roles
from bot.convenings.seating import Attendee, Seating, Table, evaluate, focus_of, seat
from bot.convenings.service import ConveningError, attendees_going, day_start
from bot.core.texts import DEFAULT_LANGUAGE, Texts
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    Convening,
    ConveningMessageKind,
    ConveningSeat,
    ConveningStatus,
    ConveningTable,
    Member,
    PainPoint,
    PainPointStatus,
    SeatingStatus,
    TagSource,
    Workspace,
)

PAINS_PER_ATTENDEE = 3  # the most pressing ones: the seating looks at the first it can share


class AlreadySent(Exception):
    pass


@dataclass(frozen=True)
class StoredSeat:
    member: Member
    role: str  # role id; its name is looked up in the reader's language
    pains: tuple[str, ...]


@dataclass(frozen=True)
class StoredTable:
    id: int
    number: int
    focus: tuple[str, ...]
    seats: tuple[StoredSeat, ...]


def is_editable(convening: Convening) -> bool:
    """A proposal not yet sent: members can still be moved, and it can be sent."""
    return convening.status == ConveningStatus.PLANNED and convening.seating_status == SeatingStatus.PREVIEW


def attendee_pains(
    session: Session, workspace: Workspace, convening: Convening, member_ids: list[int]
) -> dict[int, tuple[str, ...]]:
    """Each member's pain points, most pressing first: those of their answers ahead of this
    convening, then their other answers since the convening before it (all history before the
    first), newest first; within an answer, their own ticks before the tagger's guesses."""
    before = session.exec(
        select(col(Convening.day))
        .where(
            Convening.team_id == convening.team_id,
            Convening.status == ConveningStatus.PLANNED,
            col(Convening.day) < convening.day,
        )
        .order_by(col(Convening.day).desc())
    ).first()
    statement = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            Answer.member_id,
            Answer.created_at,
            Answer.id,
            CheckinDelivery.convening_id,
            PainPoint.slug,
            AnswerTag.source,
            AnswerTag.confidence,
        )
        .join(AnswerTag, col(AnswerTag.answer_id) == Answer.id)
        .join(PainPoint, col(PainPoint.id) == AnswerTag.pain_point_id)
        .outerjoin(CheckinDelivery, col(CheckinDelivery.id) == Answer.delivery_id)
        .where(col(Answer.member_id).in_(member_ids or [-1]), PainPoint.status == PainPointStatus.ACTIVE)
    )
    if before is not None:
        statement = statement.where(col(Answer.created_at) >= day_start(workspace, before))
    ranked: dict[int, list[tuple[tuple[object, ...], str]]] = defaultdict(list)
    for member_id, created, answer_id, ahead, slug, source, confidence in session.exec(statement).all():
        rank = (
            ahead != convening.id,
            -created.timestamp(),
            -(answer_id or 0),
            source != TagSource.MEMBER,
            -confidence,
        )
        ranked[member_id].append((rank, slug))
    out: dict[int, tuple[str, ...]] = {}
    for member_id in member_ids:
        slugs = [slug for _, slug in sorted(ranked.get(member_id, []), key=lambda x: x[0])]
        out[member_id] = tuple(dict.fromkeys(slugs))[:PAINS_PER_ATTENDEE]
    return out


def _attendee(member: Member, pains: Sequence[str]) -> Attendee:
    return Attendee(
        key=member.id or 0,
        name=member.real_name or member.name,
        country=member.country or "",
        agency=member.agency or "",
        pains=tuple(pains),
    )


def propose(
    session: Session, workspace: Workspace, convening: Convening, size: int, texts: Texts, actor: str
) -> list[StoredTable]:
    """Seat everyone who said Going at tables of about `size`, and store it as the proposal
    (replacing an earlier one). A plan already sent is never touched."""
    if convening.seating_status in (SeatingStatus.SENDING, SeatingStatus.SENT):
        raise AlreadySent()
    members = attendees_going(session, convening)
    if not members:
        raise ConveningError("nobody_going", name=convening.name)
    ids = [m.id for m in members if m.id is not None]
    pains = attendee_pains(session, workspace, convening, ids)
    plan = seat([_attendee(m, pains[m.id or 0]) for m in members], size)
    # A member's own role is read from their agency (the profile's only job description).
    roles = assign_roles(plan.tables, {m.id or 0: m.agency or "" for m in members}, texts, DEFAULT_LANGUAGE)
    session.execute(delete(ConveningTable).where(col(ConveningTable.convening_id) == convening.id))
    session.execute(delete(ConveningSeat).where(col(ConveningSeat.convening_id) == convening.id))
    convening_id = convening.id
    assert convening_id is not None
    for table in plan.tables:
        row = ConveningTable(
            convening_id=convening_id, number=table.number, focus=json.dumps(list(table.focus))
        )
        session.add(row)
        session.flush()
        for attendee in table.members:
            session.add(
                ConveningSeat(
                    convening_id=convening_id,
                    member_id=attendee.key,
                    table_id=row.id or 0,
                    role=roles[attendee.key].id,
                    pains=json.dumps(list(attendee.pains)),
                )
            )
    convening.seating_status, convening.table_size = SeatingStatus.PREVIEW, size
    session.add(convening)
    session.commit()
    return stored_plan(session, convening)


def stored_plan(session: Session, convening: Convening) -> list[StoredTable]:
    rows = session.exec(
        select(ConveningTable, ConveningSeat, Member)
        .join(ConveningSeat, col(ConveningSeat.table_id) == ConveningTable.id)
        .join(Member, col(Member.id) == ConveningSeat.member_id)
        .where(ConveningTable.convening_id == convening.id)
        .order_by(col(ConveningTable.number), col(Member.id))
    ).all()
    tables: dict[int, tuple[ConveningTable, list[StoredSeat]]] = {}
    for table, seat_row, member in rows:
        entry = tables.setdefault(table.id or 0, (table, []))
        entry[1].append(StoredSeat(member, seat_row.role, tuple(json.loads(seat_row.pains))))
    return [
        StoredTable(table.id or 0, table.number, tuple(json.loads(table.focus)), tuple(seated))
        for table, seated in tables.values()
    ]


def as_seating(tables: Sequence[StoredTable]) -> Seating:
    """The stored plan as the seating module's plan (for the printable Markdown plan)."""
    built = tuple(
        Table(t.number, t.focus, tuple(_attendee(s.member, s.pains) for s in t.seats)) for t in tables
    )
    return Seating(built, evaluate([t.members for t in built]))


def move(
    session: Session,
    convening: Convening,
    texts: Texts,
    member_id: int,
    to_table: int | None = None,
    swap_with: int | None = None,
) -> None:
    """Move a member to another table (if the sizes stay within one of each other) or swap
    two members of different tables, before the plan is sent. The two tables' focus and roles
    are worked out again, so nobody still plays their own role."""
    if convening.seating_status != SeatingStatus.PREVIEW:
        raise ConveningError("already_sent" if convening.seating_status else "no_plan", name=convening.name)
    tables = stored_plan(session, convening)
    where = {s.member.id: t for t in tables for s in t.seats}
    if member_id not in where:
        raise ConveningError("not_seated")
    source = where[member_id]
    target: StoredTable | None
    if swap_with is not None:
        if swap_with not in where:
            raise ConveningError("not_seated")
        target = where[swap_with]
        if target.id == source.id:
            raise ConveningError("same_table")
        _reseat(session, convening, member_id, target.id)
        _reseat(session, convening, swap_with, source.id)
    elif to_table is not None:
        target = next((t for t in tables if t.number == to_table), None)
        if target is None:
            raise ConveningError("no_such_table", number=to_table)
        if target.id == source.id:
            raise ConveningError("same_table")
        sizes = {t.id: len(t.seats) for t in tables}
        sizes[source.id] -= 1
        sizes[target.id] += 1
        if max(sizes.values()) - min(sizes.values()) > 1:
            raise ConveningError("unbalanced", number=to_table)
        _reseat(session, convening, member_id, target.id)
    else:
        raise ConveningError("usage_move")
    session.flush()
    _rederive(session, convening, texts, {source.id, target.id})
    session.commit()


def _reseat(session: Session, convening: Convening, member_id: int, table_id: int) -> None:
    session.execute(
        update(ConveningSeat)
        .where(col(ConveningSeat.convening_id) == convening.id, col(ConveningSeat.member_id) == member_id)
        .values(table_id=table_id)
    )


def _rederive(session: Session, convening: Convening, texts: Texts, table_ids: set[int]) -> None:
    """After a move: what the changed tables now focus on, and their roles, the way the
    seating would have given them."""
    changed = [t for t in stored_plan(session, convening) if t.id in table_ids]
    built = [
        Table(
            t.number,
            focus_of([_attendee(s.member, s.pains) for s in t.seats]),
            tuple(_attendee(s.member, s.pains) for s in t.seats),
        )
        for t in changed
    ]
    own = {s.member.id or 0: s.member.agency or "" for t in changed for s in t.seats}
    roles = assign_roles(built, own, texts, DEFAULT_LANGUAGE)
    for stored, table in zip(changed, built, strict=True):
        session.execute(
            update(ConveningTable)
            .where(col(ConveningTable.id) == stored.id)
            .values(focus=json.dumps(list(table.focus)))
        )
        for attendee in table.members:
            session.execute(
                update(ConveningSeat)
                .where(
                    col(ConveningSeat.convening_id) == convening.id,
                    col(ConveningSeat.member_id) == attendee.key,
                )
                .values(role=roles[attendee.key].id)
            )


def claim_for_sending(session: Session, convening: Convening, now: datetime) -> bool:
    """Take the proposal for sending, once, and plan one DM per seated member in the same
    transaction: whatever happens next, each of them is sent (and only once)."""
    result = session.execute(
        update(Convening)
        .where(col(Convening.id) == convening.id, col(Convening.seating_status) == SeatingStatus.PREVIEW)
        .values(seating_status=SeatingStatus.SENDING, seating_sent_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    seated = [
        m
        for m in session.exec(
            select(ConveningSeat.member_id).where(ConveningSeat.convening_id == convening.id)
        ).all()
        if m is not None
    ]
    deliveries.plan(session, convening.id, seated, ConveningMessageKind.SEAT, now)  # type: ignore[arg-type]
    session.commit()
    return True


def finish_sending(session: Session, convening_id: int) -> None:
    session.execute(
        update(Convening).where(col(Convening.id) == convening_id).values(seating_status=SeatingStatus.SENT)
    )
    session.commit()


@dataclass(frozen=True)
class MySeat:
    table: StoredTable
    seat: StoredSeat


def seat_of(session: Session, convening: Convening, member_id: int) -> MySeat | None:
    """A member's table (with their tablemates) and seat, in two queries whatever the plan's size."""
    own = session.get(ConveningSeat, (convening.id, member_id))
    if own is None:
        return None
    table = session.get(ConveningTable, own.table_id)
    assert table is not None
    rows = session.exec(
        select(ConveningSeat, Member)
        .join(Member, col(Member.id) == ConveningSeat.member_id)
        .where(ConveningSeat.table_id == table.id)
        .order_by(col(Member.id))
    ).all()
    seated = tuple(StoredSeat(member, row.role, tuple(json.loads(row.pains))) for row, member in rows)
    stored = StoredTable(table.id or 0, table.number, tuple(json.loads(table.focus)), seated)
    return MySeat(stored, next(x for x in seated if x.member.id == member_id))
