"""The scheduler lease: one holder at a time, renewed by its holder, taken over once it has
expired, freed on a clean stop; on SQLite and PostgreSQL alike."""

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import leadership
from bot.core.config import ConfigError, Settings
from bot.core.leadership import Leadership, Lease
from storage.db import Database
from storage.models import SchedulerLease

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _row(db: Database) -> SchedulerLease | None:
    with db.session() as session:
        return session.get(SchedulerLease, leadership.SCHEDULER_LEASE)


def test_the_first_instance_to_ask_gets_the_lease_and_the_second_is_refused(db: Database) -> None:
    first, second = Lease(db, 45, holder="host-a:1:aa"), Lease(db, 45, holder="host-b:2:bb")
    assert first.acquire(T0)
    assert not second.acquire(T0 + timedelta(seconds=1))
    row = _row(db)
    assert row is not None and row.holder == "host-a:1:aa"
    assert row.expires_at == T0 + timedelta(seconds=45)
    assert first.current_holder(T0 + timedelta(seconds=2)) == "host-a:1:aa"


def test_the_holder_renews_its_lease_and_keeps_the_start_of_its_term(db: Database) -> None:
    holder, other = Lease(db, 45, holder="a"), Lease(db, 45, holder="b")
    assert holder.acquire(T0)
    assert holder.renew(T0 + timedelta(seconds=30))
    row = _row(db)
    assert row is not None and row.acquired_at == T0 and row.expires_at == T0 + timedelta(seconds=75)
    # Renewed, so still refused to others past the first expiry.
    assert not other.acquire(T0 + timedelta(seconds=60))


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_renew_it(db: Database) -> None:
    dead, survivor = Lease(db, 45, holder="dead"), Lease(db, 45, holder="survivor")
    assert dead.acquire(T0)
    later = T0 + timedelta(seconds=46)
    assert survivor.acquire(later)
    row = _row(db)
    assert row is not None and row.holder == "survivor" and row.acquired_at == later
    assert not dead.renew(later + timedelta(seconds=1))


def test_a_released_lease_is_free_at_once_and_the_releaser_stays_out(db: Database) -> None:
    leaving, next_one = Lease(db, 45, holder="leaving"), Lease(db, 45, holder="next")
    assert leaving.acquire(T0)
    leaving.release()
    assert _row(db) is None
    assert next_one.acquire(T0 + timedelta(seconds=1))
    assert not leaving.acquire(T0 + timedelta(seconds=100))


def test_releasing_does_not_free_a_lease_someone_else_holds(db: Database) -> None:
    stale, holder = Lease(db, 45, holder="stale"), Lease(db, 45, holder="holder")
    assert stale.acquire(T0)
    assert holder.acquire(T0 + timedelta(seconds=50))
    stale.release()
    row = _row(db)
    assert row is not None and row.holder == "holder"


def test_of_many_instances_racing_for_a_free_lease_exactly_one_wins(db: Database) -> None:
    leases = [Lease(db, 45, holder=f"racer-{i}") for i in range(6)]
    start = threading.Barrier(len(leases))
    results: dict[str, bool] = {}

    def race(lease: Lease) -> None:
        start.wait()
        results[lease.holder] = lease.acquire(T0)

    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [holder for holder, won in results.items() if won]
    assert len(winners) == 1
    row = _row(db)
    assert row is not None and row.holder == winners[0]


def test_a_heartbeat_keeps_a_long_round_leading_past_the_ttl(db: Database) -> None:
    lease, other = Lease(db, 1.0, holder="worker"), Lease(db, 1.0, holder="other")
    assert lease.acquire()
    leader = Leadership(lease)
    with leader.leading(every_seconds=0.2) as heartbeat:
        time.sleep(1.6)  # longer than the TTL: without renewal the lease would have run out
        assert not other.acquire()
        assert leader.sending_allowed() and not heartbeat.lost.is_set()
    assert leader.sending_allowed()  # outside a tick, nothing is held back


def test_a_leader_that_loses_its_lease_stops_sending(db: Database) -> None:
    lease, usurper = Lease(db, 0.5, holder="slow"), Lease(db, 30, holder="usurper")
    assert lease.acquire()
    # Renews too late: the lease runs out first.
    leader = Leadership(lease)
    with leader.leading(every_seconds=0.8) as heartbeat:
        time.sleep(0.6)
        assert usurper.acquire()
        assert heartbeat.lost.wait(2)
        assert not leader.sending_allowed()
    assert leader.sending_allowed()


def test_tick_and_lease_come_from_the_environment_and_nonsense_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    none = tmp_path / "none.env"
    monkeypatch.setenv("CONVENE_TICK_SECONDS", "5")
    monkeypatch.setenv("CONVENE_LEASE_SECONDS", "20")
    monkeypatch.setenv("CONVENE_RECOVER_AFTER_SECONDS", "90")
    settings = Settings.from_env(none)
    assert (settings.tick_seconds, settings.lease_seconds, settings.recover_after_seconds) == (5, 20, 90)
    monkeypatch.setenv("CONVENE_LEASE_SECONDS", "5")
    with pytest.raises(ConfigError, match="CONVENE_LEASE_SECONDS must be longer"):
        Settings.from_env(none)
    monkeypatch.setenv("CONVENE_TICK_SECONDS", "soon")
    with pytest.raises(ConfigError, match="CONVENE_TICK_SECONDS='soon'"):
        Settings.from_env(none)


def test_defaults_replace_a_dead_leader_within_a_minute() -> None:
    settings = Settings()
    assert settings.lease_seconds + settings.tick_seconds < 60
