"""The scheduler's work. APScheduler calls `tick` with the process's runtime, which holds its
claim on the scheduler lease. Every instance ticks; only the lease holder works
(`bot.core.leadership`)."""

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from bot.app import recovery
from bot.checkins import fanout, retention
from bot.checkins import service as checkins
from bot.convenings import fanout as convening_fanout
from bot.convenings import harvest
from bot.convenings import service as convenings
from bot.core import schedule
from bot.core.installations import NotInstalled
from bot.core.runtime import Runtime
from bot.digest import publish
from bot.digest.aggregate import week_bounds
from bot.matching import intros
from bot.matching import service as match_service
from bot.members import service as members
from bot.slack.directory import iter_directory
from bot.slack.errors import error_code
from bot.tagging import PainPointSpec, Tagger, pipeline, themes
from bot.workspaces import service as workspaces
from storage.models import DigestPost, Workspace

log = logging.getLogger("convene.jobs")


def release(runtime: Runtime) -> None:
    """Clean shutdown: hand the lease over at once instead of after its TTL, and let a
    tagger being trained finish (or not start)."""
    runtime.leadership.lease.release()
    if runtime.taggers is not None:
        runtime.taggers.close()


def tick(runtime: Runtime) -> None:
    """Entry point for APScheduler: one pass over every workspace, by the lease holder only."""
    lease = runtime.leadership.lease
    try:
        if not lease.acquire():
            log.debug("tick skipped: %s is not the leader", lease.holder)
            return
        with runtime.leadership.leading():
            run_tick(runtime)
    except SQLAlchemyError as exc:
        # The database is briefly away: every step is claimed in it, so the next tick
        # simply catches up. A warning, not a traceback every 15 seconds.
        log.warning("tick skipped: database unavailable (%s)", type(exc).__name__)


def run_tick(runtime: Runtime) -> dict[str, fanout.FanoutReport]:
    """Wake paused members, plan due check-ins in each member's time zone, send them, remind.
    Every step is idempotent, so running it twice (or on two instances) is harmless."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        team_ids = list(session.exec(select(Workspace.team_id)).all())
    # A workspace that uninstalled Convene keeps its data but hears nothing more.
    team_ids = [team_id for team_id in team_ids if runtime.serves(team_id)]
    reports = {}
    for team_id in team_ids:
        try:
            reports[team_id] = _tick_workspace(runtime, team_id)
        except NotInstalled:
            # Uninstalled while this tick ran: its tokens are gone, so is its work.
            log.info("workspace %s was uninstalled during the tick; the rest of its work is skipped", team_id)
        except Exception as exc:
            if runtime.token_refused(team_id, exc):
                continue  # caught mid-uninstall: one line said so
            # One workspace's trouble must not stop the others' check-ins.
            log.exception("tick failed for workspace %s", team_id)
    log.debug("tick at %s done", now.isoformat())
    return reports


def _tick_workspace(runtime: Runtime, team_id: str) -> fanout.FanoutReport:
    # First settle what a dead instance left half-sent, so nothing is sent twice or never.
    recovery.recover_stuck(runtime, team_id)
    report = _checkins(runtime, team_id)
    _learn(runtime, team_id)
    _tag_answers(runtime, team_id)
    _retention(runtime, team_id)
    _weekly_themes(runtime, team_id)
    if runtime.may_send(team_id):  # a token refused during the check-ins: nothing more to send
        _matching(runtime, team_id)
        _convenings(runtime, team_id)
        _digest(runtime, team_id)
    return report


def _checkins(runtime: Runtime, team_id: str) -> fanout.FanoutReport:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        members.wake_paused(session, team_id, now.date())
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        planned = checkins.plan_scheduled(session, workspace, now)
        # Before anything is sent: check-ins in the weeks before a convening ask ahead of it.
        convenings.mark_pre_engagement(session, workspace, now)
    if planned:
        # New deliveries are about to go out: make sure time zones are fresh first.
        fanout.sync_profiles(runtime, team_id)
    report = fanout.send_due(runtime, team_id)
    report.reminded = fanout.send_reminders(runtime, team_id)
    return report


def _learn(runtime: Runtime, team_id: str) -> None:
    """Retrain the workspace's tagger in the background if its labels changed: the tick
    does not wait for it."""
    if runtime.taggers is not None:
        runtime.taggers.learn(team_id)


def _retention(runtime: Runtime, team_id: str) -> int:
    """Once a day: delete the words of answers older than the workspace's retention period."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if not retention.claim_run(session, team_id, now):
            return 0
        deleted = retention.delete_expired_texts(session, team_id, now)
    if deleted:
        log.info("retention: deleted the text of %d answers in %s", deleted, team_id)
    return deleted


def _tag_answers(runtime: Runtime, team_id: str, max_batches: int = 5) -> int:
    """Tag what was answered since the last tick, with the workspace's own tagger. A tagger
    failure leaves the answers untagged for the next tick; it never touches the stored text."""
    taggers = runtime.taggers

    def choose(specs: Sequence[PainPointSpec]) -> Tagger | None:
        return taggers.tagger_for(team_id, specs) if taggers is not None else runtime.tagger

    done = 0
    with runtime.db.session() as session:
        for _ in range(max_batches):
            try:
                count = pipeline.tag_pending_with(session, team_id, choose, runtime.clock.now())
            except Exception:
                log.exception("tagging failed for workspace %s; will retry next tick", team_id)
                session.rollback()
                break
            done += count
            if count < pipeline.BATCH:
                break
    return done


def _weekly_themes(runtime: Runtime, team_id: str) -> int:
    """Cluster the week's untagged answers into proposed themes, once a week per workspace,
    from Friday noon (community time): in time for the Friday digest."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        local = now.astimezone(schedule.zone(workspace.timezone))
        if (local.weekday(), local.hour) < (4, 12):
            return 0
        key = themes.period_key(local)
        if not themes.claim_week(session, team_id, key, now):
            return 0
        return len(themes.propose(session, team_id, key, now, runtime.texts))


def _matching(runtime: Runtime, team_id: str) -> None:
    """This week's matches at the scheduled time (community time zone), then any intro that
    failed earlier, then follow-ups a few days after each intro. All claimed in the database."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        fire = schedule.latest_fire(
            workspace.match_cron, schedule.zone(workspace.timezone), now, checkins.GRACE
        )
        round_ = match_service.current_round(session, team_id, match_service.week_key(workspace, now))
        due = fire is not None and not match_service.week_closed(session, round_)
    if due:
        report = intros.run_round(runtime, team_id, actor=None)
        if report.nobody:
            log.debug("weekly matching %s: nobody to match yet", report.week)
        else:
            log.info("weekly matching %s: %d groups, %d failed", report.week, report.groups, report.failed)
    intros.send_pending_intros(runtime, team_id)
    intros.send_followups(runtime, team_id)


def _convenings(runtime: Runtime, team_id: str) -> None:
    """The day after a convening, the harvest DMs; four weeks later, the follow-ups; then any
    convening DM due (those, and invitations or seats a failure left for later). Each DM is
    planned under a unique key and claimed before it is sent."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        harvest.plan_harvests(session, workspace, now)
        harvest.plan_follow_ups(session, workspace, now)
    convening_fanout.send_due(runtime, team_id)


def _digest(runtime: Runtime, team_id: str) -> None:
    """The weekly digest at the scheduled time (community time zone), once per channel."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
        if not workspace.coordinator_channel:
            return
        zone = schedule.zone(workspace.timezone)
        if schedule.latest_fire(workspace.digest_cron, zone, now, checkins.GRACE) is None:
            return
        week = week_bounds(now, zone)[0]
        posted = session.exec(
            select(DigestPost.id).where(
                DigestPost.team_id == team_id,
                DigestPost.channel_id == workspace.coordinator_channel,
                DigestPost.week_key == week,
            )
        ).first()
    if posted is None:
        report = publish.post_digest(runtime, team_id)
        log.info("weekly digest %s: %d messages, error=%s", report.week, report.messages, report.error)
        if report.blocked:
            _tell_facilitators_digest_blocked(runtime, team_id, report)


def _tell_facilitators_digest_blocked(runtime: Runtime, team_id: str, report: publish.PostReport) -> None:
    """Once, when the week's digest is blocked: each facilitator gets a DM saying what to do
    (workspace admins and owners when no facilitator was named: they are facilitators too)."""
    with runtime.db.session() as session:
        people = sorted(workspaces.facilitator_ids(session, team_id, runtime.settings))
    client = runtime.client_for(team_id)
    if not people:
        try:
            everyone = iter_directory(client)
            people = [
                p.user_id for p in everyone if (p.is_admin or p.is_owner) and not (p.deleted or p.is_bot)
            ]
        except SlackClientError as exc:
            log.warning("digest blocked in %s and no facilitator to tell: %s", team_id, error_code(exc))
            return
    text = runtime.texts.get(
        "digest.blocked",
        week=report.week,
        problem=runtime.texts.get(f"channel.{report.error}", channel=report.channel, retry=runtime.texts.get(
            "channel.retry_digest")),
    )  # fmt: skip
    for user_id in people:
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except SlackClientError as exc:
            log.warning("could not tell a facilitator the digest is blocked: %s", error_code(exc))
