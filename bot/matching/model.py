"""The plain data the matching algorithm works on: no database, no Slack."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """A member who answered this week's check-in and asked for a match."""

    member_id: int
    pains: frozenset[str]  # pain-point slugs on this week's answer (any source)
    country: str | None = None
    agency: str | None = None
    utc_offset_hours: float = 0.0  # the member's current offset from UTC
    support_score: int | None = None  # 1 (alone with it) .. 5 (well supported)
    left_out_last_time: bool = False
    avoid: frozenset[int] = field(default_factory=frozenset)  # confidential "don't match me with"
    # Members met at a convening whom this member wants to keep talking to, or who named them.
    keep_talking: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]  # two, or three for the one trio
    shared_pains: tuple[str, ...]  # slugs all members share, rarest first
    weight: float


@dataclass(frozen=True)
class Unmatched:
    member_id: int
    reason: str  # "alone" (the only candidate), "avoided" (every possible partner is excluded)


@dataclass(frozen=True)
class MatchPlan:
    groups: tuple[Group, ...]
    unmatched: tuple[Unmatched, ...]

    @property
    def total_weight(self) -> float:
        return sum(g.weight for g in self.groups)
