"""What every request would otherwise recompute, kept per process.

Several instances serve the same workspaces, and each has its own copy, so nothing here may
ever grant what the database or Slack would refuse: only facts that cannot become false
(a workspace was prepared; a person belongs to a workspace) are kept for long, rights are
kept only when granted and only briefly, and every change this process makes (an uninstall,
a reinstall) forgets the workspace's entries at once."""

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.slack.directory import SlackProfile

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# A Slack admin demoted, or a profile changed, is noticed within this.
RIGHTS_SECONDS = 30.0
# A user id belongs to one workspace for good; the entry expires only to bound memory.
INSIDER_SECONDS = 3600.0
MAX_ENTRIES = 50_000


class Expiring(Generic[K, V]):
    """A thread-safe map whose entries expire `seconds` after they were put."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._clock() - entry[0] >= self.seconds:
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # rare, and only ever costs a recomputation
            self._entries[key] = (self._clock(), value)

    def forget(self, keep: Callable[[K], bool]) -> None:
        """Drop every entry whose key `keep` rejects."""
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if keep(k)}


@dataclass
class Caches:
    # Workspaces whose row and seed taxonomy exist (rows are never deleted, only the tokens).
    prepared: set[str] = field(default_factory=set)
    # (team, user) -> True: a facilitator there. Positives only, briefly.
    facilitators: Expiring[tuple[str, str], bool] = field(default_factory=lambda: Expiring(RIGHTS_SECONDS))
    # team -> the facilitators stored for it (only ever added to, but forget-me removes one):
    # briefly, and dropped at once when this process changes them.
    stored_facilitators: Expiring[str, frozenset[str]] = field(
        default_factory=lambda: Expiring(RIGHTS_SECONDS)
    )
    # (team, user) -> the person as Slack described them through that workspace's token.
    profiles: Expiring[tuple[str, str], SlackProfile] = field(
        default_factory=lambda: Expiring(RIGHTS_SECONDS)
    )
    # (team, user) -> True: the person belongs to that workspace (not a guest from another).
    insiders: Expiring[tuple[str, str], bool] = field(default_factory=lambda: Expiring(INSIDER_SECONDS))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def forget_workspace(self, team_id: str) -> None:
        with self._lock:
            self.prepared.discard(team_id)
        for cache in (self.facilitators, self.profiles, self.insiders):
            cache.forget(lambda key: key[0] != team_id)
        self.stored_facilitators.forget(lambda key: key != team_id)

    def forget_person(self, team_id: str, user_id: str) -> None:
        """Their rights (and the workspace's list of facilitators) are read afresh."""
        for cache in (self.facilitators, self.profiles, self.insiders):
            cache.forget(lambda key: key != (team_id, user_id))
        self.stored_facilitators.forget(lambda key: key != team_id)

    def mark_prepared(self, team_id: str) -> None:
        with self._lock:
            self.prepared.add(team_id)

    def is_prepared(self, team_id: str) -> bool:
        with self._lock:
            return team_id in self.prepared
