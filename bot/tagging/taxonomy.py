"""The community's pain-point taxonomy: seeded from prompts/, owned by facilitators.

Names are matched case-insensitively and forgivingly; slugs never change once given, so
exports and the dev set keep meaning the same thing after a rename."""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.core.texts import Texts
from bot.tagging import PainPointSpec
from storage.models import Answer, AnswerTag, PainPoint, PainPointEvent, PainPointStatus, TagSource

MAX_NAME = 80


class TaxonomyError(ValueError):
    """A change that can't be made; `key` names the prompt that explains why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class Resolution:
    found: PainPoint | None = None
    candidates: list[PainPoint] = field(default_factory=list)  # ambiguous, or "did you mean"


def ensure_seeded(session: Session, team_id: str, texts: Texts) -> None:
    """Give a new workspace the six seed pain points; never touches an existing taxonomy."""
    if session.exec(select(PainPoint.id).where(PainPoint.team_id == team_id)).first():
        return
    seed = texts.raw("pains.seed")
    assert isinstance(seed, list)
    for entry in seed:
        session.add(
            PainPoint(
                team_id=team_id,
                slug=entry["slug"],
                name=entry["name"],
                description=entry["description"],
                is_symptom=bool(entry.get("symptom")),
            )
        )
    session.commit()


def seed_specs(texts: Texts) -> list[PainPointSpec]:
    seed = texts.raw("pains.seed")
    assert isinstance(seed, list)
    return [PainPointSpec(e["slug"], e["name"], e["description"]) for e in seed]


def active_pain_points(session: Session, team_id: str) -> list[PainPoint]:
    return list(
        session.exec(
            select(PainPoint)
            .where(PainPoint.team_id == team_id, PainPoint.status == PainPointStatus.ACTIVE)
            .order_by(col(PainPoint.id))
        ).all()
    )


def all_pain_points(session: Session, team_id: str) -> list[PainPoint]:
    return list(
        session.exec(select(PainPoint).where(PainPoint.team_id == team_id).order_by(col(PainPoint.id))).all()
    )


def specs(pains: list[PainPoint]) -> list[PainPointSpec]:
    return [PainPointSpec(p.slug, p.name, p.description) for p in pains]


def normalise(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(folded.lower().replace("_", " ").split())


def resolve(session: Session, team_id: str, name: str, include_inactive: bool = False) -> Resolution:
    """Find a pain point by name or slug: exact (case- and accent-insensitive), then a unique
    partial match, else suggestions."""
    pains = all_pain_points(session, team_id) if include_inactive else active_pain_points(session, team_id)
    wanted = normalise(name)
    if not wanted:
        return Resolution()
    exact = [p for p in pains if wanted in (normalise(p.name), normalise(p.slug))]
    if len(exact) == 1:
        return Resolution(found=exact[0])
    partial = [p for p in pains if wanted in normalise(p.name) or wanted in normalise(p.slug)]
    if len(partial) == 1:
        return Resolution(found=partial[0])
    if len(partial) > 1:
        return Resolution(candidates=partial)
    by_name = {normalise(p.name): p for p in pains}
    close = difflib.get_close_matches(wanted, list(by_name), n=3, cutoff=0.6)
    return Resolution(candidates=[by_name[c] for c in close])


def counts_since(session: Session, team_id: str, since: datetime) -> dict[int, int]:
    """Answers per pain point since a moment: one grouped query, whatever the size."""
    rows = session.exec(
        select(AnswerTag.pain_point_id, func.count(col(AnswerTag.answer_id)))
        .join(Answer, col(Answer.id) == AnswerTag.answer_id)
        .where(Answer.team_id == team_id, col(Answer.created_at) >= since)
        .group_by(col(AnswerTag.pain_point_id))
    ).all()
    return {pain_id: count for pain_id, count in rows}


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.replace("\n", " ").split()).strip(" .:;|")
    if not cleaned:
        raise TaxonomyError("pains.name_empty")
    if len(cleaned) > MAX_NAME:
        raise TaxonomyError("pains.name_too_long", limit=MAX_NAME)
    return cleaned


def _check_free(session: Session, team_id: str, name: str, except_id: int | None = None) -> None:
    for pain in all_pain_points(session, team_id):
        if (
            pain.id != except_id
            and pain.status == PainPointStatus.ACTIVE
            and normalise(pain.name) == normalise(name)
        ):
            raise TaxonomyError("pains.exists", name=pain.name)


def _slug_for(session: Session, team_id: str, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", normalise(name)).strip("_")[:48] or "pain"
    taken = set(session.exec(select(PainPoint.slug).where(PainPoint.team_id == team_id)).all())
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


def _log(
    session: Session,
    team_id: str,
    pain: PainPoint | None,
    action: str,
    detail: str,
    actor: str | None,
    now: datetime,
) -> None:
    session.add(
        PainPointEvent(
            team_id=team_id,
            pain_point_id=pain.id if pain else None,
            action=action,
            detail=detail,
            actor=actor,
            at=now,
        )
    )


def add(
    session: Session,
    team_id: str,
    name: str,
    description: str,
    actor: str | None,
    now: datetime,
    action: str = "add",
) -> PainPoint:
    name = _clean_name(name)
    _check_free(session, team_id, name)
    retired = next(
        (
            p
            for p in all_pain_points(session, team_id)
            if p.status == PainPointStatus.RETIRED and normalise(p.name) == normalise(name)
        ),
        None,
    )
    if retired is not None:  # bringing a retired pain point back keeps its history and slug
        retired.status = PainPointStatus.ACTIVE
        retired.description = description.strip() or retired.description
        pain = retired
    else:
        pain = PainPoint(
            team_id=team_id,
            slug=_slug_for(session, team_id, name),
            name=name,
            description=description.strip()[:2000],
            created_at=now,
        )
    session.add(pain)
    session.flush()
    _log(session, team_id, pain, action, name, actor, now)
    session.commit()
    session.refresh(pain)
    return pain


def rename(session: Session, pain: PainPoint, new_name: str, actor: str | None, now: datetime) -> str:
    new_name = _clean_name(new_name)
    _check_free(session, pain.team_id, new_name, except_id=pain.id)
    old = pain.name
    pain.name = new_name
    session.add(pain)
    _log(session, pain.team_id, pain, "rename", f"{old} -> {new_name}", actor, now)
    session.commit()
    return old


def merge(session: Session, source: PainPoint, target: PainPoint, actor: str | None, now: datetime) -> int:
    """Move `source`'s tags onto `target`; `source` stays, marked merged, for history. Where
    an answer had both, the stronger tag is kept (a person's choice beats a machine's)."""
    if source.id == target.id:
        raise TaxonomyError("pains.merge_self")
    if target.status != PainPointStatus.ACTIVE:
        raise TaxonomyError("pains.not_active", name=target.name)
    both = set(
        session.exec(
            select(AnswerTag.answer_id).where(
                AnswerTag.pain_point_id == target.id,
                col(AnswerTag.answer_id).in_(
                    select(AnswerTag.answer_id).where(AnswerTag.pain_point_id == source.id)
                ),
            )
        ).all()
    )
    for answer_id in both:
        old = session.get(AnswerTag, (answer_id, source.id))
        kept = session.get(AnswerTag, (answer_id, target.id))
        if old is not None and kept is not None and _strength(old) > _strength(kept):
            kept.source, kept.confidence = old.source, old.confidence
            session.add(kept)
    if both:
        session.execute(
            delete(AnswerTag).where(
                col(AnswerTag.pain_point_id) == source.id, col(AnswerTag.answer_id).in_(both)
            )
        )
    moved = session.execute(
        update(AnswerTag)
        .where(col(AnswerTag.pain_point_id) == source.id)
        .values(pain_point_id=target.id, merged_from_id=source.id)
    ).rowcount  # type: ignore[attr-defined]
    source.status, source.merged_into_id = PainPointStatus.MERGED, target.id
    session.add(source)
    _log(session, source.team_id, source, "merge", f"{source.name} -> {target.name}", actor, now)
    session.commit()
    return int(moved or 0) + len(both)


def _strength(tag: AnswerTag) -> tuple[int, float]:
    # A facilitator's correction, then a member's own choice, then the most confident.
    rank = {TagSource.FACILITATOR: 2, TagSource.MEMBER: 1}
    return (rank.get(tag.source, 0), tag.confidence)


def retire(session: Session, pain: PainPoint, actor: str | None, now: datetime) -> None:
    """No longer offered or assigned; old answers keep the tag."""
    pain.status = PainPointStatus.RETIRED
    session.add(pain)
    _log(session, pain.team_id, pain, "retire", pain.name, actor, now)
    session.commit()


@dataclass(frozen=True)
class NotFound:
    """Why a name a facilitator typed found no single pain point: `key` is the prompt that
    explains it (ambiguous, or not found with suggestions), `name` what they typed."""

    key: str
    name: str
    candidates: list[PainPoint] = field(default_factory=list)


def find_named(session: Session, team_id: str, name: str) -> PainPoint | NotFound:
    resolution = resolve(session, team_id, name)
    if resolution.found is not None:
        return resolution.found
    names = " ".join(normalise(p.name) for p in resolution.candidates)
    ambiguous = bool(resolution.candidates) and normalise(name) in names
    return NotFound("pains.ambiguous" if ambiguous else "pains.not_found", name, resolution.candidates)


def split_named(
    session: Session, team_id: str, words: list[str], word: str
) -> tuple[PainPoint, str] | NotFound | None:
    """`<old> to <new>` or `<a> into <b>`: the pain point named on the left and the text on
    the right. Names may contain the word too ("Access to information"), so every split is
    tried and the one whose left side names exactly one pain point wins. None when `word`
    splits nothing (the facilitator needs the usage)."""
    options = []
    for i, token in enumerate(words):
        if token.lower() == word and 0 < i < len(words) - 1:
            left, right = " ".join(words[:i]), " ".join(words[i + 1 :])
            options.append((left, right, resolve(session, team_id, left).found))
    if not options:
        return None
    resolved = [(found, right) for _, right, found in options if found is not None]
    exact = [
        (found, right)
        for left, right, found in options
        if found is not None and normalise(left) in (normalise(found.name), found.slug)
    ]
    if len(exact) == 1:
        return exact[0]
    if len(resolved) == 1:
        return resolved[0]
    if len(resolved) > 1:
        return NotFound("pains.ambiguous", " ".join(words), [pain for pain, _ in resolved])
    named = find_named(session, team_id, options[0][0])
    return named if isinstance(named, NotFound) else NotFound("pains.not_found", options[0][0])
