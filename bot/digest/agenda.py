"""A draft agenda for the next convening, from everything said since the previous one (all
history before the first): a session per leading pain point, ranked by prevalence, trend and
how alone people felt with it, with a format and the members who offered to lead it. Answers
given ahead of the coming convening (pre-engagement) weigh `AHEAD_WEIGHT` times as much."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from bot.convenings import service as convenings
from bot.core.texts import Texts
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from storage.models import (
    Answer,
    AnswerTag,
    CheckinDelivery,
    EmergingTheme,
    MatchGroup,
    MatchMember,
    Member,
    MemberStatus,
    PainPoint,
    PainPointStatus,
    ThemeAnswer,
    ThemeStatus,
    Workspace,
)

RECENT_WEEKS = 4
AHEAD_WEIGHT = 2  # an answer given ahead of the coming convening counts twice
MAX_SESSIONS = 4
PANEL_MIN = 2  # members who said a match helped, enough for a panel


@dataclass(frozen=True)
class PainStats:
    slug: str
    name: str
    total: int  # answers in the window
    recent: int  # answers in the last RECENT_WEEKS
    average_support: float | None
    leaders: tuple[str, ...] = ()  # names of members who opted in and raised it
    helped: tuple[str, ...] = ()  # names of members who said a match on it helped
    weeks: int = 12  # how many weeks the answers span
    ahead: int = 0  # of `total`, answers given ahead of the coming convening

    @property
    def weighted(self) -> int:
        return self.total + (AHEAD_WEIGHT - 1) * self.ahead


@dataclass(frozen=True)
class Session_:
    title: str
    slug: str
    format_key: str  # agenda.format_clinic | format_roleplay | format_panel
    score: float
    stats: PainStats


@dataclass
class Agenda:
    answers: int
    weeks: int
    sessions: list[Session_] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)
    since: tuple[str, date] | None = None  # the previous convening (name, day), if any
    coming: tuple[str, date] | None = None  # the next one, if planned
    ahead: int = 0  # answers given ahead of it


def trend_of(stats: PainStats) -> float:
    """Recent weekly rate against the earlier weekly rate: > 0 rising (0 without an earlier
    period to compare with)."""
    earlier_weeks = stats.weeks - RECENT_WEEKS
    if earlier_weeks <= 0:
        return 0.0
    return stats.recent / RECENT_WEEKS - (stats.total - stats.recent) / earlier_weeks


def score(stats: PainStats, all_answers: int) -> float:
    """`all_answers` counts answers given ahead of the coming convening `AHEAD_WEIGHT` times,
    as `stats.weighted` does."""
    prevalence = stats.weighted / all_answers if all_answers else 0.0
    rising = max(-1.0, min(1.0, trend_of(stats)))
    difficulty = (5 - stats.average_support) / 4 if stats.average_support is not None else 0.5
    return prevalence * 2 + rising * 0.5 + difficulty


def rank(stats: list[PainStats], all_answers: int) -> list[Session_]:
    sessions = []
    for s in stats:
        if s.total == 0:
            continue
        if len(s.helped) >= PANEL_MIN:
            format_key = "agenda.format_panel"
        elif trend_of(s) > 0:
            format_key = "agenda.format_clinic"
        else:
            format_key = "agenda.format_roleplay"
        sessions.append(Session_(s.name, s.slug, format_key, score(s, all_answers), s))
    # How many raised it comes first: a pain point is never left out while one raised less
    # often gets a session. Trend and difficulty (the score) order those raised equally often.
    return sorted(sessions, key=lambda x: (-x.stats.total, -x.score, x.slug))[:MAX_SESSIONS]


def draft(session: Session, team_id: str, now: datetime) -> Agenda:
    workspace = session.get(Workspace, team_id)
    assert workspace is not None
    window = convenings.agenda_window(session, workspace, now)
    coming = window.coming.id if window.coming is not None else -1
    recent_since = now - timedelta(weeks=RECENT_WEEKS)
    since = window.since
    if since is None:  # before the first convening: all history
        since = (
            session.exec(select(func.min(Answer.created_at)).where(Answer.team_id == team_id)).one() or now
        )
    weeks = max(1, math.ceil((now - since) / timedelta(weeks=1)))
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            PainPoint.slug,
            PainPoint.name,
            Answer.created_at,
            Answer.support_score,
            Member.real_name,
            Member.can_lead,
            CheckinDelivery.convening_id,
        )
        .join(AnswerTag, col(AnswerTag.pain_point_id) == PainPoint.id)
        .join(Answer, col(Answer.id) == AnswerTag.answer_id)
        .join(Member, col(Member.id) == Answer.member_id)
        .outerjoin(CheckinDelivery, col(CheckinDelivery.id) == Answer.delivery_id)
        .where(
            PainPoint.team_id == team_id,
            PainPoint.status == PainPointStatus.ACTIVE,
            col(Answer.created_at) >= since,
        )
    ).all()
    all_answers, ahead_answers = session.exec(
        select(func.count(), func.count(col(CheckinDelivery.id)))
        .select_from(Answer)
        .outerjoin(
            CheckinDelivery,
            (col(CheckinDelivery.id) == Answer.delivery_id) & (col(CheckinDelivery.convening_id) == coming),
        )
        .where(Answer.team_id == team_id, col(Answer.created_at) >= since)
    ).one()
    per: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"total": 0, "recent": 0, "ahead": 0, "support": [], "leaders": set()}
    )
    names: dict[str, str] = {}
    for slug, name, created, support, real_name, can_lead, convening_id in rows:
        entry = per[slug]
        names[slug] = name
        entry["total"] += 1
        entry["recent"] += created >= recent_since
        entry["ahead"] += convening_id == coming
        if support:
            entry["support"].append(support)
        if can_lead:
            entry["leaders"].add(real_name)
    helped = _helped_by_pain(session, team_id, since)
    stats = [
        PainStats(
            slug,
            names[slug],
            e["total"],
            e["recent"],
            sum(e["support"]) / len(e["support"]) if e["support"] else None,
            tuple(sorted(e["leaders"])),
            tuple(sorted(helped.get(slug, set()))),
            weeks,
            e["ahead"],
        )
        for slug, e in per.items()
    ]
    weighted_all = all_answers + (AHEAD_WEIGHT - 1) * ahead_answers
    agenda = Agenda(all_answers, weeks, rank(stats, weighted_all))
    if window.previous is not None:
        agenda.since = (window.previous.name, window.previous.day)
    if window.coming is not None:
        agenda.coming, agenda.ahead = (window.coming.name, window.coming.day), int(ahead_answers)
    for theme, count in session.exec(
        select(EmergingTheme.name, col(ThemeAnswer.answer_id))
        .join(ThemeAnswer, col(ThemeAnswer.theme_id) == EmergingTheme.id)
        .where(EmergingTheme.team_id == team_id, EmergingTheme.status == ThemeStatus.PROPOSED)
    ).all():
        agenda.themes.append((theme, count))
    agenda.themes = _count_themes(agenda.themes)
    return agenda


def _count_themes(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for name, _ in pairs:
        counts[name] += 1
    return sorted(counts.items(), key=lambda x: -x[1])


def _helped_by_pain(session: Session, team_id: str, since: datetime) -> dict[str, set[str]]:
    import json

    from storage.models import MatchRound

    rows = session.exec(
        select(MatchGroup.shared_pains, Member.real_name)
        .join(MatchMember, col(MatchMember.group_id) == MatchGroup.id)
        .join(Member, col(Member.id) == MatchMember.member_id)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .where(
            MatchRound.team_id == team_id,
            col(MatchRound.sent_at) >= since,
            MatchMember.helped == True,  # noqa: E712
            Member.status == MemberStatus.ACTIVE,
        )
    ).all()
    helped: dict[str, set[str]] = defaultdict(set)
    for shared, name in rows:
        for slug in json.loads(shared):
            helped[slug].add(name)
    return helped


def intro(texts: Texts, agenda: Agenda, mrkdwn: bool = True) -> str:
    """Which answers the agenda is built from: since the previous convening, or all of them.
    Convening names are a facilitator's words: escaped for Slack, as typed for the file (which
    is the document itself, so its text says nothing of attachments)."""
    shown = escape if mrkdwn else str
    if agenda.since is not None:
        name, day = agenda.since
        period = texts.get("agenda.period_since", name=shown(name), date=day.isoformat(), weeks=agenda.weeks)
    else:
        period = texts.get("agenda.period_all", weeks=agenda.weeks)
    key = "agenda.intro" if mrkdwn else "agenda.intro_document"
    text = texts.get(key, answers=agenda.answers, period=period)
    if agenda.coming is not None and agenda.ahead:
        text += " " + texts.get("agenda.intro_ahead", count=agenda.ahead, name=shown(agenda.coming[0]))
    return text


def agenda_blocks(texts: Texts, agenda: Agenda) -> list[dict[str, Any]]:
    out = [blocks.header(texts.get("agenda.header"))]
    if agenda.coming is not None:
        name, day = agenda.coming
        out.append(
            blocks.section(texts.get("agenda.for_convening", name=f"*{escape(name)}*", date=day.isoformat()))
        )
    out.append(blocks.context(intro(texts, agenda) + " " + texts.get("agenda.file_in_thread")))
    if not agenda.sessions:
        out.append(blocks.section(texts.get("agenda.no_sessions")))
    for number, item in enumerate(agenda.sessions, start=1):
        body = texts.get(
            "agenda.session",
            number=number,
            title=escape(item.title),
            format=texts.get(item.format_key),
            rationale=_rationale(texts, item),
        )
        leaders = _leaders(texts, item)
        out.append(blocks.section(f"{body}\n{leaders}"[:2900]))
    if agenda.themes:
        lines = [texts.get("agenda.theme_line", name=escape(n), count=c) for n, c in agenda.themes]
        out.append(blocks.section(f"*{texts.get('agenda.themes_header')}*\n" + "\n".join(lines)[:2800]))
    return out


def _rationale(texts: Texts, item: Session_) -> str:
    trend = trend_of(item.stats)
    word = (
        "agenda.trend_rising" if trend > 0 else "agenda.trend_falling" if trend < 0 else "agenda.trend_steady"
    )
    support = f"{item.stats.average_support:.1f}/5" if item.stats.average_support is not None else "n/a"
    text = texts.get(
        "agenda.rationale",
        count=item.stats.total,
        weeks=item.stats.weeks,
        trend=texts.get(word),
        support=support,
    )
    if item.stats.ahead:
        text += " " + texts.get("agenda.rationale_ahead", count=item.stats.ahead)
    return text


def _leaders(texts: Texts, item: Session_, mrkdwn: bool = True) -> str:
    names = item.stats.helped if item.format_key == "agenda.format_panel" else item.stats.leaders
    if not names:
        return texts.get("agenda.leaders_none")
    shown = [escape(n) if mrkdwn else n for n in names[:5]]  # the Markdown file is not mrkdwn
    return texts.get("agenda.leaders", names=", ".join(shown))


def to_markdown(texts: Texts, agenda: Agenda) -> str:
    # The file is the document itself, read and edited away from Slack: it says nothing of
    # attachments, and carries no Slack markup.
    lines = [f"# {texts.get('agenda.header')}", ""]
    if agenda.coming is not None:
        name, day = agenda.coming
        lines += [texts.get("agenda.for_convening", name=name, date=day.isoformat()), ""]
    lines += [intro(texts, agenda, mrkdwn=False), ""]
    for number, item in enumerate(agenda.sessions, start=1):
        lines += [
            f"## {number}. {item.title}",
            "",
            "- " + texts.get("agenda.document_format", format=texts.get(item.format_key)),
            "- " + texts.get("agenda.document_why", rationale=_rationale(texts, item)),
            f"- {_leaders(texts, item, mrkdwn=False)}",
            "",
        ]
    if agenda.themes:
        lines += [f"## {texts.get('agenda.themes_header')}", ""]
        lines += [
            "- " + texts.get("agenda.document_theme", name=name, count=count) for name, count in agenda.themes
        ]
    return "\n".join(lines) + "\n"


def digest_section(texts: Texts, agenda: Agenda) -> list[dict[str, Any]]:
    """The digest's short form: the coming convening's sessions, one line each."""
    if agenda.coming is None:
        return []
    name, day = agenda.coming
    lines = [
        texts.get(
            "agenda.digest_line", number=number, title=escape(item.title), format=texts.get(item.format_key)
        )
        for number, item in enumerate(agenda.sessions, start=1)
    ] or [texts.get("agenda.no_sessions")]
    heading = texts.get("agenda.digest_header", name=escape(name), date=day.isoformat())
    return [
        blocks.section(f"*{heading}*"),
        *blocks.sections_from_lines(lines),
        blocks.context(intro(texts, agenda) + " " + texts.get("agenda.digest_more")),
    ]
