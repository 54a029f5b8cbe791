"""Tagging stored answers: after they are safely committed, in batches, on the scheduler's
tick, so a slow or failing tagger can never cost an answer or delay Slack's 3 seconds.

Who wins: a facilitator's correction, then the member's own selection, then the machine. The
machine tags only answers nobody chose pain points for, but what it said of every answer is
kept (`MachineGuess`) to measure how often it agrees with members' own ticks."""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.tagging import PainPointSpec, Tag, Tagger, taxonomy
from storage.models import Answer, AnswerTag, MachineGuess, TagSource

log = logging.getLogger("convene.tagging")

BATCH = 100

# Given the workspace's taxonomy, the tagger to use now, or None while the workspace's own
# tagger is being trained (its answers then wait for the next tick).
TaggerChoice = Callable[[Sequence[PainPointSpec]], Tagger | None]


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
    """Tag up to `limit` untagged answers with `tagger`; returns how many were processed."""
    return tag_pending_with(session, team_id, lambda _specs: tagger, now, limit)


def tag_pending_with(
    session: Session, team_id: str, choose: TaggerChoice, now: datetime, limit: int = BATCH
) -> int:
    """Tag up to `limit` untagged answers with the tagger `choose` gives for the workspace's
    taxonomy; returns how many were processed (0 when it gives none yet)."""
    answers = pending(session, team_id, limit)
    if not answers:
        return 0
    pains = taxonomy.active_pain_points(session, team_id)
    specs = taxonomy.specs(pains)
    chosen = choose(specs)
    if chosen is None:
        return 0
    results = chosen.tag([a.text for a in answers], specs)
    # The LLM tagger falls back to the offline one per batch; record who really tagged.
    sources = getattr(chosen, "last_sources", None) or [chosen.name] * len(answers)
    by_slug = {p.slug: p.id for p in pains}
    for answer, tags, source in zip(answers, results, sources, strict=True):
        apply_machine_tags(session, answer, tags, source, by_slug)
        answer.tagged_at = now
        session.add(answer)
    session.commit()
    log.info("tagged %d answers with the %s tagger", len(answers), chosen.name)
    return len(answers)


def apply_machine_tags(
    session: Session, answer: Answer, tags: list[Tag], source: str, by_slug: dict[str, int | None]
) -> None:
    """Record the machine's guess, and make it the answer's tags unless a person chose them:
    a facilitator's correction (even to "no pain point") or the member's own selection wins."""
    assert answer.id is not None  # a stored answer
    guessed = _known(tags, by_slug)
    session.execute(delete(MachineGuess).where(col(MachineGuess.answer_id) == answer.id))
    for pain_id, confidence in guessed:
        session.add(
            MachineGuess(answer_id=answer.id, pain_point_id=pain_id, source=source, confidence=confidence)
        )
    existing = session.exec(select(AnswerTag).where(AnswerTag.answer_id == answer.id)).all()
    if answer.corrected_at is not None or any(t.source in TagSource.HUMAN for t in existing):
        return
    session.execute(
        delete(AnswerTag).where(
            col(AnswerTag.answer_id) == answer.id, col(AnswerTag.source).in_(TagSource.MACHINE)
        )
    )
    kept = {t.pain_point_id for t in existing if t.source not in TagSource.MACHINE}
    for pain_id, confidence in guessed:
        if pain_id in kept:
            continue  # already tagged (an adopted theme's tag)
        session.add(
            AnswerTag(answer_id=answer.id, pain_point_id=pain_id, source=source, confidence=confidence)
        )


def _known(tags: list[Tag], by_slug: dict[str, int | None]) -> list[tuple[int, float]]:
    """(pain point id, confidence) of the tags in this workspace's active taxonomy, once each."""
    out: dict[int, float] = {}
    for tag in tags:
        pain_id = by_slug.get(tag.slug)
        if pain_id is None or pain_id in out:
            continue
        out[pain_id] = max(0.0, min(1.0, float(tag.confidence)))
    return list(out.items())
