"""Membership: join, pause, resume, leave, profile. Plain Python over a storage session."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BindParameter, Integer, bindparam, case, delete, func
from sqlmodel import Session, col, select

from bot.slack.directory import SlackProfile
from storage.models import (
    Answer,
    CheckinDelivery,
    ConveningContact,
    ConveningHarvest,
    ConveningRsvp,
    DeliveryStatus,
    MatchAvoid,
    MatchGroup,
    MatchMember,
    Member,
    MemberStatus,
    Workspace,
)

DEFAULT_PAUSE_WEEKS = 2
MAX_PAUSE_WEEKS = 52

# Statements every member command runs, built once with bound parameters: building a SQLAlchemy
# statement costs several times what running the cached SQL does.
_TEAM: BindParameter[str] = bindparam("team_id")
_USER: BindParameter[str] = bindparam("user_id")
_MEMBER: BindParameter[int] = bindparam("member_id")
_MEMBER_BY_USER = select(Member).where(Member.team_id == _TEAM, Member.user_id == _USER)
_RECENT_ANSWERS = (
    select(Answer)
    .where(Answer.member_id == _MEMBER)
    .order_by(col(Answer.created_at).desc())
    .limit(bindparam("limit", type_=Integer))
)
_ANSWER_COUNT = select(func.count()).where(Answer.member_id == _MEMBER)
_CHECKIN_COUNTS = select(
    func.count(col(CheckinDelivery.sent_at)),
    func.coalesce(func.sum(case((col(CheckinDelivery.status) == DeliveryStatus.ANSWERED, 1), else_=0)), 0),
).where(CheckinDelivery.member_id == _MEMBER)
_MATCH_COUNTS = (
    select(
        func.count(),
        func.coalesce(
            func.sum(
                case((col(MatchMember.met).is_not(None) | col(MatchMember.helped).is_not(None), 1), else_=0)
            ),
            0,
        ),
    )
    .select_from(MatchMember)
    .join(MatchGroup, col(MatchGroup.id) == MatchMember.group_id)
    .where(MatchMember.member_id == _MEMBER, col(MatchGroup.intro_sent_at).is_not(None))
)
_AVOID_COUNT = select(func.count()).where(MatchAvoid.member_id == _MEMBER)


def language_of(member: Member) -> str:
    """The locale every text for this member is looked up in: the language they chose in App
    Home, else their Slack locale. Use it for every lookup a member reads."""
    return member.language or member.locale


def get_member(session: Session, team_id: str, user_id: str) -> Member | None:
    return session.exec(_MEMBER_BY_USER, params={"team_id": team_id, "user_id": user_id}).first()


def join(session: Session, workspace: Workspace, profile: SlackProfile, now: datetime) -> tuple[Member, str]:
    """Returns the member and what happened: "joined", "rejoined" or "already"."""
    member = get_member(session, workspace.team_id, profile.user_id)
    outcome = "already"
    if member is None:
        member = Member(team_id=workspace.team_id, user_id=profile.user_id, joined_at=now)
        outcome = "joined"
    elif member.status != MemberStatus.ACTIVE:
        outcome = "rejoined"
    member.status = MemberStatus.ACTIVE
    member.paused_until = None
    _apply_profile(member, profile, workspace.timezone, now)
    session.add(member)
    session.commit()
    session.refresh(member)
    return member, outcome


def pause(session: Session, member: Member, weeks: int, today: date, now: datetime) -> date:
    if not 1 <= weeks <= MAX_PAUSE_WEEKS:
        raise ValueError(f"weeks must be 1..{MAX_PAUSE_WEEKS}")
    return set_paused_until(session, member, today + timedelta(weeks=weeks), now)


def set_paused_until(session: Session, member: Member, until: date, now: datetime) -> date:
    """No check-ins or matches before `until`; `wake_paused` makes the member active that day.
    Callers check the date first: `pause` (weeks, from a command) and `settings.pause_until`
    (a date, from App Home)."""
    member.status = MemberStatus.PAUSED
    member.paused_until = until
    member.updated_at = now
    session.add(member)
    session.commit()
    return until


def resume(session: Session, member: Member, now: datetime) -> bool:
    """True if the member was paused or gone and is now active."""
    if member.status == MemberStatus.ACTIVE:
        return False
    member.status = MemberStatus.ACTIVE
    member.paused_until = None
    member.updated_at = now
    session.add(member)
    session.commit()
    return True


def leave(session: Session, member: Member, now: datetime) -> bool:
    if member.status == MemberStatus.LEFT:
        return False
    member.status = MemberStatus.LEFT
    member.paused_until = None
    member.updated_at = now
    session.add(member)
    session.commit()
    return True


def set_profile(session: Session, member: Member, country: str, agency: str, now: datetime) -> None:
    member.country = country.strip()[:120] or None
    member.agency = agency.strip()[:255] or None
    member.updated_at = now
    session.add(member)
    session.commit()


def wake_paused(session: Session, team_id: str, today: date) -> int:
    """Members whose pause has run out become active again."""
    members = session.exec(
        select(Member).where(
            Member.team_id == team_id,
            Member.status == MemberStatus.PAUSED,
            col(Member.paused_until) <= today,
        )
    ).all()
    for member in members:
        member.status = MemberStatus.ACTIVE
        member.paused_until = None
        session.add(member)
    session.commit()
    return len(members)


def apply_directory(
    session: Session, workspace: Workspace, profiles: Iterable[SlackProfile], now: datetime
) -> int:
    """Refresh members' names, time zones and locales from users.list; people deactivated in
    Slack stop receiving check-ins. Returns how many members were seen."""
    members = {
        m.user_id: m for m in session.exec(select(Member).where(Member.team_id == workspace.team_id)).all()
    }
    seen = 0
    for profile in profiles:
        member = members.get(profile.user_id)
        if member is None:
            continue
        seen += 1
        _apply_profile(member, profile, workspace.timezone, now)
        if profile.deleted and member.status != MemberStatus.LEFT:
            member.status = MemberStatus.LEFT
        session.add(member)
    workspace.profiles_synced_at = now
    session.add(workspace)
    session.commit()
    return seen


def roster(session: Session, team_id: str, limit: int) -> list[Member]:
    """The workspace's members for a facilitator's list: by status, then by name."""
    return list(
        session.exec(
            select(Member)
            .where(Member.team_id == team_id)
            .order_by(col(Member.status), col(Member.real_name))
            .limit(limit)
        ).all()
    )


def recent_answers(session: Session, member: Member, limit: int = 5) -> list[Answer]:
    return list(session.exec(_RECENT_ANSWERS, params={"member_id": member.id, "limit": limit}).all())


def count_by_status(session: Session, team_id: str) -> dict[str, int]:
    counts = {MemberStatus.ACTIVE: 0, MemberStatus.PAUSED: 0, MemberStatus.LEFT: 0}
    for status in session.exec(select(Member.status).where(Member.team_id == team_id)).all():
        counts[status] = counts.get(status, 0) + 1
    return counts


def _apply_profile(member: Member, profile: SlackProfile, default_tz: str, now: datetime) -> None:
    member.name = profile.name[:255]
    member.real_name = profile.real_name[:255]
    member.tz = profile.tz or member.tz or default_tz
    member.locale = profile.locale or member.locale
    member.updated_at = now


def avoided_user_ids(session: Session, member: Member) -> list[str]:
    return list(
        session.exec(
            select(Member.user_id)
            .join(MatchAvoid, col(MatchAvoid.avoid_member_id) == Member.id)
            .where(MatchAvoid.member_id == member.id)
        ).all()
    )


def set_avoided(session: Session, member: Member, user_ids: list[str]) -> None:
    """Replace the member's confidential avoid list. People who haven't joined can't be
    matched anyway, so only members are kept."""
    others = session.exec(
        select(Member.id).where(
            Member.team_id == member.team_id, col(Member.user_id).in_(user_ids), Member.id != member.id
        )
    ).all()
    session.execute(delete(MatchAvoid).where(col(MatchAvoid.member_id) == member.id))
    for other in others:
        session.add(MatchAvoid(member_id=member.id, avoid_member_id=other))  # type: ignore[arg-type]
    session.commit()


def set_can_lead(session: Session, member: Member, can_lead: bool) -> None:
    member.can_lead = can_lead
    session.add(member)
    session.commit()


@dataclass(frozen=True)
class Footprint:
    """How many rows of each kind Convene keeps about a member (`/convene me`)."""

    answers: int
    checkins: int
    checkins_answered: int
    matches: int  # intros actually sent; an unsent proposal is the facilitators' draft
    followups_answered: int
    avoided: int
    convening_answers: int = 0  # invitations answered (Going / Not this time)
    harvests: int = 0  # what they would try after a convening
    keep_talking: int = 0  # people they named as someone to keep talking to


def footprint(session: Session, member: Member) -> Footprint:
    params = {"member_id": member.id}
    answers = session.exec(_ANSWER_COUNT, params=params).one()
    sent, answered = session.exec(_CHECKIN_COUNTS, params=params).one()
    matches, followups = session.exec(_MATCH_COUNTS, params=params).one()
    avoided = session.exec(_AVOID_COUNT, params=params).one()
    rsvps = session.exec(select(func.count()).where(ConveningRsvp.member_id == member.id)).one()
    harvests = session.exec(select(func.count()).where(ConveningHarvest.member_id == member.id)).one()
    named = session.exec(select(func.count()).where(ConveningContact.member_id == member.id)).one()
    return Footprint(
        int(answers),
        int(sent),
        int(answered),
        int(matches),
        int(followups),
        int(avoided),
        int(rsvps),
        int(harvests),
        int(named),
    )
