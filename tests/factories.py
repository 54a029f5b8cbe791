"""Building blocks for tests: a workspace with members, without going through Slack."""

from datetime import datetime

from bot import members, taxonomy
from bot.config import Settings
from bot.directory import SlackProfile
from bot.texts import Texts
from bot.workspaces import ensure_workspace
from storage.db import Database
from storage.models import Member, Workspace

TEAM = "T0STANDIN"


def workspace(db: Database, team_id: str = TEAM, **settings: object) -> Workspace:
    with db.session() as session:
        ws = ensure_workspace(session, team_id, Settings(**settings))  # type: ignore[arg-type]
        taxonomy.ensure_seeded(session, team_id, Texts.load())
        return ws


def member(db: Database, user_id: str, tz: str, now: datetime, team_id: str = TEAM) -> Member:
    with db.session() as session:
        ws = session.get(Workspace, team_id)
        assert ws is not None
        profile = SlackProfile(user_id, user_id.lower(), f"Member {user_id}", tz, "en-US")
        joined, _ = members.join(session, ws, profile, now)
        return joined
