"""What every handler and job needs, built once at start-up (the composition root fills it)."""

import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.core.caches import Caches
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.installations import Installations
from bot.core.leadership import Leadership, Lease
from bot.core.tagger import Tagger, WorkspaceTaggers
from bot.core.texts import Texts
from bot.slack.budget import CallBudget
from bot.slack.errors import error_code, is_revoked
from storage.db import Database

log = logging.getLogger("convene.runtime")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    texts: Texts
    # The Web API client for a workspace: the one bot token's client in single-workspace
    # mode; that workspace's installed token when distributed (raises NotInstalled if none).
    client_for: Callable[[str], WebClient]
    tagger: Tagger
    # Set when distributed (OAuth): who installed Convene. None with a single bot token.
    installations: Installations | None = None
    # With a single bot token: the workspace it belongs to (auth.test at start), the only
    # one served. None until known.
    home_team_id: str | None = None
    # Each workspace's tagger, taught by its members' ticks and facilitators' corrections.
    # None: every workspace's answers are tagged by `tagger` as it is.
    taggers: WorkspaceTaggers | None = None
    # This process's claim on the scheduler lease: every instance ticks, only the holder works.
    leadership: Leadership = field(init=False)
    caches: Caches = field(default_factory=Caches)
    # Requests this process has recorded as seen (the duplicate check prunes every so many).
    requests_seen: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    # Workspaces whose token Slack has refused (revoked, uninstalled), with Slack's word.
    _stopped: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _stop_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # Per workspace: what recovery may still ask of conversations.history (bot.app.recovery).
    history_budgets: dict[str, CallBudget] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.leadership = Leadership(Lease(self.db, self.settings.lease_seconds))

    def history_budget(self, team_id: str) -> CallBudget:
        budget = self.history_budgets.get(team_id)
        if budget is None:
            budget = self.history_budgets[team_id] = CallBudget(self.settings.history_calls_per_minute)
        return budget

    def serves(self, team_id: str, *, fresh: bool = False) -> bool:
        """Whether Convene may message this workspace now. Scheduled jobs skip the others:
        a workspace that uninstalled keeps its data but hears nothing more. `fresh` reads
        the installation from the database, past this process's client cache."""
        if not self.may_send(team_id):
            return False
        if self.installations is None:
            return self.home_team_id is None or team_id == self.home_team_id
        return self.installations.is_installed(team_id, fresh=fresh)

    def may_prepare(self, team_id: str) -> bool:
        """Whether a workspace row may be created for `team_id`: only the configured one, or
        one that installed Convene. No request can bring a workspace into being."""
        if not team_id:
            return False
        if self.installations is None:
            return self.home_team_id is None or team_id == self.home_team_id
        return self.installations.is_installed(team_id)

    # ------------------------------------------------------------ stopping at once

    def stop_sending(self, team_id: str, reason: str) -> None:
        """Slack refused the workspace's token, or it uninstalled (`reason` says which, for
        the log): nothing more is sent there by this process, starting with the next call of
        any fan-out in flight. One log line, however many senders notice."""
        with self._stop_lock:
            first = team_id not in self._stopped
            self._stopped[team_id] = reason
        self.caches.forget_workspace(team_id)
        if first:
            log.warning(
                "workspace %s: %s; nothing more is sent there until Convene is installed again",
                team_id,
                reason,
            )

    def resume_sending(self, team_id: str) -> None:
        """Installed (again): a fresh token."""
        with self._stop_lock:
            self._stopped.pop(team_id, None)
        self.caches.forget_workspace(team_id)

    def token_refused(self, team_id: str, exc: BaseException) -> bool:
        """Whether Slack's error says the workspace's token is dead (revoked, uninstalled,
        deactivated); if so, nothing more is sent there. Senders call this on every error."""
        if isinstance(exc, SlackClientError) and is_revoked(exc):
            self.stop_sending(team_id, f"Slack answered {error_code(exc)}")
            return True
        return False

    def may_send(self, team_id: str) -> bool:
        with self._stop_lock:
            return team_id not in self._stopped
