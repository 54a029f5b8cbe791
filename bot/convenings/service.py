"""Convenings in the database: planning and cancelling them, RSVPs, invitations, and marking
the check-ins before one as pre-engagement. No Slack here (`bot.convenings.fanout` sends).

Days are calendar days in the community's time zone: "the day after" a convening, "until
the day" of an RSVP and "four weeks later" are all counted there."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.convenings import deliveries
from bot.core import schedule
from storage.models import (
    CheckinDelivery,
    CheckinRound,
    Convening,
    ConveningHarvest,
    ConveningMessage,
    ConveningMessageKind,
    ConveningRsvp,
    ConveningSeat,
    ConveningStatus,
    DeliveryStatus,
    Member,
    MemberStatus,
    RoundKind,
    Rsvp,
    Tried,
    Workspace,
)
from storage.queries import insert_ignoring_duplicates

MAX_NAME = 120
MAX_PLACE = 255
MAX_PRE_ENGAGEMENT_WEEKS = 12
PAST_SHOWN = 5


class ConveningError(ValueError):
    """Input or a state that a facilitator or member is told about in one line."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


# ---------------------------------------------------------------- days


def community_today(workspace: Workspace, now: datetime) -> date:
    return now.astimezone(schedule.zone(workspace.timezone)).date()


def day_start(workspace: Workspace, day: date) -> datetime:
    """00:00 of `day` in the community's time zone (an aware datetime)."""
    return datetime.combine(day, time(0), tzinfo=schedule.zone(workspace.timezone))


def local_moment(member: Member, workspace: Workspace, day: date, hour: int) -> datetime:
    """`hour`:00 on `day` in the member's own time zone: DMs after a convening arrive in the
    member's morning, like check-ins."""
    return datetime.combine(day, time(hour), tzinfo=schedule.zone(member.tz, workspace.timezone))


# ---------------------------------------------------------------- planning


def parse_add(args: list[str]) -> tuple[str, date, str | None]:
    """`"<name>" YYYY-MM-DD [place]` -> (name, day, place)."""
    if len(args) < 2:
        raise ConveningError("usage_add")
    name = " ".join(args[0].split())
    if not name:
        raise ConveningError("usage_add")
    if len(name) > MAX_NAME:
        raise ConveningError("name_too_long", limit=MAX_NAME)
    try:
        day = date.fromisoformat(args[1])
    except ValueError:
        raise ConveningError("bad_date", given=args[1][:40]) from None
    place = " ".join(" ".join(args[2:]).split()) or None
    if place is not None and len(place) > MAX_PLACE:
        raise ConveningError("place_too_long", limit=MAX_PLACE)
    return name, day, place


def add(
    session: Session, team_id: str, name: str, day: date, place: str | None, actor: str, now: datetime
) -> tuple[Convening, str]:
    """Plan a convening. Returns it and what happened: "added", "already" (the same name on the
    same day is already planned: a double-click adds nothing) or "restored" (it had been
    cancelled)."""
    inserted = insert_ignoring_duplicates(
        session,
        Convening,
        [
            {
                "team_id": team_id,
                "name": name,
                "day": day,
                "place": place,
                "created_by": actor,
                "created_at": now,
            }
        ],
        conflict=["team_id", "name", "day"],
    )
    session.commit()
    convening = session.exec(
        select(Convening).where(Convening.team_id == team_id, Convening.name == name, Convening.day == day)
    ).one()
    if inserted:
        return convening, "added"
    if convening.status == ConveningStatus.CANCELLED:
        convening.status, convening.cancelled_at, convening.cancelled_by = ConveningStatus.PLANNED, None, None
        convening.place = place or convening.place
        session.add(convening)
        session.commit()
        return convening, "restored"
    return convening, "already"


def get(session: Session, team_id: str, convening_id: int) -> Convening | None:
    """The convening, only if it is this workspace's: a forged id can't reach another's."""
    convening = session.get(Convening, convening_id)
    return convening if convening is not None and convening.team_id == team_id else None


def upcoming(session: Session, team_id: str, today: date) -> list[Convening]:
    """Planned convenings from today on, soonest first."""
    return list(
        session.exec(
            select(Convening)
            .where(
                Convening.team_id == team_id,
                Convening.status == ConveningStatus.PLANNED,
                col(Convening.day) >= today,
            )
            .order_by(col(Convening.day), col(Convening.id))
        ).all()
    )


def next_upcoming(session: Session, team_id: str, today: date) -> Convening | None:
    found = upcoming(session, team_id, today)
    return found[0] if found else None


def past(session: Session, team_id: str, today: date, limit: int = PAST_SHOWN) -> list[Convening]:
    """Convenings before today (cancelled ones too, marked), latest first."""
    return list(
        session.exec(
            select(Convening)
            .where(Convening.team_id == team_id, col(Convening.day) < today)
            .order_by(col(Convening.day).desc(), col(Convening.id).desc())
            .limit(limit)
        ).all()
    )


def previous(session: Session, team_id: str, today: date) -> Convening | None:
    """The latest convening that took place before today (not cancelled)."""
    return session.exec(
        select(Convening)
        .where(
            Convening.team_id == team_id,
            Convening.status == ConveningStatus.PLANNED,
            col(Convening.day) < today,
        )
        .order_by(col(Convening.day).desc(), col(Convening.id).desc())
    ).first()


def cancel_next(session: Session, workspace: Workspace, actor: str, now: datetime) -> Convening | None:
    """Cancel the next upcoming convening: its unsent DMs are dropped, check-ins not yet sent
    no longer ask ahead of it, and those who said Going are told (one DM each). None when
    nothing is planned."""
    convening = next_upcoming(session, workspace.team_id, community_today(workspace, now))
    if convening is None:
        return None
    convening.status = ConveningStatus.CANCELLED
    convening.cancelled_by, convening.cancelled_at = actor, now
    session.add(convening)
    session.execute(
        update(ConveningMessage)
        .where(
            col(ConveningMessage.convening_id) == convening.id,
            col(ConveningMessage.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        )
        .values(status=DeliveryStatus.SKIPPED)
    )
    session.execute(
        update(CheckinDelivery)
        .where(
            col(CheckinDelivery.convening_id) == convening.id,
            col(CheckinDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        )
        .values(convening_id=None)
    )
    session.commit()
    going = [m.id for m in attendees_going(session, convening) if m.id is not None]
    deliveries.plan(session, convening.id, going, ConveningMessageKind.CANCELLED, now)  # type: ignore[arg-type]
    session.commit()
    return convening


@dataclass(frozen=True)
class Overview:
    """A convening's figures for `/convene convening`."""

    convening: Convening
    invited: int  # invitations delivered
    going: int
    not_going: int
    seated: int
    harvested: int  # harvest answers
    tried: int  # said four weeks later they tried it (yes or partly)
    asked_tried: int  # answered whether they tried it


def overview(session: Session, convening: Convening) -> Overview:
    invited = session.exec(
        select(func.count()).where(
            ConveningMessage.convening_id == convening.id,
            ConveningMessage.kind == ConveningMessageKind.INVITE,
            col(ConveningMessage.sent_at).is_not(None),
        )
    ).one()
    answers = dict(
        session.exec(
            select(ConveningRsvp.answer, func.count())
            .where(ConveningRsvp.convening_id == convening.id)
            .group_by(col(ConveningRsvp.answer))
        ).all()
    )
    seated = session.exec(select(func.count()).where(ConveningSeat.convening_id == convening.id)).one()
    harvests = session.exec(
        select(ConveningHarvest).where(ConveningHarvest.convening_id == convening.id)
    ).all()
    said = [h.tried for h in harvests if h.tried is not None]
    return Overview(
        convening,
        int(invited),
        int(answers.get(Rsvp.GOING, 0)),
        int(answers.get(Rsvp.NOT_GOING, 0)),
        int(seated),
        sum(1 for h in harvests if h.try_text.strip()),
        sum(1 for t in said if t in (Tried.YES, Tried.PARTLY)),
        len(said),
    )


# ---------------------------------------------------------------- RSVPs and invitations


def is_open_for_rsvp(convening: Convening, today: date) -> bool:
    """Members may answer, and change their answer, until the day."""
    return convening.status == ConveningStatus.PLANNED and today < convening.day


def set_rsvp(
    session: Session, member: Member, convening: Convening, answer: str, today: date, now: datetime
) -> None:
    if answer not in (Rsvp.GOING, Rsvp.NOT_GOING):
        raise ConveningError("bad_answer")
    if not is_open_for_rsvp(convening, today):
        raise ConveningError("rsvp_closed")
    row = session.get(ConveningRsvp, (convening.id, member.id))
    if row is None:
        row = ConveningRsvp(convening_id=convening.id, member_id=member.id, answer=answer, answered_at=now)  # type: ignore[arg-type]
    row.answer, row.answered_at = answer, now
    session.add(row)
    session.commit()


def rsvp_of(session: Session, convening_id: int, member_id: int) -> str | None:
    row = session.get(ConveningRsvp, (convening_id, member_id))
    return row.answer if row is not None else None


def upcoming_for(session: Session, member: Member, today: date) -> list[tuple[Convening, str | None]]:
    """The App Home's list: each upcoming convening with the member's answer, if any."""
    found = upcoming(session, member.team_id, today)
    answers = dict(
        session.exec(
            select(ConveningRsvp.convening_id, ConveningRsvp.answer).where(
                ConveningRsvp.member_id == member.id,
                col(ConveningRsvp.convening_id).in_([c.id for c in found] or [-1]),
            )
        ).all()
    )
    return [(c, answers.get(c.id or 0)) for c in found]


def attendees_going(session: Session, convening: Convening) -> list[Member]:
    """Members who said Going and are still members, in a stable order."""
    return list(
        session.exec(
            select(Member)
            .join(ConveningRsvp, col(ConveningRsvp.member_id) == Member.id)
            .where(
                ConveningRsvp.convening_id == convening.id,
                ConveningRsvp.answer == Rsvp.GOING,
                Member.status != MemberStatus.LEFT,
            )
            .order_by(col(Member.id))
        ).all()
    )


def plan_invites(session: Session, convening: Convening, now: datetime) -> tuple[int, int]:
    """An invitation for every member not yet invited (a pause stops check-ins and matches, not
    invitations): (new, invited before). Running it again, or twice at once, invites nobody
    twice (the message's unique key)."""
    active = [
        m
        for m in session.exec(
            select(Member.id).where(Member.team_id == convening.team_id, Member.status != MemberStatus.LEFT)
        ).all()
        if m is not None
    ]
    created = deliveries.plan(session, convening.id, active, ConveningMessageKind.INVITE, now)  # type: ignore[arg-type]
    session.commit()
    return created, len(active) - created


# ---------------------------------------------------------------- pre-engagement


def pre_engagement_window(workspace: Workspace, convening: Convening) -> tuple[datetime, datetime]:
    """[start, end): scheduled check-ins due in it ask ahead of the convening."""
    start = day_start(workspace, convening.day - timedelta(weeks=workspace.pre_engagement_weeks))
    return start, day_start(workspace, convening.day)


def mark_pre_engagement(session: Session, workspace: Workspace, now: datetime) -> int:
    """Mark the scheduled check-ins not yet sent that fall in the weeks before a convening with
    it (the nearest, when two are close): they ask ahead of it, and their answers count for
    it. Idempotent: a check-in is marked once, before it is sent."""
    if workspace.pre_engagement_weeks <= 0:
        return 0
    marked = 0
    scheduled = select(CheckinRound.id).where(
        CheckinRound.team_id == workspace.team_id, CheckinRound.kind == RoundKind.SCHEDULED
    )
    for convening in upcoming(session, workspace.team_id, community_today(workspace, now)):
        start, end = pre_engagement_window(workspace, convening)
        result = session.execute(
            update(CheckinDelivery)
            .where(
                col(CheckinDelivery.round_id).in_(scheduled),
                col(CheckinDelivery.convening_id).is_(None),
                col(CheckinDelivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
                col(CheckinDelivery.due_at) >= start,
                col(CheckinDelivery.due_at) < end,
            )
            .values(convening_id=convening.id)
        )
        marked += result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return marked


@dataclass(frozen=True)
class AgendaWindow:
    """What the agenda draws on: answers since the previous convening (None: all history), with
    the pre-engagement answers of the coming one weighted up."""

    since: datetime | None
    previous: Convening | None
    coming: Convening | None


def agenda_window(session: Session, workspace: Workspace, now: datetime) -> AgendaWindow:
    today = community_today(workspace, now)
    last = previous(session, workspace.team_id, today)
    since = day_start(workspace, last.day) if last is not None else None
    return AgendaWindow(since, last, next_upcoming(session, workspace.team_id, today))


def for_home(
    session: Session, member: Member, now: datetime
) -> tuple[list[tuple[Convening, str | None]], date]:
    """The member's App Home list: upcoming convenings and their answer to each (and today,
    which says whether it can still be changed)."""
    today = today_of(session, member.team_id, now)
    return upcoming_for(session, member, today), today


def today_of(session: Session, team_id: str, now: datetime) -> date:
    workspace = session.get(Workspace, team_id)
    return community_today(workspace, now) if workspace is not None else now.date()
