"""`/convene forget-me`: delete everything Convene stores about a member."""

import json

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import Answer, EmergingTheme, Facilitator, Member, ThemeAnswer


def forget(session: Session, member: Member) -> int:
    """Deletes the member and, through the database's cascades, their check-ins, answers,
    tags, matches and avoid lists; scrubs their words from theme examples. Returns how many
    answers went. Digests already posted keep only their anonymous counts."""
    answers = list(session.exec(select(Answer).where(Answer.member_id == member.id)).all())
    scrub_theme_examples(session, answers)
    session.execute(
        delete(Facilitator).where(
            col(Facilitator.team_id) == member.team_id, col(Facilitator.user_id) == member.user_id
        )
    )
    # Their corrections of others' answers stand, no longer signed with their id.
    session.execute(
        update(Answer)
        .where(col(Answer.team_id) == member.team_id, col(Answer.corrected_by) == member.user_id)
        .values(corrected_by=None)
    )
    session.delete(member)
    session.commit()
    return len(answers)


def scrub_theme_examples(session: Session, answers: list[Answer]) -> None:
    """Take these answers' words out of the example phrases of the themes they were part of
    (the phrases were quoted with consent that is now gone). The caller commits."""
    theme_ids = set(
        session.exec(
            select(ThemeAnswer.theme_id).where(
                col(ThemeAnswer.answer_id).in_([a.id for a in answers] or [-1])
            )
        ).all()
    )
    for theme in session.exec(
        select(EmergingTheme).where(col(EmergingTheme.id).in_(theme_ids or {-1}))
    ).all():
        examples = [
            e for e in json.loads(theme.examples) if not any(e.rstrip("…") in a.text for a in answers)
        ]
        theme.examples = json.dumps(examples)
        session.add(theme)
