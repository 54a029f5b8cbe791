"""The weekly digest, aggregated from the database in a fixed number of queries.

Every figure is computed in SQL with conditional sums over week buckets (`CASE WHEN created_at
>= :lo AND created_at < :hi`), never with dialect date functions, so SQLite and PostgreSQL
agree exactly; the week bounds themselves are computed in Python in the community's time zone.
Eleven queries in all, however many members, answers or weeks there are."""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlmodel import Session, col, select

from bot.core import schedule
from bot.digest.model import Digest, PainTrend, ThemeSummary
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    CheckinRound,
    Consent,
    DeliveryStatus,
    EmergingTheme,
    MatchGroup,
    MatchMember,
    MatchRound,
    Member,
    MemberStatus,
    PainPoint,
    PainPointStatus,
    ThemeAnswer,
    ThemeStatus,
    Workspace,
)

PREVIOUS_WEEKS = 4  # the baseline this week is compared with
TREND_WEEKS = 12  # the current week and the 11 before it
MAX_QUOTES = 5
DRIFT_ROUNDS = 3  # silent for this many of one's own most recent check-ins


def week_bounds(now: datetime, tz: tzinfo) -> tuple[str, datetime, datetime]:
    """The ISO week containing `now` in `tz`: its key ("2026-W48") and its bounds
    [Monday 00:00, next Monday 00:00) local time, as aware UTC datetimes."""
    if now.tzinfo is None:
        raise ValueError("week_bounds needs an aware datetime")
    monday = now.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    return _week(monday, tz)


def _week(monday: date, tz: tzinfo) -> tuple[str, datetime, datetime]:
    year, week, _ = monday.isocalendar()
    start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz).astimezone(UTC)
    return f"{year}-W{week:02d}", start, end


def _weeks_back(now: datetime, tz: tzinfo, count: int) -> list[tuple[str, datetime, datetime]]:
    """The `count` weeks ending with the one containing `now`, oldest first. Each is computed
    from its own local Monday, so weeks that cross a daylight-saving change are 167 or 169 h."""
    monday = now.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    return [_week(monday - timedelta(weeks=back), tz) for back in range(count - 1, -1, -1)]


def _within(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _count_in(column: Any, start: datetime, end: datetime, condition: Any = None) -> Any:
    when = _within(column, start, end) if condition is None else and_(_within(column, start, end), condition)
    return func.coalesce(func.sum(case((when, 1), else_=0)), 0)


def _mean(value: Any) -> float | None:
    return None if value is None else float(value)  # PostgreSQL's avg() gives a Decimal


def build_digest(session: Session, team_id: str, now: datetime) -> Digest:
    """The digest of the week containing `now`, in the community's time zone."""
    zone_name = session.exec(select(Workspace.timezone).where(Workspace.team_id == team_id)).first()
    tz = schedule.zone(zone_name)
    weeks = _weeks_back(now, tz, TREND_WEEKS)
    week_key, start, end = weeks[-1]
    previous = weeks[-1 - PREVIOUS_WEEKS : -1]
    window_start = previous[0][1]

    members_active = session.exec(
        select(func.count())
        .select_from(Member)
        .where(Member.team_id == team_id, Member.status == MemberStatus.ACTIVE)
    ).one()

    asked, answered, previous_rate = _checkins(session, team_id, weeks[-1 - PREVIOUS_WEEKS :])
    pains, trend = _pains(session, team_id, weeks)
    average_support, previous_support = _support(session, team_id, window_start, start, end)
    groups, people = _matches(session, team_id, start, end)
    met, helped, follow_ups = _follow_ups(session, team_id, start, end)

    return Digest(
        team_id=team_id,
        week_key=week_key,
        start=start,
        end=end,
        members_active=int(members_active),
        asked=asked,
        answered=answered,
        previous_response_rate=previous_rate,
        pains=pains,
        themes=_themes(session, team_id),
        quotes=_quotes(session, team_id, start, end),
        groups_matched=groups,
        people_matched=people,
        met=met,
        helped=helped,
        follow_up_answers=follow_ups,
        average_support=average_support,
        previous_average_support=previous_support,
        drifting=_drifting(session, team_id, end),
        trend_weeks=tuple(key for key, _, _ in weeks),
        trend=trend,
    )


def _checkins(
    session: Session, team_id: str, weeks: Sequence[tuple[str, datetime, datetime]]
) -> tuple[int, int, float | None]:
    """Check-ins sent and answered this week, and the previous weeks' pooled response rate
    (all their answers over all their check-ins, so a small manual round weighs little)."""
    sent_at = col(CheckinDelivery.sent_at)
    is_answered = col(CheckinDelivery.status) == DeliveryStatus.ANSWERED
    columns = []
    for _, lo, hi in weeks:
        columns += [_count_in(sent_at, lo, hi), _count_in(sent_at, lo, hi, is_answered)]
    row = session.exec(
        select(*columns)
        .select_from(CheckinDelivery)
        .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
        .where(CheckinRound.team_id == team_id, _within(sent_at, weeks[0][1], weeks[-1][2]))
    ).one()
    counts = [int(v) for v in row]
    asked, answered = counts[-2], counts[-1]
    previous_asked, previous_answered = sum(counts[0:-2:2]), sum(counts[1:-2:2])
    previous_rate = previous_answered / previous_asked if previous_asked else None
    return asked, answered, previous_rate


def _pains(
    session: Session, team_id: str, weeks: Sequence[tuple[str, datetime, datetime]]
) -> tuple[tuple[PainTrend, ...], dict[str, tuple[int, ...]]]:
    """Per active pain point tagged in the trend window: its count per week and the mean
    support score of this week's tagged answers.

    The counts are grouped by the tag's pain point id alone, and the pain points are read on
    their own: joining them in makes SQLite (no statistics) loop over every answer once per
    pain point, 30x slower on a year of data."""
    created = col(Answer.created_at)
    _, start, end = weeks[-1]
    counted = session.exec(
        select(
            col(AnswerTag.pain_point_id),
            func.avg(case((_within(created, start, end), col(Answer.support_score)))),
            *(_count_in(created, lo, hi) for _, lo, hi in weeks),
        )
        .select_from(Answer)
        .join(AnswerTag, col(AnswerTag.answer_id) == Answer.id)
        .where(Answer.team_id == team_id, _within(created, weeks[0][1], end))
        .group_by(col(AnswerTag.pain_point_id))
    ).all()
    active = {
        pain_id: (slug, name, bool(is_symptom))
        for pain_id, slug, name, is_symptom in session.exec(
            select(
                col(PainPoint.id), col(PainPoint.slug), col(PainPoint.name), col(PainPoint.is_symptom)
            ).where(PainPoint.team_id == team_id, PainPoint.status == PainPointStatus.ACTIVE)
        ).all()
    }
    pains = []
    trend = {}
    for pain_id, support, *counts in counted:
        if pain_id not in active:
            continue
        slug, name, is_symptom = active[pain_id]
        per_week = tuple(int(c) for c in counts)
        if not any(per_week):
            continue
        trend[slug] = per_week
        this_week, before = per_week[-1], per_week[-1 - PREVIOUS_WEEKS : -1]
        if this_week or any(before):
            pains.append(
                PainTrend(
                    slug=slug,
                    name=name,
                    count=this_week,
                    previous_average=sum(before) / PREVIOUS_WEEKS,
                    is_symptom=is_symptom,
                    average_support=_mean(support),
                )
            )
    pains.sort(key=lambda p: (-p.count, -p.change, p.name.casefold(), p.slug))
    return tuple(pains), dict(sorted(trend.items()))


def _support(
    session: Session, team_id: str, window_start: datetime, start: datetime, end: datetime
) -> tuple[float | None, float | None]:
    """Mean support score of this week's answers, and of all answers in the weeks before."""
    created, score = col(Answer.created_at), col(Answer.support_score)
    this_week, before = session.exec(
        select(
            func.avg(case((_within(created, start, end), score))),
            func.avg(case((_within(created, window_start, start), score))),
        ).where(Answer.team_id == team_id, _within(created, window_start, end), score.is_not(None))
    ).one()
    return _mean(this_week), _mean(before)


def _themes(session: Session, team_id: str) -> tuple[ThemeSummary, ...]:
    answers = (
        select(func.count())
        .select_from(ThemeAnswer)
        .where(col(ThemeAnswer.theme_id) == EmergingTheme.id)
        .scalar_subquery()
    )
    rows = session.exec(
        select(col(EmergingTheme.id), col(EmergingTheme.name), col(EmergingTheme.examples), answers)
        .where(EmergingTheme.team_id == team_id, EmergingTheme.status == ThemeStatus.PROPOSED)
        .order_by(answers.desc(), col(EmergingTheme.id))
    ).all()
    return tuple(
        # A stored theme's id; SQLModel types primary keys as optional for unsaved rows.
        ThemeSummary(id=theme_id, name=name, answers=int(count), examples=_examples(examples))  # type: ignore[arg-type]
        for theme_id, name, examples, count in rows
    )


def _examples(raw: str | None) -> tuple[str, ...]:
    try:
        parsed = json.loads(raw or "[]")
    except ValueError:
        return ()
    if not isinstance(parsed, list):
        return ()
    return tuple(str(e) for e in parsed if isinstance(e, str) and e.strip())


def _quotes(session: Session, team_id: str, start: datetime, end: datetime) -> tuple[str, ...]:
    """The week's most recent answers their authors agreed to have quoted anonymously in
    this digest (not those shared with matched peers only): the text only, so no name can
    travel with it."""
    rows = session.exec(
        select(col(Answer.text))
        .where(
            Answer.team_id == team_id,
            col(Answer.consent) == Consent.QUOTE_ANONYMOUSLY,
            _within(col(Answer.created_at), start, end),
            func.length(func.trim(col(Answer.text))) > 0,
        )
        .order_by(col(Answer.created_at).desc(), col(Answer.id).desc())
        .limit(MAX_QUOTES)
    ).all()
    return tuple(rows)


def _matches(session: Session, team_id: str, start: datetime, end: datetime) -> tuple[int, int]:
    groups, people = session.exec(
        select(func.count(col(MatchGroup.id).distinct()), func.count(col(MatchMember.member_id).distinct()))
        .select_from(MatchGroup)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .outerjoin(MatchMember, col(MatchMember.group_id) == MatchGroup.id)
        .where(MatchRound.team_id == team_id, _within(col(MatchRound.sent_at), start, end))
    ).one()
    return int(groups), int(people)


def _follow_ups(session: Session, team_id: str, start: datetime, end: datetime) -> tuple[int, int, int]:
    """Follow-up answers recorded this week. Silence is recorded too (answered_at set, met and
    helped left None) so it is counted once; it is not an answer and is left out here."""
    met, helped = col(MatchMember.met), col(MatchMember.helped)
    row = session.exec(
        select(
            func.coalesce(func.sum(case((met.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((helped.is_(True), 1), else_=0)), 0),
            func.count(),
        )
        .select_from(MatchMember)
        .join(MatchGroup, col(MatchGroup.id) == MatchMember.group_id)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .where(
            MatchRound.team_id == team_id,
            _within(col(MatchMember.answered_at), start, end),
            or_(met.is_not(None), helped.is_not(None)),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _drifting(session: Session, team_id: str, end: datetime) -> tuple[str, ...]:
    """Active members whose own three most recent check-ins (sent before the week's end) all
    went unanswered: fewer than three sent means too new to call drifting."""
    recency = (
        func.row_number()
        .over(
            partition_by=col(CheckinDelivery.member_id),
            order_by=(col(CheckinDelivery.sent_at).desc(), col(CheckinDelivery.id).desc()),
        )
        .label("recency")
    )
    recent = (
        select(
            col(CheckinDelivery.member_id).label("member_id"),
            case((col(CheckinDelivery.status) == DeliveryStatus.ANSWERED, 1), else_=0).label("answered"),
            recency,
        )
        .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
        .where(
            CheckinRound.team_id == team_id,
            col(CheckinDelivery.sent_at).is_not(None),
            col(CheckinDelivery.sent_at) < end,
        )
        .subquery()
    )
    rows = session.exec(
        select(col(Member.user_id))
        .join(recent, recent.c.member_id == Member.id)
        .where(
            Member.team_id == team_id,
            Member.status == MemberStatus.ACTIVE,
            recent.c.recency <= DRIFT_ROUNDS,
        )
        .group_by(col(Member.id), col(Member.user_id))
        .having(and_(func.count() == DRIFT_ROUNDS, func.sum(recent.c.answered) == 0))
        .order_by(col(Member.user_id))
    ).all()
    return tuple(rows)
