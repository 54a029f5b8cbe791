"""A draft agenda for the next convening, from everything collected recently: a session per
leading pain point, ranked by prevalence, trend and how alone people felt with it, with a
format and the members who offered to lead it."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from bot.core.texts import Texts
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from storage.models import (
    Answer,
    AnswerTag,
    EmergingTheme,
    MatchGroup,
    MatchMember,
    Member,
    MemberStatus,
    PainPoint,
    PainPointStatus,
    ThemeAnswer,
    ThemeStatus,
)

WINDOW_WEEKS = 12
RECENT_WEEKS = 4
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


def trend_of(stats: PainStats) -> float:
    """Recent weekly rate against the earlier weekly rate: > 0 rising."""
    earlier_weeks = WINDOW_WEEKS - RECENT_WEEKS
    return stats.recent / RECENT_WEEKS - (stats.total - stats.recent) / earlier_weeks


def score(stats: PainStats, all_answers: int) -> float:
    prevalence = stats.total / all_answers if all_answers else 0.0
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
    since, recent_since = now - timedelta(weeks=WINDOW_WEEKS), now - timedelta(weeks=RECENT_WEEKS)
    rows = session.exec(
        select(
            PainPoint.slug,
            PainPoint.name,
            Answer.created_at,
            Answer.support_score,
            Member.real_name,
            Member.can_lead,
        )
        .join(AnswerTag, col(AnswerTag.pain_point_id) == PainPoint.id)
        .join(Answer, col(Answer.id) == AnswerTag.answer_id)
        .join(Member, col(Member.id) == Answer.member_id)
        .where(
            PainPoint.team_id == team_id,
            PainPoint.status == PainPointStatus.ACTIVE,
            col(Answer.created_at) >= since,
        )
    ).all()
    all_answers = session.exec(
        select(func.count()).where(Answer.team_id == team_id, col(Answer.created_at) >= since)
    ).one()
    per: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"total": 0, "recent": 0, "support": [], "leaders": set()}
    )
    names: dict[str, str] = {}
    for slug, name, created, support, real_name, can_lead in rows:
        entry = per[slug]
        names[slug] = name
        entry["total"] += 1
        entry["recent"] += created >= recent_since
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
        )
        for slug, e in per.items()
    ]
    agenda = Agenda(all_answers, WINDOW_WEEKS, rank(stats, all_answers))
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


def agenda_blocks(texts: Texts, agenda: Agenda) -> list[dict[str, Any]]:
    out = [
        blocks.header(texts.get("agenda.header")),
        blocks.context(texts.get("agenda.intro", answers=agenda.answers, weeks=agenda.weeks)),
    ]
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
    return texts.get(
        "agenda.rationale", count=item.stats.total, weeks=WINDOW_WEEKS, trend=texts.get(word), support=support
    )


def _leaders(texts: Texts, item: Session_, mrkdwn: bool = True) -> str:
    names = item.stats.helped if item.format_key == "agenda.format_panel" else item.stats.leaders
    if not names:
        return texts.get("agenda.leaders_none")
    shown = [escape(n) if mrkdwn else n for n in names[:5]]  # the Markdown file is not mrkdwn
    return texts.get("agenda.leaders", names=", ".join(shown))


def to_markdown(texts: Texts, agenda: Agenda) -> str:
    # The file is the document itself, read and edited away from Slack: it says nothing of
    # attachments, and carries no Slack markup.
    lines = [
        f"# {texts.get('agenda.header')}",
        "",
        texts.get("agenda.intro_document", answers=agenda.answers, weeks=agenda.weeks),
        "",
    ]
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
