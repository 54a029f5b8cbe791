"""The real APScheduler: every process keeps its own tick, and a running scheduler delivers a
due check-in on its own, through the scheduler lease."""

from datetime import UTC, datetime

from bot.app import jobs
from bot.app.scheduler import TICK_JOB_ID, build_scheduler
from bot.core.clock import ManualClock
from standins.harness import LocalSlack, wait_for
from storage.models import SchedulerLease


def test_each_process_keeps_one_tick_of_its_own_that_starts_at_once(database_url: str) -> None:
    with LocalSlack(database_url) as slack:
        first, second = build_scheduler(slack.runtime, 7), build_scheduler(slack.runtime, 7)
    for scheduler in (first, second):
        scheduler.start(paused=True)
    try:
        for scheduler in (first, second):
            (job,) = scheduler.get_jobs()
            assert job.id == TICK_JOB_ID and job.func is jobs.tick and job.args == (slack.runtime,)
            assert job.trigger.interval.total_seconds() == 7
            # The first tick is due now, not a whole interval after start.
            assert (job.next_run_time - datetime.now(UTC)).total_seconds() < 1
    finally:
        first.shutdown(wait=False)
        second.shutdown(wait=False)


def test_a_running_scheduler_sends_the_due_checkin_by_itself_and_frees_the_lease_on_stop(
    database_url: str,
) -> None:
    clock = ManualClock(datetime(2026, 11, 25, tzinfo=UTC))
    with LocalSlack(database_url, clock=clock) as slack:
        slack.api.add_user("UMANILA01", name="maria", real_name="Maria Santos", tz="Asia/Manila")
        slack.command("UMANILA01", "join")
        clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00 in Manila
        scheduler = build_scheduler(slack.runtime, tick_seconds=1)
        scheduler.start()
        try:
            wait_for(lambda: slack.api.messages_to("UMANILA01"), timeout=10)
            with slack.db.session() as session:
                assert session.get(SchedulerLease, "scheduler") is not None
        finally:
            scheduler.shutdown(wait=True)
        assert len(slack.api.messages_to("UMANILA01")) == 1
        with slack.db.session() as session:
            assert session.get(SchedulerLease, "scheduler") is None  # handed over on a clean stop
