"""What a tagger promises: the runtime holds one, and `bot.tagging` implements them.

Every tagger takes plain texts and the current taxonomy and returns, for each text, the pain
points it expresses with a confidence in [0, 1], or an empty list when it has no confident
tag (it says so rather than guess)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PainPointSpec:
    """What a tagger knows of a pain point: a stable id, a name, a description."""

    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Tag:
    slug: str
    confidence: float


class Tagger(Protocol):
    name: str  # stored as the tag's source: "offline" or "llm"

    def tag(self, texts: Sequence[str], taxonomy: Sequence[PainPointSpec]) -> list[list[Tag]]: ...


class WorkspaceTaggers(Protocol):
    """Each workspace's tagger, taught by its own community (`bot.tagging.community`)."""

    def learn(self, team_id: str) -> bool:
        """Start training the workspace's tagger if its labels changed; never waits."""
        ...

    def tagger_for(self, team_id: str, taxonomy: Sequence[PainPointSpec]) -> Tagger | None:
        """The tagger for the workspace's answers now; None while its own is being trained."""
        ...

    def close(self) -> None: ...
