"""The real APScheduler: its job lives in the app's database and survives a restart, and a
running scheduler delivers a due check-in on its own."""

from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from bot import jobs
from bot.clock import ManualClock
from bot.scheduler import TICK_JOB_ID, build_scheduler
from bot.standin.harness import LocalSlack, wait_for
from storage.db import Database


def test_the_tick_job_is_stored_in_the_database_and_survives_a_restart(db: Database) -> None:
    first = build_scheduler(db.engine)
    first.start(paused=True)
    first.shutdown(wait=False)
    store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
    store.start(None, "default")  # type: ignore[arg-type]
    job = store.lookup_job(TICK_JOB_ID)
    assert job is not None and job.func is jobs.tick
    second = build_scheduler(db.engine)  # a restarted process re-registers the same job
    second.start(paused=True)
    assert [j.id for j in second.get_jobs()] == [TICK_JOB_ID]
    second.shutdown(wait=False)


def test_a_running_scheduler_sends_the_due_checkin_by_itself(database_url: str) -> None:
    clock = ManualClock(datetime(2026, 11, 25, tzinfo=UTC))
    with LocalSlack(database_url, clock=clock) as slack:
        slack.api.add_user("UMANILA01", name="maria", real_name="Maria Santos", tz="Asia/Manila")
        slack.command("UMANILA01", "join")
        clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00 in Manila
        jobs.install(slack.runtime)
        scheduler = build_scheduler(slack.db.engine, tick_seconds=1)
        scheduler.start()
        try:
            wait_for(lambda: slack.api.messages_to("UMANILA01"), timeout=10)
        finally:
            scheduler.shutdown(wait=True)
            jobs.install(None)
        assert len(slack.api.messages_to("UMANILA01")) == 1
