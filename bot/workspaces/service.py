"""Per-workspace settings (coordinator channel, schedule, time zone) and facilitators."""

from datetime import datetime

from sqlmodel import Session, select

from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.tagging import taxonomy
from storage.models import Facilitator, Workspace


def ensure_workspace(session: Session, team_id: str, settings: Settings, name: str = "") -> Workspace:
    """The workspace row, created on first contact with defaults from the environment."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        workspace = Workspace(
            team_id=team_id,
            name=name,
            coordinator_channel=settings.coordinator_channel,
            timezone=settings.timezone,
            pre_engagement_weeks=settings.pre_engagement_weeks,
        )
        session.add(workspace)
        session.commit()
        session.refresh(workspace)
    elif name and workspace.name != name:
        workspace.name = name
        session.add(workspace)
        session.commit()
    return workspace


def ready_workspace(runtime: Runtime, session: Session, team_id: str) -> Workspace:
    """The workspace row, with its settings and seeded taxonomy: what every command and App
    Home view may rely on."""
    workspace = ensure_workspace(session, team_id, runtime.settings)
    taxonomy.ensure_seeded(session, team_id, runtime.texts)
    return workspace


def set_coordinator_channel(session: Session, workspace: Workspace, channel_id: str) -> None:
    workspace.coordinator_channel = channel_id
    session.add(workspace)
    session.commit()


SCHEDULES = ("checkin_cron", "match_cron", "digest_cron")


def set_cron(session: Session, workspace: Workspace, field: str, cron: str) -> None:
    if field not in SCHEDULES:
        raise ValueError(f"not a schedule: {field}")
    setattr(workspace, field, " ".join(cron.split()))
    session.add(workspace)
    session.commit()


def facilitator_ids(session: Session, team_id: str, settings: Settings) -> set[str]:
    stored = session.exec(select(Facilitator.user_id).where(Facilitator.team_id == team_id)).all()
    return set(stored) | set(settings.facilitators)


def add_facilitator(session: Session, team_id: str, user_id: str, added_by: str, now: datetime) -> bool:
    if session.get(Facilitator, (team_id, user_id)) is not None:
        return False
    session.add(Facilitator(team_id=team_id, user_id=user_id, added_by=added_by, added_at=now))
    session.commit()
    return True
