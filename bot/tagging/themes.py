"""Emerging themes: answers that fit no pain point, clustered weekly and proposed to the
facilitators, who adopt them as pain points or dismiss them.

A theme says what the community says, not what one person says: it needs answers from at
least three members, and a word or phrase enters its name, keywords, examples or (once
adopted) description only if at least three of them used it. The one exception is an
example sentence quoted from an answer whose author chose to be quoted anonymously; it goes
again if they change their mind."""

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import exists
from sqlmodel import Session, col, func, select

from bot.core.texts import Texts
from bot.tagging import taxonomy
from bot.tagging.clustering import Cluster, cluster, suggest_name
from bot.tagging.embedding import default_encoder
from storage.models import (
    Answer,
    AnswerTag,
    Consent,
    EmergingTheme,
    JobRun,
    PainPoint,
    PainPointStatus,
    TagSource,
    ThemeAnswer,
    ThemeStatus,
)
from storage.queries import insert_ignoring_duplicates

LOOKBACK = timedelta(weeks=4)
MIN_ANSWERS = 3
MIN_MEMBERS = 3  # distinct members behind a theme, and behind every word it shows
EXAMPLE_CHARS = 120
JOB = "themes"


def period_key(local_now: datetime) -> str:
    year, week, _ = local_now.isocalendar()
    return f"{year}-W{week:02d}"


def claim_week(session: Session, team_id: str, key: str, now: datetime) -> bool:
    """True for exactly one caller per workspace and week, across restarts and instances."""
    inserted = insert_ignoring_duplicates(
        session,
        JobRun,
        [{"team_id": team_id, "job": JOB, "period_key": key, "started_at": now}],
        conflict=["team_id", "job", "period_key"],
    )
    session.commit()
    return inserted == 1


def untagged_answers(session: Session, team_id: str, since: datetime) -> list[Answer]:
    """Answers the tagger has seen, that carry no tag, and that no theme has claimed yet."""
    return list(
        session.exec(
            select(Answer)
            .where(
                Answer.team_id == team_id,
                col(Answer.created_at) >= since,
                col(Answer.tagged_at).is_not(None),
                col(Answer.text_deleted_at).is_(None),
                ~exists().where(col(AnswerTag.answer_id) == Answer.id),
                ~exists().where(col(ThemeAnswer.answer_id) == Answer.id),
            )
            .order_by(col(Answer.id))
        ).all()
    )


def propose(
    session: Session, team_id: str, key: str, now: datetime, texts: Texts | None = None
) -> list[EmergingTheme]:
    texts = texts or Texts.load()
    answers = untagged_answers(session, team_id, now - LOOKBACK)
    authors = [a.member_id for a in answers]
    found = cluster([a.text for a in answers], min_size=MIN_ANSWERS, embeddings=meanings(answers))
    created = []
    for group in found:
        if len({authors[i] for i in group.members}) < MIN_MEMBERS:
            continue  # one or two people's concern, however often they wrote it
        spoken = community_words(group, authors)
        members = [answers[i] for i in group.members]
        central = [answers[i] for i in group.central]
        theme = EmergingTheme(
            team_id=team_id,
            period_key=key,
            name=(suggest_name(spoken) or texts.get("pains.theme_unnamed"))[:120],
            keywords=", ".join(spoken.keywords)[:255],
            examples=json.dumps(_examples(central, spoken.phrases + spoken.keywords)),
            created_at=now,
        )
        session.add(theme)
        session.flush()
        for answer in members:
            session.add(ThemeAnswer(theme_id=theme.id, answer_id=answer.id))  # type: ignore[arg-type]
        created.append(theme)
    session.commit()
    return created


def community_words(group: Cluster, authors: list[int]) -> Cluster:
    """The cluster with only the keywords and phrases at least MIN_MEMBERS distinct members
    wrote: a surname, an email or a phone number one person gave never names a theme, even
    if they wrote it in several answers."""

    def shared(term: str) -> bool:
        return len({authors[i] for i in group.usage.get(term, ())}) >= MIN_MEMBERS

    return replace(
        group,
        keywords=[k for k in group.keywords if shared(k)],
        phrases=[p for p in group.phrases if shared(p)],
    )


def meanings(answers: list[Answer]) -> np.ndarray | None:
    """The answers in the tagger's multilingual embedding, so that a theme can gather answers
    in several languages; None (words only) where the encoder is not installed."""
    encoder = default_encoder()
    if encoder is None or not answers:
        return None
    return encoder.encode([a.text for a in answers])


def _examples(central: list[Answer], phrases: list[str]) -> list[str]:
    """Two short phrases: the first sentence of answers whose authors chose to be quoted
    anonymously; else word pairs (or words) the community shares, which point at the theme
    without quoting anyone."""
    quoted = [_first_sentence(a.text) for a in central if a.consent == Consent.QUOTE_ANONYMOUSLY][:2]
    return (quoted + [p for p in phrases if p not in quoted])[:2]


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= EXAMPLE_CHARS else sentence[: EXAMPLE_CHARS - 1].rstrip() + "…"


def proposed(session: Session, team_id: str) -> list[tuple[EmergingTheme, int]]:
    rows = session.exec(
        select(EmergingTheme, func.count(col(ThemeAnswer.answer_id)))
        .join(ThemeAnswer, col(ThemeAnswer.theme_id) == EmergingTheme.id)
        .where(EmergingTheme.team_id == team_id, EmergingTheme.status == ThemeStatus.PROPOSED)
        .group_by(col(EmergingTheme.id))
        .order_by(col(EmergingTheme.id))
    ).all()
    return [(theme, count) for theme, count in rows]


def _open_theme(session: Session, team_id: str, theme_id: int) -> EmergingTheme | None:
    theme = session.get(EmergingTheme, theme_id)
    if theme is None or theme.team_id != team_id or theme.status != ThemeStatus.PROPOSED:
        return None
    return theme


def adopt(
    session: Session, team_id: str, theme_id: int, actor: str, now: datetime, texts: Texts | None = None
) -> tuple[PainPoint, int] | None:
    """Make the theme a pain point and tag the answers it came from with it. Its description
    names only the theme's keywords, which are words the community shares."""
    theme = _open_theme(session, team_id, theme_id)
    if theme is None:
        return None
    texts = texts or Texts.load()
    description = (
        texts.get("pains.theme_description", keywords=theme.keywords)
        if theme.keywords
        else texts.get("pains.theme_description_bare")
    )
    pain = taxonomy.add(session, team_id, theme.name, description, actor, now, action="adopt")
    assert pain.id is not None  # added and flushed
    answer_ids = list(
        session.exec(select(ThemeAnswer.answer_id).where(ThemeAnswer.theme_id == theme.id)).all()
    )
    for answer_id in answer_ids:
        if session.get(AnswerTag, (answer_id, pain.id)) is None:
            session.add(
                AnswerTag(
                    answer_id=answer_id,
                    pain_point_id=pain.id,
                    source=TagSource.THEME,
                    confidence=0.8,
                    created_at=now,
                )
            )
    theme.status, theme.pain_point_id = ThemeStatus.ADOPTED, pain.id
    theme.decided_by, theme.decided_at = actor, now
    session.add(theme)
    session.commit()
    return pain, len(answer_ids)


def dismiss(session: Session, team_id: str, theme_id: int, actor: str, now: datetime) -> EmergingTheme | None:
    theme = _open_theme(session, team_id, theme_id)
    if theme is None:
        return None
    theme.status, theme.decided_by, theme.decided_at = ThemeStatus.DISMISSED, actor, now
    session.add(theme)
    session.commit()
    return theme


@dataclass(frozen=True)
class Overview:
    """The facilitators' view of the taxonomy: active pain points with their recent counts
    (most used first), the renamed-away and retired ones, and the proposed themes."""

    active: list[tuple[PainPoint, int]]
    inactive: list[PainPoint]
    proposals: list[tuple[EmergingTheme, int]]


def overview(session: Session, team_id: str, since: datetime) -> Overview:
    pains = taxonomy.all_pain_points(session, team_id)
    counts = taxonomy.counts_since(session, team_id, since)
    active = [(p, counts.get(p.id or 0, 0)) for p in pains if p.status == PainPointStatus.ACTIVE]
    active.sort(key=lambda pair: -pair[1])
    inactive = [p for p in pains if p.status != PainPointStatus.ACTIVE]
    return Overview(active, inactive, proposed(session, team_id))
