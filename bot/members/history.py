"""What a member sees of their own history in App Home: recent answers with the pain points
they were tagged with, and the matches they were introduced in. Only their own rows, and of
each match only the people in their own group."""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.members.service import recent_answers
from storage.models import (
    Answer,
    AnswerTag,
    ExportedMember,
    ExportRecord,
    MatchGroup,
    MatchMember,
    MatchRound,
    Member,
    PainPoint,
)

RECENT = 5  # App Home stays short (and far inside Slack's 100 blocks) however long the history


@dataclass(frozen=True)
class TaggedAnswer:
    answer: Answer
    pains: list[str]  # pain point names, alphabetical


@dataclass(frozen=True)
class PastMatch:
    week: str
    partners: list[str]  # the other members' names, raw (renderers escape them)
    pains: list[str]  # shared pain point names, rarest first
    met: bool | None
    helped: bool | None


def tagged_answers(session: Session, member: Member, limit: int = RECENT) -> list[TaggedAnswer]:
    answers = recent_answers(session, member, limit=limit)
    names: dict[int, list[str]] = defaultdict(list)
    for answer_id, name in session.exec(
        select(AnswerTag.answer_id, PainPoint.name)
        .join(PainPoint, col(PainPoint.id) == AnswerTag.pain_point_id)
        .where(col(AnswerTag.answer_id).in_([a.id for a in answers] or [-1]))
        .order_by(col(PainPoint.name))
    ).all():
        names[answer_id].append(name)
    return [TaggedAnswer(a, names.get(a.id or 0, [])) for a in answers]


def past_matches(session: Session, member: Member, limit: int = RECENT) -> list[PastMatch]:
    """The latest intros actually sent to the member (an unsent proposal is the facilitators'
    draft, not theirs to see), newest first."""
    rows = session.exec(
        select(MatchGroup, MatchRound.week_key, MatchMember)
        .join(MatchMember, col(MatchMember.group_id) == MatchGroup.id)
        .join(MatchRound, col(MatchRound.id) == MatchGroup.round_id)
        .where(MatchMember.member_id == member.id, col(MatchGroup.intro_sent_at).is_not(None))
        .order_by(col(MatchGroup.intro_sent_at).desc(), col(MatchGroup.id).desc())
        .limit(limit)
    ).all()
    group_ids = [group.id for group, _, _ in rows]
    partners: dict[int, list[str]] = defaultdict(list)
    for group_id, real_name, name in session.exec(
        select(MatchMember.group_id, Member.real_name, Member.name)
        .join(Member, col(Member.id) == MatchMember.member_id)
        .where(col(MatchMember.group_id).in_(group_ids or [-1]), MatchMember.member_id != member.id)
        .order_by(col(Member.real_name))
    ).all():
        partners[group_id].append(real_name or name)
    pain_names = dict(
        session.exec(select(PainPoint.slug, PainPoint.name).where(PainPoint.team_id == member.team_id)).all()
    )
    return [
        PastMatch(
            week=week,
            partners=partners.get(group.id or 0, []),
            pains=[pain_names.get(slug, slug) for slug in _slugs(group.shared_pains)],
            met=link.met,
            helped=link.helped,
        )
        for group, week, link in rows
    ]


def _slugs(raw: str) -> list[str]:
    try:
        parsed = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(s) for s in parsed] if isinstance(parsed, list) else []


@dataclass(frozen=True)
class PastExport:
    """An export that included some of the member's answers, and what of them it carried."""

    at: datetime
    via: str  # ExportVia
    exported_by: str | None  # Slack user id, for exports taken in Slack
    operator: str  # the server account, for exports from the command line
    answers: int
    named: int  # their words, with their name (facilitators could read them)
    quoted: int  # their words as anonymous quotes


def past_exports(session: Session, member: Member, limit: int = RECENT) -> list[PastExport]:
    rows = session.exec(
        select(ExportRecord, ExportedMember)
        .join(ExportedMember, col(ExportedMember.export_id) == ExportRecord.id)
        .where(ExportedMember.member_id == member.id)
        .order_by(col(ExportRecord.created_at).desc(), col(ExportRecord.id).desc())
        .limit(limit)
    ).all()
    return [
        PastExport(r.created_at, r.via, r.exported_by, r.operator, m.answers, m.named, m.quoted)
        for r, m in rows
    ]
