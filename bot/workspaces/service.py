"""Per-workspace settings (coordinator channel, schedule, time zone, who may read members'
words and for how long) and facilitators."""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.config import Settings
from bot.core.promises import Privacy
from bot.core.runtime import Runtime
from bot.tagging import taxonomy
from storage.models import Answer, Facilitator, Workspace

MAX_RETENTION_MONTHS = 120


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


def privacy(session: Session, team_id: str, settings: Settings) -> Privacy:
    """What the workspace's promises to its members depend on."""
    return Privacy.of(session.get(Workspace, team_id), settings)


def set_raw_answers(session: Session, workspace: Workspace, enabled: bool, now: datetime) -> None:
    """Whether facilitators can read answers. On covers only answers given from now on,
    after members have been told; off takes back every answer at once."""
    if enabled and not workspace.raw_answers:
        workspace.raw_answers, workspace.raw_answers_since = True, now
    elif not enabled:
        workspace.raw_answers, workspace.raw_answers_since = False, None
        session.execute(
            update(Answer)
            .where(col(Answer.team_id) == workspace.team_id, col(Answer.readable_by_facilitators).is_(True))
            .values(readable_by_facilitators=False)
        )
    session.add(workspace)
    session.commit()


def set_retention(session: Session, workspace: Workspace, months: int) -> None:
    if not 1 <= months <= MAX_RETENTION_MONTHS:
        raise ValueError(f"retention must be 1 to {MAX_RETENTION_MONTHS} months")
    workspace.retention_months = months
    workspace.retention_checked_at = None  # a shorter period applies at the next tick
    session.add(workspace)
    session.commit()
