"""What a digest says, as plain data: aggregation fills it, rendering turns it into blocks."""

from dataclasses import dataclass, field
from datetime import datetime


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (no rate, rather than 0%)."""
    return part / whole if whole else None


class FollowUpRates:
    """Met and helped rates from follow-up answers, for any figures that count them."""

    met: int
    helped: int
    follow_up_answers: int

    @property
    def meeting_rate(self) -> float | None:
        return share(self.met, self.follow_up_answers)

    @property
    def helped_rate(self) -> float | None:
        return share(self.helped, self.follow_up_answers)


@dataclass(frozen=True)
class PainTrend:
    slug: str
    name: str
    count: int  # answers tagged with it in the digest's week
    # Answers per week over those of the 4 weeks before that had a round; None when none did
    # (the community's first week): no trend to show.
    previous_average: float | None
    is_symptom: bool = False
    average_support: float | None = None  # mean peer-support score (1-5) of those answers

    @property
    def change(self) -> float | None:
        return None if self.previous_average is None else self.count - self.previous_average


@dataclass(frozen=True)
class ThemeSummary:
    id: int
    name: str
    answers: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Digest(FollowUpRates):
    team_id: str
    week_key: str  # ISO week in the community's time zone, e.g. "2026-W48"
    start: datetime  # aware UTC bounds of the week [start, end)
    end: datetime
    members_active: int
    asked: int  # check-ins delivered this week
    answered: int
    previous_response_rate: float | None  # over the 4 weeks before
    previous_weeks_with_rounds: int  # of those 4 weeks; 0: the first week, no trend yet
    pains: tuple[PainTrend, ...]  # ranked by count, then change
    themes: tuple[ThemeSummary, ...]  # proposed, awaiting a decision
    quotes: tuple[str, ...]  # up to five consented answers, raw (renderers escape them)
    groups_matched: int
    people_matched: int
    met: int  # follow-up answers saying they met
    helped: int  # follow-up answers saying it helped
    follow_up_answers: int
    average_support: float | None
    previous_average_support: float | None
    drifting: tuple[str, ...]  # Slack user ids of active members silent for 3 rounds
    # The weeks of the last 12 that had a round, oldest first (a week with no check-in is
    # not a week of zero pain), and per pain point its count in each of them.
    trend_weeks: tuple[str, ...] = ()
    trend: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def response_rate(self) -> float | None:
        return share(self.answered, self.asked)

    @property
    def first_week(self) -> bool:
        """No round in the four weeks before: nothing to compare with yet."""
        return self.previous_weeks_with_rounds == 0
