"""The weekly digest, aggregated from the database in a fixed number of queries.

Every figure is computed in SQL with conditional sums over week buckets (`CASE WHEN … >= :lo
AND … < :hi`), never with dialect date functions, so SQLite and PostgreSQL agree exactly; the
week bounds themselves are computed in Python in the community's time zone.

A check-in, and the answer to it, count in the week of their round (`CheckinRound.round_date`),
not of the moment Slack delivered it: Sydney's Monday 09:00 is Sunday 22:00 in UTC, and the
Monday round is still one round in one digest. Only answers with no check-in behind them fall
back to when they were written. Eleven queries in all, however many members, answers or weeks."""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, not_, or_
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


class Week(NamedTuple):
    key: str
    start: datetime  # aware UTC bounds [start, end) of the local week
    end: datetime
    monday: date  # its days [monday, monday + 7), for rounds, which belong to a day

    @property
    def next_monday(self) -> date:
        return self.monday + timedelta(days=7)


def _weeks_back(now: datetime, tz: tzinfo, count: int) -> list[Week]:
    """The `count` weeks ending with the one containing `now`, oldest first. Each is computed
    from its own local Monday, so weeks that cross a daylight-saving change are 167 or 169 h."""
    monday = now.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    mondays = [monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    return [Week(*_week(day, tz), day) for day in mondays]


def _within(column: Any, start: Any, end: Any) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _count_where(when: Any) -> Any:
    return func.coalesce(func.sum(case((when, 1), else_=0)), 0)


def _count_in(column: Any, start: datetime, end: datetime, condition: Any = None) -> Any:
    when = _within(column, start, end) if condition is None else and_(_within(column, start, end), condition)
    return _count_where(when)


def _in_round_week(day: Any, moment: Any, first: Week, last: Week) -> ColumnElement[bool]:
    """From the start of week `first` to the end of week `last`, counting a row by its round's
    day, or by `moment` when it has no round (or the round predates `round_date`)."""
    return or_(
        and_(day.is_not(None), _within(day, first.monday, last.next_monday)),
        and_(day.is_(None), _within(moment, first.start, last.end)),
    )


def _mean(value: Any) -> float | None:
    return None if value is None else float(value)  # PostgreSQL's avg() gives a Decimal


def build_digest(session: Session, team_id: str, now: datetime) -> Digest:
    """The digest of the week containing `now`, in the community's time zone."""
    zone_name = session.exec(select(Workspace.timezone).where(Workspace.team_id == team_id)).first()
    tz = schedule.zone(zone_name)
    weeks = _weeks_back(now, tz, TREND_WEEKS)
    this = weeks[-1]
    week_key, start, end = this.key, this.start, this.end
    previous = weeks[-1 - PREVIOUS_WEEKS : -1]

    members_active = session.exec(
        select(func.count())
        .select_from(Member)
        .where(Member.team_id == team_id, Member.status == MemberStatus.ACTIVE)
    ).one()

    asked_per_week, answered_per_week = _checkins(session, team_id, weeks)
    counts = _pain_counts(session, team_id, weeks)
    # A week "had a round" if check-ins went out in it (or, for answers that came without
    # one, if any were tagged): the trend compares only with such weeks, and the chart
    # plots only them. None before this week: the digest says it is the first.
    had_round = [
        bool(asked_per_week[i]) or any(per_week[i] for _, per_week in counts.values())
        for i in range(len(weeks))
    ]
    history = sum(had_round[-1 - PREVIOUS_WEEKS : -1])
    previous_asked = sum(asked_per_week[-1 - PREVIOUS_WEEKS : -1])
    previous_answered = sum(answered_per_week[-1 - PREVIOUS_WEEKS : -1])
    pains, trend = _pains(session, team_id, counts, history)
    average_support, previous_support = _support(session, team_id, previous[0], this)
    shown = [i for i, had in enumerate(had_round) if had]
    groups, people = _matches(session, team_id, start, end)
    met, helped, follow_ups = _follow_ups(session, team_id, start, end)

    return Digest(
        team_id=team_id,
        week_key=week_key,
        start=start,
        end=end,
        members_active=int(members_active),
        asked=asked_per_week[-1],
        answered=answered_per_week[-1],
        previous_response_rate=previous_answered / previous_asked if previous_asked else None,
        previous_weeks_with_rounds=history,
        pains=pains,
        themes=_themes(session, team_id),
        quotes=_quotes(session, team_id, this),
        groups_matched=groups,
        people_matched=people,
        met=met,
        helped=helped,
        follow_up_answers=follow_ups,
        average_support=average_support,
        previous_average_support=previous_support,
        drifting=_drifting(session, team_id, end),
        trend_weeks=tuple(weeks[i].key for i in shown),
        trend={slug: tuple(per_week[i] for i in shown) for slug, per_week in trend.items()},
    )


def _checkins(session: Session, team_id: str, weeks: Sequence[Week]) -> tuple[list[int], list[int]]:
    """Check-ins delivered, and answered, per week: each in the week of its round."""
    sent_at = col(CheckinDelivery.sent_at)
    day = col(CheckinRound.round_date)
    is_answered = col(CheckinDelivery.status) == DeliveryStatus.ANSWERED
    columns = []
    for week in weeks:
        in_week = _in_round_week(day, sent_at, week, week)
        columns += [_count_where(in_week), _count_where(and_(in_week, is_answered))]
    row = session.exec(
        select(*columns)
        .select_from(CheckinDelivery)
        .join(CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id)
        .where(
            CheckinRound.team_id == team_id,
            sent_at.is_not(None),
            _in_round_week(day, sent_at, weeks[0], weeks[-1]),
        )
    ).one()
    counts = [int(v) for v in row]
    return counts[0::2], counts[1::2]


def _answers_by_round() -> tuple[Any, Any]:
    """(the answer's round day or NULL, when it was written), for `_in_round_week`; the
    query must outer-join the answer's delivery and round (`_with_rounds`)."""
    return col(CheckinRound.round_date), col(Answer.created_at)


def _with_rounds(statement: Any) -> Any:
    return statement.outerjoin(CheckinDelivery, col(CheckinDelivery.id) == Answer.delivery_id).outerjoin(
        CheckinRound, col(CheckinRound.id) == CheckinDelivery.round_id
    )


PainCounts = dict[int, tuple[float | None, tuple[int, ...]]]  # pain id -> (support, per week)


def _pain_counts(session: Session, team_id: str, weeks: Sequence[Week]) -> PainCounts:
    """Per pain point tagged in the trend window: the mean support score of this week's
    tagged answers, and its answers per week.

    The counts are grouped by the tag's pain point id alone, and the pain points are read on
    their own: joining them in makes SQLite (no statistics) loop over every answer once per
    pain point, 30x slower on a year of data."""
    day, created = _answers_by_round()
    this = weeks[-1]
    statement = _with_rounds(
        select(
            col(AnswerTag.pain_point_id),
            func.avg(case((_in_round_week(day, created, this, this), col(Answer.support_score)))),
            *(_count_where(_in_round_week(day, created, week, week)) for week in weeks),
        )
        .select_from(Answer)
        .join(AnswerTag, col(AnswerTag.answer_id) == Answer.id)
    )
    counted = session.exec(
        statement.where(Answer.team_id == team_id, _in_round_week(day, created, weeks[0], this)).group_by(
            col(AnswerTag.pain_point_id)
        )
    ).all()
    return {
        pain_id: (_mean(support), tuple(int(c) for c in per_week)) for pain_id, support, *per_week in counted
    }


def _pains(
    session: Session, team_id: str, counted: PainCounts, history: int
) -> tuple[tuple[PainTrend, ...], dict[str, tuple[int, ...]]]:
    """The active pain points among `counted`, ranked, each compared with its average over
    the previous weeks that had a round (none: no comparison), and their per-week counts."""
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
    for pain_id, (support, per_week) in counted.items():
        if pain_id not in active:
            continue
        slug, name, is_symptom = active[pain_id]
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
                    previous_average=sum(before) / history if history else None,
                    is_symptom=is_symptom,
                    average_support=support,
                )
            )
    pains.sort(key=lambda p: (-p.count, -(p.change or 0.0), p.name.casefold(), p.slug))
    return tuple(pains), dict(sorted(trend.items()))


def _support(session: Session, team_id: str, first: Week, this: Week) -> tuple[float | None, float | None]:
    """Mean support score of this week's answers, and of all answers in the weeks before."""
    day, created = _answers_by_round()
    score = col(Answer.support_score)
    statement = _with_rounds(
        select(
            func.avg(case((_in_round_week(day, created, this, this), score))),
            func.avg(case((and_(_in_round_week(day, created, first, this),
                                not_(_in_round_week(day, created, this, this))), score))),
        ).select_from(Answer)
    )  # fmt: skip
    this_week, before = session.exec(
        statement.where(
            Answer.team_id == team_id, _in_round_week(day, created, first, this), score.is_not(None)
        )
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


def _quotes(session: Session, team_id: str, this: Week) -> tuple[str, ...]:
    """The week's most recent answers their authors agreed to have quoted anonymously in
    this digest (not those shared with matched peers only): the text only, so no name can
    travel with it."""
    day, created = _answers_by_round()
    rows = session.exec(
        _with_rounds(select(col(Answer.text)).select_from(Answer))
        .where(
            Answer.team_id == team_id,
            col(Answer.consent) == Consent.QUOTE_ANONYMOUSLY,
            _in_round_week(day, created, this, this),
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
