"""A budget of calls to one rate-limited Web API method, per workspace, that never waits:
a caller asks, and when there is nothing left it does something else and asks again later."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class CallBudget:
    """`per_minute` calls on average (a bucket as deep as one minute's calls, at least one).
    A 429 empties it until Slack's Retry-After has passed. Times are the caller's clock."""

    per_minute: float
    tokens: float | None = None  # None: full
    updated: datetime | None = None
    not_before: datetime | None = None
    # Where a paged read stopped when the budget ran out, to go on from there next time.
    cursors: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def depth(self) -> float:
        return max(1.0, self.per_minute)

    def _refill(self, now: datetime) -> None:
        if self.tokens is None:
            self.tokens = self.depth
        if self.updated is not None and now > self.updated:
            minutes = (now - self.updated).total_seconds() / 60
            self.tokens = min(self.depth, self.tokens + minutes * self.per_minute)
        self.updated = now if self.updated is None or now > self.updated else self.updated

    def spend(self, now: datetime) -> bool:
        """Take one call if the budget allows it now."""
        self._refill(now)
        if self.not_before is not None and now < self.not_before:
            return False
        if self.tokens is None or self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def refused(self, now: datetime, retry_after: float) -> None:
        """Slack said 429: nothing until Retry-After has passed."""
        self.tokens = 0.0
        self.not_before = now + timedelta(seconds=max(retry_after, 1.0))
