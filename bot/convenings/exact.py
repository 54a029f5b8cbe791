"""The exact optimum of the seating objective, by trying every seating: the yardstick that tests
and `benchmarks/seating.py` hold `seating.seat` to. Only for small inputs (12 attendees in tables
of 3 is about 15,000 seatings)."""

from collections import Counter
from collections.abc import Sequence
from itertools import combinations

from bot.convenings.seating import (
    DEFAULT_SIZE,
    Attendee,
    Score,
    _Key,
    _Problem,
    _State,
    table_sizes,
)

MAX_ATTENDEES = 12


def optimum(attendees: Sequence[Attendee], size: int = DEFAULT_SIZE) -> Score:
    """The best score any seating with `table_sizes(len(attendees), size)` reaches."""
    if len(attendees) > MAX_ATTENDEES:
        raise ValueError(f"exhaustive search is for at most {MAX_ATTENDEES} attendees")
    problem = _Problem(attendees)
    sizes = table_sizes(problem.n, size)
    if not sizes:
        return Score(0, 0, 0, 0, 0, 0)
    state = _State(problem, sizes)
    best: list[_Key] = []

    def place(left: list[int], open_sizes: Counter[int], t: int, total: _Key) -> None:
        if not left:
            if not best or total > best[0]:
                best[:] = [total]
            return
        first, rest = left[0], left[1:]
        # The table of the first attendee not yet seated, at each size still open: every
        # partition is generated once.
        for table_size in sorted(s for s, k in open_sizes.items() if k):
            for others in combinations(rest, table_size - 1):
                members = (first, *others)
                for i in members:
                    state.add(t, i)
                key, _ = state.evaluate(t)
                open_sizes[table_size] -= 1
                chosen = set(others)
                place(
                    [i for i in rest if i not in chosen],
                    open_sizes,
                    t + 1,
                    tuple(x + y for x, y in zip(total, key, strict=True)),  # type: ignore[arg-type]
                )
                open_sizes[table_size] += 1
                for i in members:
                    state.remove(t, i)

    place(list(range(problem.n)), Counter(sizes), 0, (0, 0, 0, 0, 0, 0))
    return Score.from_key(best[0])
