"""Which instance runs the scheduled jobs: a lease on one database row.

Every instance ticks; only the holder of the `scheduler` lease does the work. The holder
renews the lease while it works; if it dies or hangs, the lease expires and the next
instance to tick takes it over. Acquiring is one conditional UPDATE (mine, or expired)
plus an insert-if-absent, so it behaves the same on SQLite and PostgreSQL and needs no
advisory locks. Time is the instances' own UTC clock: keep them NTP-synchronised.

Duplicates are prevented elsewhere (every send is claimed in the database); the lease only
keeps all instances but one idle, and a leader that loses its lease stops sending."""

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, update
from sqlmodel import col

from storage.db import Database
from storage.models import SchedulerLease
from storage.queries import claimed, insert_ignoring_duplicates

log = logging.getLogger("convene.leadership")

SCHEDULER_LEASE = "scheduler"
DEFAULT_LEASE_SECONDS = 40  # a dead leader is replaced within TTL + one tick: under a minute
DEFAULT_TICK_SECONDS = 15


def holder_id() -> str:
    """Unique per process, readable by an operator: `host:pid:random`."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Lease:
    """One holder's view of a named lease row."""

    def __init__(
        self,
        db: Database,
        ttl_seconds: float = DEFAULT_LEASE_SECONDS,
        holder: str | None = None,
        name: str = SCHEDULER_LEASE,
    ) -> None:
        self.db = db
        self.ttl = timedelta(seconds=ttl_seconds)
        self.holder = holder or holder_id()
        self.name = name
        self._closed = False

    def acquire(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free or expired, or renew it if it is ours. Atomic: of two
        instances asking at once, exactly one gets True."""
        if self._closed:
            return False
        now = now or _utcnow()
        expires = now + self.ttl
        with self.db.session() as session:
            mine = col(SchedulerLease.holder) == self.holder
            if claimed(
                session,
                update(SchedulerLease)
                .where(
                    col(SchedulerLease.name) == self.name,
                    mine | (col(SchedulerLease.expires_at) < now),
                )
                .values(
                    holder=self.holder,
                    expires_at=expires,
                    # A renewal keeps the start of the term; a takeover starts a new one.
                    acquired_at=case((mine, col(SchedulerLease.acquired_at)), else_=now),
                ),
            ):
                return True
            row = {"name": self.name, "holder": self.holder, "acquired_at": now, "expires_at": expires}
            inserted = insert_ignoring_duplicates(session, SchedulerLease, [row], conflict=["name"])
            session.commit()
            return inserted == 1

    renew = acquire

    def release(self) -> None:
        """On clean shutdown: free the lease at once rather than after its TTL, and never
        take it again from this object."""
        self._closed = True
        with self.db.session() as session:
            session.execute(
                delete(SchedulerLease).where(
                    col(SchedulerLease.name) == self.name, col(SchedulerLease.holder) == self.holder
                )
            )
            session.commit()

    def current_holder(self, now: datetime | None = None) -> str | None:
        """Who holds the lease now (None if nobody, or it expired)."""
        now = now or _utcnow()
        with self.db.session() as session:
            row = session.get(SchedulerLease, self.name)
            if row is None or row.expires_at < now:
                return None
            return row.holder


class Heartbeat:
    """Renews a held lease in the background while the leader works, so a long round does
    not lose it half-way; if a renewal fails, `lost` is set and sending stops."""

    def __init__(self, lease: Lease, every_seconds: float | None = None) -> None:
        self.lease = lease
        self.every = every_seconds if every_seconds is not None else lease.ttl.total_seconds() / 3
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="convene-lease-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                renewed = self.lease.renew()
            except Exception:
                # A database hiccup: we cannot prove we still lead, so behave as if we don't.
                log.exception("lease renewal failed")
                renewed = False
            if not renewed:
                log.warning("scheduler lease lost by %s; stopping sends", self.lease.holder)
                self.lost.set()
                return


class Leadership:
    """One process's claim on the scheduler lease, and the heartbeat of the tick it is running
    as leader, if any. Senders consult it between messages; outside a leader's tick (tests,
    the demo, a facilitator's command) nothing is held back."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self._current: Heartbeat | None = None
        self._lock = threading.Lock()

    def sending_allowed(self) -> bool:
        """False only when this process is running a scheduled tick and has lost the lease:
        what it has not sent yet stays pending for the new leader."""
        with self._lock:
            heartbeat = self._current
        return heartbeat is None or not heartbeat.lost.is_set()

    @contextmanager
    def leading(self, every_seconds: float | None = None) -> Iterator[Heartbeat]:
        """Hold the lease for the duration of a block of work (the caller has acquired it)."""
        heartbeat = Heartbeat(self.lease, every_seconds).start()
        with self._lock:
            self._current = heartbeat
        try:
            yield heartbeat
        finally:
            heartbeat.stop()
            with self._lock:
                if self._current is heartbeat:
                    self._current = None
