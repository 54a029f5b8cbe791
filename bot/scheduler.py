"""APScheduler wiring. One persistent interval job drives everything time-based; the
database (not the scheduler's memory) decides what is due, so restarts and several
instances never send twice."""

from datetime import UTC

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

TICK_JOB_ID = "convene-tick"
TICK_SECONDS = 60


def build_scheduler(engine: Engine, tick_seconds: int = TICK_SECONDS) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        # The job store lives in the app's own database, so the schedule survives restarts.
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=UTC,
    )
    # A textual reference is stored, not a pickled function: upgrades keep working.
    scheduler.add_job(
        "bot.jobs:tick",
        "interval",
        seconds=tick_seconds,
        id=TICK_JOB_ID,
        name="Convene: plan and send check-ins, reminders",
        replace_existing=True,
    )
    return scheduler
