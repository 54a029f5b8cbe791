"""After a convening: the harvest (the day after, each attendee is asked what they will try next
and whom they want to keep talking to), the follow-up four weeks later (did you try it?), the
digest's report on it, and the pairs that matching should prefer."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bot.convenings import deliveries
from bot.convenings.service import ConveningError, attendees_going, community_today, local_moment, rsvp_of
from bot.core import schedule
from storage.models import (
    Consent,
    Convening,
    ConveningContact,
    ConveningHarvest,
    ConveningMessage,
    ConveningMessageKind,
    ConveningRsvp,
    ConveningSeat,
    ConveningStatus,
    ConveningTable,
    Member,
    MemberStatus,
    Rsvp,
    Tried,
    Workspace,
)

HARVEST_AFTER = timedelta(days=1)  # the day after the convening...
FOLLOW_UP_AFTER = timedelta(weeks=4)  # ...and four weeks later
PLAN_FOR = timedelta(days=7)  # a bot that was down catches up this long, not longer
LOCAL_HOUR = 10  # in each attendee's own morning
MAX_TRY_CHARS = 3_000  # a modal's text input
MAX_CONTACTS = 20
MAX_DIGEST_QUOTES = 5
KEEP_TALKING_FOR = timedelta(weeks=26)  # matching prefers such pairs for half a year


# ---------------------------------------------------------------- consent


def harvest_consent(quote_anonymously: bool) -> str:
    """The consent level of a harvest answer from its form, in the check-in's levels. The
    harvest offers two of them: its words are never part of a peer intro, so sharing with
    matched peers would promise nothing."""
    return Consent.QUOTE_ANONYMOUSLY if quote_anonymously else Consent.COUNTS_ONLY


def quotable(level: str) -> bool:
    """May the coordinators' digest quote it (anonymously)?"""
    return Consent.parse(level) == Consent.QUOTE_ANONYMOUSLY


# ---------------------------------------------------------------- planning the DMs


def _convenings_on(session: Session, team_id: str, first: date, last: date) -> list[Convening]:
    return list(
        session.exec(
            select(Convening)
            .where(
                Convening.team_id == team_id,
                Convening.status == ConveningStatus.PLANNED,
                col(Convening.day) >= first,
                col(Convening.day) <= last,
            )
            .order_by(col(Convening.day), col(Convening.id))
        ).all()
    )


def plan_harvests(session: Session, workspace: Workspace, now: datetime) -> int:
    """From the day after a convening: one harvest DM to each member who said Going, at 10:00
    their time. Idempotent (the message's unique key)."""
    today = community_today(workspace, now)
    created = 0
    for convening in _convenings_on(session, workspace.team_id, today - PLAN_FOR, today - HARVEST_AFTER):
        going = attendees_going(session, convening)
        day = convening.day + HARVEST_AFTER
        due = {m.id or 0: local_moment(m, workspace, day, LOCAL_HOUR) for m in going}
        created += deliveries.plan(session, convening.id, list(due), ConveningMessageKind.HARVEST, due)  # type: ignore[arg-type]
    session.commit()
    return created


def plan_follow_ups(session: Session, workspace: Workspace, now: datetime) -> int:
    """Four weeks after a convening: did you try it? To each attendee who said what they
    would try."""
    today = community_today(workspace, now)
    created = 0
    for convening in _convenings_on(
        session, workspace.team_id, today - FOLLOW_UP_AFTER - PLAN_FOR, today - FOLLOW_UP_AFTER
    ):
        said = session.exec(
            select(Member)
            .join(ConveningHarvest, col(ConveningHarvest.member_id) == Member.id)
            .where(
                ConveningHarvest.convening_id == convening.id,
                func.length(func.trim(col(ConveningHarvest.try_text))) > 0,
                Member.status != MemberStatus.LEFT,
            )
        ).all()
        day = convening.day + FOLLOW_UP_AFTER
        due = {m.id or 0: local_moment(m, workspace, day, LOCAL_HOUR) for m in said}
        created += deliveries.plan(session, convening.id, list(due), ConveningMessageKind.FOLLOW_UP, due)  # type: ignore[arg-type]
    session.commit()
    return created


# ---------------------------------------------------------------- answers


def is_open(convening: Convening, today: date) -> bool:
    """A harvest can be given or changed from the day after until the follow-up."""
    return (
        convening.status == ConveningStatus.PLANNED
        and convening.day + HARVEST_AFTER <= today <= convening.day + FOLLOW_UP_AFTER
    )


def check_attendee(
    session: Session, workspace: Workspace, convening: Convening, member: Member, now: datetime
) -> None:
    if rsvp_of(session, convening.id, member.id) != Rsvp.GOING:  # type: ignore[arg-type]
        raise ConveningError("not_attendee")
    if not is_open(convening, community_today(workspace, now)):
        raise ConveningError("harvest_closed", name=convening.name)


def harvest_of(session: Session, convening_id: int, member_id: int) -> ConveningHarvest | None:
    return session.get(ConveningHarvest, (convening_id, member_id))


def contacts_of(session: Session, convening_id: int, member_id: int) -> list[str]:
    """The user ids a member named, to show them again in the form."""
    return list(
        session.exec(
            select(Member.user_id)
            .join(ConveningContact, col(ConveningContact.contact_id) == Member.id)
            .where(ConveningContact.convening_id == convening_id, ConveningContact.member_id == member_id)
            .order_by(col(Member.user_id))
        ).all()
    )


def record_harvest(
    session: Session,
    workspace: Workspace,
    convening: Convening,
    member: Member,
    try_text: str | None,
    contact_user_ids: Sequence[str],
    quote_anonymously: bool,
    now: datetime,
) -> ConveningHarvest:
    """Store (or change) a member's harvest. People named who are not members (or the member
    themself) are left out: matching can only pair members."""
    check_attendee(session, workspace, convening, member, now)
    text = (try_text or "").replace("\x00", "").strip()
    if len(text) > MAX_TRY_CHARS:
        raise ConveningError("too_long", limit=f"{MAX_TRY_CHARS:,}", length=f"{len(text):,}")
    contacts = [
        i
        for i in session.exec(
            select(Member.id).where(
                Member.team_id == member.team_id,
                col(Member.user_id).in_(list(contact_user_ids)[:MAX_CONTACTS] or ["-"]),
                Member.id != member.id,
            )
        ).all()
        if i is not None
    ]
    if not text and not contacts:
        raise ConveningError("harvest_empty")
    assert convening.id is not None and member.id is not None
    harvest = harvest_of(session, convening.id, member.id)
    if harvest is None:
        harvest = ConveningHarvest(
            convening_id=convening.id, member_id=member.id, answered_at=now, updated_at=now
        )
    harvest.try_text, harvest.consent, harvest.updated_at = text, harvest_consent(quote_anonymously), now
    session.add(harvest)
    session.execute(
        delete(ConveningContact).where(
            col(ConveningContact.convening_id) == convening.id, col(ConveningContact.member_id) == member.id
        )
    )
    for contact in sorted(set(contacts)):
        session.add(ConveningContact(convening_id=convening.id, member_id=member.id, contact_id=contact))
    session.commit()
    session.refresh(harvest)
    return harvest


def harvest_dm(session: Session, convening_id: int, member_id: int) -> ConveningMessage | None:
    """The harvest DM a member got for this convening (to show their answer was saved)."""
    return deliveries.message_of(session, convening_id, member_id, ConveningMessageKind.HARVEST)


def record_tried(session: Session, convening: Convening, member: Member, tried: str, now: datetime) -> bool:
    """The follow-up's answer. False if the member gave no harvest for this convening."""
    if tried not in (Tried.YES, Tried.PARTLY, Tried.NOT_YET):
        return False
    harvest = harvest_of(session, convening.id, member.id)  # type: ignore[arg-type]
    if harvest is None:
        return False
    harvest.tried, harvest.tried_at = tried, now
    session.add(harvest)
    session.commit()
    return True


# ---------------------------------------------------------------- what coordinators read


@dataclass(frozen=True)
class TableSummary:
    number: int
    focus: tuple[str, ...]
    size: int


@dataclass(frozen=True)
class ConveningReport:
    """A convening as the digest reports it: counts, the tables' focus, and what attendees
    said they would try, only the words they agreed to have quoted (never with a name)."""

    name: str
    day: date
    place: str | None
    going: int
    not_going: int
    seated: int
    harvested: int  # attendees who answered the harvest
    tries: int  # of them, those who said what they will try
    contacts: int  # people named as someone to keep talking to
    tables: tuple[TableSummary, ...] = ()
    quotes: tuple[str, ...] = field(default_factory=tuple)


def digest_reports(session: Session, workspace: Workspace, week_start: datetime) -> list[ConveningReport]:
    """The convenings of the week before the digest's week: the next digest after a convening
    reports on it, once, with the harvest of the days after it."""
    first_day = week_start.astimezone(schedule.zone(workspace.timezone)).date()
    held = _convenings_on(
        session, workspace.team_id, first_day - timedelta(days=7), first_day - timedelta(days=1)
    )
    return [_report(session, c) for c in held]


def _report(session: Session, convening: Convening) -> ConveningReport:
    answers = dict(
        session.exec(
            select(ConveningRsvp.answer, func.count())
            .where(ConveningRsvp.convening_id == convening.id)
            .group_by(col(ConveningRsvp.answer))
        ).all()
    )
    tables = session.exec(
        select(ConveningTable.number, ConveningTable.focus, func.count(col(ConveningSeat.member_id)))
        .join(ConveningSeat, col(ConveningSeat.table_id) == ConveningTable.id)
        .where(ConveningTable.convening_id == convening.id)
        .group_by(col(ConveningTable.id), col(ConveningTable.number), col(ConveningTable.focus))
        .order_by(col(ConveningTable.number))
    ).all()
    harvests = session.exec(
        select(ConveningHarvest)
        .where(ConveningHarvest.convening_id == convening.id)
        .order_by(col(ConveningHarvest.updated_at).desc(), col(ConveningHarvest.member_id))
    ).all()
    contacts = session.exec(select(func.count()).where(ConveningContact.convening_id == convening.id)).one()
    return ConveningReport(
        name=convening.name,
        day=convening.day,
        place=convening.place,
        going=int(answers.get(Rsvp.GOING, 0)),
        not_going=int(answers.get(Rsvp.NOT_GOING, 0)),
        seated=sum(int(size) for _, _, size in tables),
        harvested=len(harvests),
        tries=sum(1 for h in harvests if h.try_text.strip()),
        contacts=int(contacts),
        tables=tuple(
            TableSummary(number, tuple(json.loads(focus)), int(size)) for number, focus, size in tables
        ),
        quotes=tuple(h.try_text for h in harvests if h.try_text.strip() and quotable(h.consent))[
            :MAX_DIGEST_QUOTES
        ],
    )


def keep_talking(session: Session, member_ids: Sequence[int], now: datetime) -> set[frozenset[int]]:
    """Pairs of these members where one named the other at a recent convening's harvest."""
    since = (now - KEEP_TALKING_FOR).date()
    rows = session.exec(
        select(ConveningContact.member_id, ConveningContact.contact_id)
        .join(Convening, col(Convening.id) == ConveningContact.convening_id)
        .where(
            col(ConveningContact.member_id).in_(list(member_ids) or [-1]),
            col(ConveningContact.contact_id).in_(list(member_ids) or [-1]),
            col(Convening.day) >= since,
        )
    ).all()
    return {frozenset(pair) for pair in rows}
