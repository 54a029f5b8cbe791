"""The community at a glance, for facilitators' App Home: a handful of cheap queries (eight,
however large the community), reusing the digest's own counting where it fits."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from bot.core import schedule
from bot.digest import aggregate
from bot.digest.model import FollowUpRates, share
from bot.members import service as members
from bot.tagging import taxonomy
from storage.models import Answer, CheckinDelivery, CheckinRound, DeliveryStatus, Workspace

TOP_PAINS = 3
PAIN_WEEKS = 4


@dataclass(frozen=True)
class CommunityStats(FollowUpRates):
    active: int
    paused: int
    left: int
    last_round: date | None  # when the latest round that reached anyone was started
    last_round_sent: int
    last_round_answered: int
    answers_this_week: int
    top_pains: list[tuple[str, int]]  # (name, answers in the last 4 weeks), most first
    groups_this_month: int
    people_this_month: int
    met: int
    helped: int
    follow_up_answers: int

    @property
    def response_rate(self) -> float | None:
        return share(self.last_round_answered, self.last_round_sent)


def community_stats(session: Session, workspace: Workspace, now: datetime) -> CommunityStats:
    team_id = workspace.team_id
    tz = schedule.zone(workspace.timezone)
    counts = members.count_by_status(session, team_id)
    round_day, sent, answered = _last_round(session, team_id)
    _, week_start, week_end = aggregate.week_bounds(now, tz)
    answers_this_week = session.exec(
        select(func.count()).where(
            Answer.team_id == team_id,
            col(Answer.created_at) >= week_start,
            col(Answer.created_at) < week_end,
        )
    ).one()
    by_pain = taxonomy.counts_since(session, team_id, week_end - timedelta(weeks=PAIN_WEEKS))
    names = {p.id: p.name for p in taxonomy.active_pain_points(session, team_id)}
    top = sorted(
        ((names[pid], n) for pid, n in by_pain.items() if pid in names and n),
        key=lambda item: (-item[1], item[0].casefold()),
    )[:TOP_PAINS]
    month_start = datetime.combine(now.astimezone(tz).date().replace(day=1), time(0), tzinfo=tz)
    groups, people = aggregate._matches(session, team_id, month_start, now)
    met, helped, follow_ups = aggregate._follow_ups(session, team_id, month_start, now)
    return CommunityStats(
        active=counts.get("active", 0),
        paused=counts.get("paused", 0),
        left=counts.get("left", 0),
        last_round=round_day,
        last_round_sent=sent,
        last_round_answered=answered,
        answers_this_week=int(answers_this_week),
        top_pains=top,
        groups_this_month=groups,
        people_this_month=people,
        met=met,
        helped=helped,
        follow_up_answers=follow_ups,
    )


def _last_round(session: Session, team_id: str) -> tuple[date | None, int, int]:
    """The latest round that reached anyone: its date, check-ins sent and answered."""
    latest = session.exec(
        select(CheckinRound.id, CheckinRound.created_at)
        .join(CheckinDelivery, col(CheckinDelivery.round_id) == CheckinRound.id)
        .where(CheckinRound.team_id == team_id, col(CheckinDelivery.sent_at).is_not(None))
        .order_by(col(CheckinRound.created_at).desc(), col(CheckinRound.id).desc())
        .limit(1)
    ).first()
    if latest is None:
        return None, 0, 0
    round_id, created_at = latest
    sent, answered = session.exec(
        select(
            func.count(col(CheckinDelivery.sent_at)),
            func.coalesce(
                func.sum(case((col(CheckinDelivery.status) == DeliveryStatus.ANSWERED, 1), else_=0)), 0
            ),
        ).where(CheckinDelivery.round_id == round_id)
    ).one()
    return created_at.date(), int(sent), int(answered)
