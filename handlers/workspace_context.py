"""Shared listener plumbing: the workspace row, the member, the current time."""

from sqlmodel import Session

from bot.core.runtime import Runtime
from bot.tagging import taxonomy
from bot.workspaces.service import ensure_workspace
from storage.models import Workspace


def workspace(runtime: Runtime, session: Session, team_id: str) -> Workspace:
    ws = ensure_workspace(session, team_id, runtime.settings)
    taxonomy.ensure_seeded(session, team_id, runtime.texts)
    return ws
