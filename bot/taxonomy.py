"""The community's pain-point taxonomy (seeded from prompts/, owned by facilitators)."""

from sqlmodel import Session, select

from bot.texts import Texts
from storage.models import PainPoint


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


def active_pain_points(session: Session, team_id: str) -> list[PainPoint]:
    return list(
        session.exec(
            select(PainPoint)
            .where(PainPoint.team_id == team_id, PainPoint.status == "active")
            .order_by(PainPoint.id)
        ).all()
    )
