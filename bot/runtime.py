"""What every handler and job needs, built once at start-up (the composition root fills it)."""

from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import Settings
from bot.tagging import Tagger
from bot.texts import Texts
from storage.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    texts: Texts
    # One workspace's client today; an installation-store lookup when distributed (issue 6).
    client_for: Callable[[str], WebClient]
    tagger: Tagger
