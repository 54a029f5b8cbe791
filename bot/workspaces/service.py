"""Per-workspace settings (coordinator channel, schedule, time zone, who may read members'
words and for how long) and facilitators, and a workspace's life: prepared when Convene is
installed (or, with one bot token, at start), stopped when it is uninstalled. No request
ever brings a workspace into being."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.errors import SlackClientError
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core import schedule
from bot.core.config import Settings
from bot.core.installations import NotInstalled
from bot.core.promises import Privacy
from bot.core.runtime import Runtime
from bot.slack.errors import error_code, is_revoked
from bot.tagging import taxonomy
from storage.models import Answer, Facilitator, Workspace

MAX_RETENTION_MONTHS = 120

log = logging.getLogger("convene.workspaces")


class NotServed(LookupError):
    """A workspace Convene was neither installed in nor configured for: it has no row, and
    no request may create one."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"Convene does not serve workspace {team_id!r}")
        self.team_id = team_id


def ensure_workspace(session: Session, team_id: str, settings: Settings, name: str = "") -> Workspace:
    """The workspace row, created with defaults from the environment. Only for a workspace
    that installed Convene or the one the bot token belongs to (`prepare_workspace`)."""
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


def prepare_workspace(runtime: Runtime, team_id: str, name: str, installer: str | None = None) -> None:
    """Settings and the seed taxonomy for a workspace that installed Convene (or the one the
    bot token belongs to); whoever installed it is its first facilitator (they can add
    others with `/convene facilitators add`)."""
    if not team_id:
        return
    with runtime.db.session() as session:
        ensure_workspace(session, team_id, runtime.settings, name=name)
        taxonomy.ensure_seeded(session, team_id, runtime.texts)
        if installer:
            add_facilitator(session, team_id, installer, added_by=installer, now=runtime.clock.now())
    runtime.resume_sending(team_id)  # a reinstall brings a working token (and empties the caches)
    runtime.caches.mark_prepared(team_id)


def ready_workspace(runtime: Runtime, session: Session, team_id: str) -> Workspace:
    """The workspace row, with its settings and seeded taxonomy: what every command and App
    Home view may rely on. A workspace whose preparation at install time failed is prepared
    now; one Convene does not serve raises NotServed, and nothing is created."""
    workspace = session.get(Workspace, team_id)
    if workspace is not None and runtime.caches.is_prepared(team_id):
        return workspace
    if not runtime.may_prepare(team_id):
        raise NotServed(team_id)
    workspace = ensure_workspace(session, team_id, runtime.settings)
    taxonomy.ensure_seeded(session, team_id, runtime.texts)
    runtime.caches.mark_prepared(team_id)
    return workspace


def uninstall(runtime: Runtime, team_id: str, notice: str) -> bool:
    """Slack's notice (`notice`: app_uninstalled, tokens_revoked) that Convene was removed
    from a workspace. It arrives as a request like any other, so Slack is asked first: only
    a token Slack refuses is deleted, and every send to the workspace stops at once. Its
    community data stays (deleting that is a facilitator's decision, and a reinstall picks
    up where the community left off). Returns whether the workspace is now uninstalled."""
    try:
        runtime.client_for(team_id).auth_test()
    except NotInstalled:
        pass  # its tokens are already gone
    except SlackClientError as exc:
        if not is_revoked(exc):
            log.warning(
                "%s for workspace %s not confirmed (%s); nothing changed", notice, team_id, error_code(exc)
            )
            return False
    else:
        log.warning("%s for workspace %s ignored: Slack still accepts its token", notice, team_id)
        return False
    runtime.stop_sending(team_id, f"Slack confirmed {notice}")
    if runtime.installations is not None:
        runtime.installations.uninstall(team_id)
    return True


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


@dataclass(frozen=True)
class ScheduleOutcome:
    """What `/convene … schedule` did: stored (`refusal` None) or refused, and why."""

    cron: str
    timezone: str
    fires: list[datetime] = field(default_factory=list)
    refusal: str | None = None  # "too_often" or "invalid"
    detail: str = ""  # the shortest gap allowed, or the parser's complaint


def set_schedule(
    session: Session, workspace: Workspace, field_name: str, cron: str, now: datetime
) -> ScheduleOutcome:
    """Validate `cron` (empty: re-confirm the current one) and store it in `field_name`.
    A refusal changes nothing."""
    cron = cron or getattr(workspace, field_name)
    zone = schedule.zone(workspace.timezone)
    try:
        fires = schedule.validate(cron, zone, now)
    except schedule.ScheduleTooFrequent as exc:
        return ScheduleOutcome(cron, workspace.timezone, refusal="too_often", detail=str(exc.gap))
    except schedule.InvalidSchedule as exc:
        return ScheduleOutcome(cron, workspace.timezone, refusal="invalid", detail=str(exc))
    set_cron(session, workspace, field_name, cron)
    return ScheduleOutcome(getattr(workspace, field_name), workspace.timezone, fires)


def facilitator_ids(session: Session, team_id: str, settings: Settings) -> set[str]:
    stored = session.exec(select(Facilitator.user_id).where(Facilitator.team_id == team_id)).all()
    return set(stored) | set(settings.facilitators)


def grant_facilitator(runtime: Runtime, team_id: str, user_id: str, added_by: str) -> bool:
    """`/convene facilitators add`: stored, and this process's copy of the list dropped."""
    with runtime.db.session() as session:
        ready_workspace(runtime, session, team_id)
        added = add_facilitator(session, team_id, user_id, added_by, runtime.clock.now())
    runtime.caches.forget_person(team_id, user_id)
    return added


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
