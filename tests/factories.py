"""Building blocks for tests: a workspace with members, without going through Slack."""

import itertools
from datetime import datetime

from bot.core.config import Settings
from bot.core.texts import Texts
from bot.members import service as members
from bot.slack.directory import SlackProfile
from bot.tagging import taxonomy
from bot.workspaces.service import ensure_workspace
from storage.db import Database
from storage.models import Answer, AnswerSource, Consent, Member, Workspace

TEAM = "T0STANDIN"
_authors = itertools.count(1)


def workspace(db: Database, team_id: str = TEAM, **settings: object) -> Workspace:
    with db.session() as session:
        ws = ensure_workspace(session, team_id, Settings.model_validate(settings))
        taxonomy.ensure_seeded(session, team_id, Texts.load())
        return ws


def member(db: Database, user_id: str, tz: str, now: datetime, team_id: str = TEAM) -> Member:
    with db.session() as session:
        ws = session.get(Workspace, team_id)
        assert ws is not None
        profile = SlackProfile(user_id, user_id.lower(), f"Member {user_id}", tz, "en-US")
        joined, _ = members.join(session, ws, profile, now)
        return joined


def answers(
    db: Database,
    texts: list[str],
    now: datetime,
    consent: str = Consent.COUNTS_ONLY,
    team_id: str = TEAM,
    authors: int = 1,
    readable: bool = False,
) -> list[int]:
    """Stored answers, as if given by DM, from `authors` new members (the texts dealt out in
    turn: with as many authors as texts, each text has its own); returns their ids."""
    people = [member(db, f"UANS{next(_authors):06d}", "UTC", now, team_id) for _ in range(authors)]
    ids = []
    with db.session() as session:
        for i, text in enumerate(texts):
            person = people[i % authors]
            answer = Answer(
                team_id=team_id,
                member_id=person.id,
                text=text,
                source=AnswerSource.DM,
                consent=consent,
                readable_by_facilitators=readable,
                dedupe_key=f"test:{person.id}:{i}",
                created_at=now,
            )
            session.add(answer)
            session.flush()
            ids.append(answer.id)
        session.commit()
    return ids
