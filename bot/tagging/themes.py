"""Emerging themes: answers that fit no pain point, clustered weekly and proposed to the
facilitators, who adopt them as pain points or dismiss them."""

import json
import re
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import exists
from sqlmodel import Session, col, func, select

from bot.tagging import taxonomy
from bot.tagging.clustering import cluster, suggest_name
from bot.tagging.embedding import default_encoder
from storage.models import (
    Answer,
    AnswerTag,
    EmergingTheme,
    JobRun,
    PainPoint,
    TagSource,
    ThemeAnswer,
    ThemeStatus,
)
from storage.queries import insert_ignoring_duplicates

LOOKBACK = timedelta(weeks=4)
MIN_ANSWERS = 3
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
                ~exists().where(col(AnswerTag.answer_id) == Answer.id),
                ~exists().where(col(ThemeAnswer.answer_id) == Answer.id),
            )
            .order_by(col(Answer.id))
        ).all()
    )


def propose(session: Session, team_id: str, key: str, now: datetime) -> list[EmergingTheme]:
    answers = untagged_answers(session, team_id, now - LOOKBACK)
    found = cluster([a.text for a in answers], min_size=MIN_ANSWERS, embeddings=meanings(answers))
    created = []
    for group in found:
        members = [answers[i] for i in group.members]
        central = [answers[i] for i in group.central]
        theme = EmergingTheme(
            team_id=team_id,
            period_key=key,
            name=suggest_name(group)[:120],
            keywords=", ".join(group.keywords)[:255],
            examples=json.dumps(_examples(central, group.phrases + group.keywords)),
            created_at=now,
        )
        session.add(theme)
        session.flush()
        for answer in members:
            session.add(ThemeAnswer(theme_id=theme.id, answer_id=answer.id))  # type: ignore[arg-type]
        created.append(theme)
    session.commit()
    return created


def meanings(answers: list[Answer]) -> np.ndarray | None:
    """The answers in the tagger's multilingual embedding, so that a theme can gather answers
    in several languages; None (words only) where the encoder is not installed."""
    encoder = default_encoder()
    if encoder is None or not answers:
        return None
    return encoder.encode([a.text for a in answers])


def _examples(central: list[Answer], phrases: list[str]) -> list[str]:
    """Two short phrases. Members' own words only when they consented to be quoted; else the
    word pairs (or words) several of them used, which point at the theme without quoting
    anyone."""
    quoted = [_first_sentence(a.text) for a in central if a.consent_quote][:2]
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
    session: Session, team_id: str, theme_id: int, actor: str, now: datetime
) -> tuple[PainPoint, int] | None:
    """Make the theme a pain point and tag the answers it came from with it."""
    theme = _open_theme(session, team_id, theme_id)
    if theme is None:
        return None
    description = f"Emerged from members' answers: {theme.keywords}."
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
