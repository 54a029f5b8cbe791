"""Tagging stored answers: after they are safely committed, in batches, on the scheduler's
tick, so a slow or failing tagger can never cost an answer or delay Slack's 3 seconds."""

import logging
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.tagging import Tag, Tagger, taxonomy
from storage.models import Answer, AnswerTag, TagSource

log = logging.getLogger("convene.tagging")

BATCH = 100


def pending(session: Session, team_id: str, limit: int = BATCH) -> list[Answer]:
    return list(
        session.exec(
            select(Answer)
            .where(Answer.team_id == team_id, col(Answer.tagged_at).is_(None))
            .order_by(col(Answer.id))
            .limit(limit)
        ).all()
    )


def tag_pending(session: Session, team_id: str, tagger: Tagger, now: datetime, limit: int = BATCH) -> int:
    """Tag up to `limit` untagged answers; returns how many were processed."""
    answers = pending(session, team_id, limit)
    if not answers:
        return 0
    pains = taxonomy.active_pain_points(session, team_id)
    results = tagger.tag([a.text for a in answers], taxonomy.specs(pains))
    # The LLM tagger falls back to the offline one per batch; record who really tagged.
    sources = getattr(tagger, "last_sources", None) or [tagger.name] * len(answers)
    by_slug = {p.slug: p.id for p in pains}
    for answer, tags, source in zip(answers, results, sources, strict=True):
        apply_machine_tags(session, answer, tags, source, by_slug)
        answer.tagged_at = now
        session.add(answer)
    session.commit()
    log.info("tagged %d answers with the %s tagger", len(answers), tagger.name)
    return len(answers)


def apply_machine_tags(
    session: Session, answer: Answer, tags: list[Tag], source: str, by_slug: dict[str, int | None]
) -> None:
    """Replace earlier machine tags. A member who chose their pain points has said what the
    answer is about: their selection wins, and no machine tag is added beside it."""
    existing = session.exec(select(AnswerTag).where(AnswerTag.answer_id == answer.id)).all()
    if any(t.source == TagSource.MEMBER for t in existing):
        return
    session.execute(
        delete(AnswerTag).where(
            col(AnswerTag.answer_id) == answer.id,
            col(AnswerTag.source).in_([TagSource.OFFLINE, TagSource.LLM]),
        )
    )
    kept = {t.pain_point_id for t in existing if t.source not in (TagSource.OFFLINE, TagSource.LLM)}
    assert answer.id is not None  # a stored answer
    for tag in tags:
        pain_id = by_slug.get(tag.slug)
        if pain_id is None or pain_id in kept:
            continue  # not in this workspace's active taxonomy, or already tagged
        kept.add(pain_id)
        session.add(
            AnswerTag(
                answer_id=answer.id,
                pain_point_id=pain_id,
                source=source,
                confidence=max(0.0, min(1.0, float(tag.confidence))),
            )
        )
