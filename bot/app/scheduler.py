"""APScheduler wiring. One interval job per process drives everything time-based; the
database (not the scheduler's memory) decides what is due, and the scheduler lease
(`bot.core.leadership`) decides which instance does it.

The job lives in memory, not in a shared job store: APScheduler 3 cannot share a persistent
job store between processes (they race for the same job and skip or double its runs), and
an interval job has nothing worth persisting; what is due is in the app's own tables."""

from datetime import UTC, datetime
from functools import partial

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, SchedulerEvent
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import jobs
from bot.core.leadership import DEFAULT_TICK_SECONDS
from bot.core.runtime import Runtime

TICK_JOB_ID = "convene-tick"
TICK_SECONDS = DEFAULT_TICK_SECONDS


def build_scheduler(runtime: Runtime, tick_seconds: int = TICK_SECONDS) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=UTC,
    )
    scheduler.add_job(
        jobs.tick,
        "interval",
        args=(runtime,),
        seconds=tick_seconds,
        id=TICK_JOB_ID,
        name="Convene: plan and send check-ins, reminders, matches, digests",
        next_run_time=datetime.now(UTC),  # tick at start: a new leader takes over without delay
        replace_existing=True,
    )
    scheduler.add_listener(partial(_release_lease, runtime), EVENT_SCHEDULER_SHUTDOWN)
    return scheduler


def _release_lease(runtime: Runtime, _event: SchedulerEvent) -> None:
    # A clean stop hands leadership over at once, not after the lease's TTL.
    jobs.release(runtime)
