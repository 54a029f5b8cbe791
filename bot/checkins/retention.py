"""Retention: an answer's words are deleted once they are older than the workspace's
retention period (`/convene setup retention <months>`, 12 by default). Its tags, consent
level, support score and match wish stay, so digests, agendas and trends keep counting it.

Runs from the scheduler at most once a day per workspace (claimed in the database, so two
instances don't both run it) and is idempotent: an answer is emptied once, and running it
again finds nothing left to delete."""

import calendar
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from bot.members.forget import scrub_theme_examples
from storage.models import Answer, Workspace
from storage.queries import claimed

EVERY = timedelta(days=1)
CHUNK = 500


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's
    last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def claim_run(session: Session, team_id: str, now: datetime) -> bool:
    """True for one caller a day per workspace, whatever the instances."""
    return claimed(
        session,
        update(Workspace)
        .where(
            col(Workspace.team_id) == team_id,
            or_(
                col(Workspace.retention_checked_at).is_(None),
                col(Workspace.retention_checked_at) < now - EVERY,
            ),
        )
        .values(retention_checked_at=now),
    )


def delete_expired_texts(session: Session, team_id: str, now: datetime) -> int:
    """Empty the text of every answer older than the retention period; returns how many."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        return 0
    cutoff = months_before(now, workspace.retention_months)
    deleted = 0
    while True:
        answers = list(
            session.exec(
                select(Answer)
                .where(
                    Answer.team_id == team_id,
                    col(Answer.created_at) < cutoff,
                    col(Answer.text_deleted_at).is_(None),
                )
                .order_by(col(Answer.id))
                .limit(CHUNK)
            ).all()
        )
        if not answers:
            return deleted
        # Theme examples quote answers' first sentences: they go with the words.
        scrub_theme_examples(session, answers)
        for answer in answers:
            answer.text, answer.text_deleted_at = "", now
            session.add(answer)
        session.commit()
        deleted += len(answers)
