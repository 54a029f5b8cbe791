"""What every handler and job needs, built once at start-up (the composition root fills it)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.installations import Installations
from bot.core.leadership import Leadership, Lease
from bot.core.tagger import Tagger, WorkspaceTaggers
from bot.core.texts import Texts
from bot.slack.budget import CallBudget
from storage.db import Database


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
    # Each workspace's tagger, taught by its members' ticks and facilitators' corrections.
    # None: every workspace's answers are tagged by `tagger` as it is.
    taggers: WorkspaceTaggers | None = None
    # This process's claim on the scheduler lease: every instance ticks, only the holder works.
    leadership: Leadership = field(init=False)
    # Per workspace: what recovery may still ask of conversations.history (bot.app.recovery).
    history_budgets: dict[str, CallBudget] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.leadership = Leadership(Lease(self.db, self.settings.lease_seconds))

    def history_budget(self, team_id: str) -> CallBudget:
        budget = self.history_budgets.get(team_id)
        if budget is None:
            budget = self.history_budgets[team_id] = CallBudget(self.settings.history_calls_per_minute)
        return budget

    def serves(self, team_id: str) -> bool:
        """Whether Convene may message this workspace now. Scheduled jobs skip the others:
        a workspace that uninstalled keeps its data but hears nothing more."""
        return self.installations is None or self.installations.is_installed(team_id)
