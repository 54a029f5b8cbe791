"""Seating a convening: tables of about `size` attendees who share a pain point.

The objective, compared lexicographically (an earlier term always outweighs every later one):

1. Shared focus (the organising principle).
   a. `shared`, more is better: attendees at a table whose focus they named. A table's focus is
      the pain point most of its members named, or two pain points when that pair covers more of
      the table than any single one; a pain point is a focus only if two or more at the table
      named it (a "focus" nobody shares is no common ground).
   b. `isolated`, fewer: attendees who named pain points but share none of them with anyone at
      their table.
   c. `two_focus`, fewer: tables that need a second focus.
2. Diversity: `one_country` tables (all from one country), then `country_pairs` (two attendees of
   one country at a table), then `agency_pairs` (two of one agency of one country), all fewer.
3. Balanced sizes: not a term but a rule every plan obeys. `table_sizes` picks the table count T
   that keeps every table as close to `size` as the head count allows (within one of it whenever
   that is possible at all), and the tables hold floor(n/T) or ceil(n/T): within one of each other.

Everyone is seated exactly once: a plan is a partition of the attendees.

How (`seat`):

1. Groups. Each attendee joins the group of the first pain point they named that someone else
   named too (their most pressing one that can be shared); an attendee left alone in a group
   moves to another of theirs, or brings in someone who named it too from a group that can spare
   them.
2. Construction. Each group fills whole tables, and what remains becomes parts of two or more
   (never a part of one, who would sit alone with their pain point; a remainder of one turns a
   whole table into a larger one, or two parts). Members are dealt round-robin, sorted by country
   and agency, so compatriots land at different tables. Parts share a table two by two, exact
   fits first; a part alone is completed by attendees who named nothing. Whoever is left sits
   where someone named their pain point, or where their country and agency are least present.
3. Local search. Two attendees swap tables (or one moves from a larger table to a smaller one,
   which keeps the sizes) whenever that improves the objective, until nothing does. Up to
   `FULL_SEARCH_MAX` attendees every swap and move is tried, and up to `KICK_MAX` the search
   restarts from perturbed optima (iterated local search, with a seeded generator). Above, the
   search is targeted: an attendee without a shared focus tries the members of the tables where
   their pain points are named; an attendee with a compatriot or colleague at their table tries
   attendees who named exactly the same pain points (a swap that cannot cost any focus), then
   the tables without their compatriots where their pain points are named. A deterministic
   budget of evaluations bounds the time.

`bot/convenings/exact.py` tries every seating of small inputs: tests and `benchmarks/seating.py`
compare against it. Nothing depends on the clock or an unseeded generator, and attendees are put
in a canonical order first, so the same attendees give the same plan whatever the order of the input."""

import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

DEFAULT_SIZE = 6
MIN_SIZE = 2
MAX_SIZE = 30
FULL_SEARCH_MAX = 150  # up to this many attendees, the local search tries every swap and move...
KICK_MAX = 40  # ...and up to this many, restarts from perturbed optima (iterated local search)
CANDIDATE_TABLES = 24  # targeted search: tables tried for an attendee without a shared focus
# The local search's budget in evaluated swaps and moves (~15 us each), deterministic (not a
# clock): a few hundred milliseconds at most, whatever the input.
FULL_BUDGET = 2_000  # per attendee, up to KICK_MAX attendees
TARGETED_BUDGET = 200  # per attendee, above
MAX_BUDGET = 60_000
KICKS = 20  # small inputs: restarts of the local search from a perturbed optimum

_Key = tuple[int, int, int, int, int, int]
_ZERO: _Key = (0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Attendee:
    key: int  # the caller's identity for this attendee (e.g. the CSV row)
    name: str
    country: str = ""
    agency: str = ""
    pains: tuple[str, ...] = ()  # pain point ids they named, most pressing first


@dataclass(frozen=True)
class Score:
    shared: int
    isolated: int
    two_focus: int
    one_country: int
    country_pairs: int
    agency_pairs: int

    def key(self) -> _Key:
        """Larger is better, compared as a tuple: the objective's lexicographic order."""
        return (
            self.shared,
            -self.isolated,
            -self.two_focus,
            -self.one_country,
            -self.country_pairs,
            -self.agency_pairs,
        )

    @classmethod
    def from_key(cls, key: _Key) -> "Score":
        return cls(key[0], -key[1], -key[2], -key[3], -key[4], -key[5])


@dataclass(frozen=True)
class Table:
    number: int
    focus: tuple[str, ...]  # empty when no pain point is named by two of its members
    members: tuple[Attendee, ...]


@dataclass(frozen=True)
class Seating:
    tables: tuple[Table, ...]
    score: Score


def fold(text: str) -> str:
    """Case, accents and spacing folded: "México " and "mexico" are one country."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.casefold().split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def table_sizes(n: int, size: int) -> list[int]:
    """The sizes of the tables for `n` attendees, largest first: as few tables off `size` as the
    head count allows, and all within one of each other."""
    if n <= 0:
        return []
    best: tuple[tuple[bool, int, float, int], int] | None = None
    for count in range(max(1, n // size - 1), min(n, n // size + 2) + 1):
        small, extra = divmod(n, count)
        large = small + (1 if extra else 0)
        alone = small < 2 <= n  # a table of one is no table: a trio rather than a single
        rank = (alone, max(abs(small - size), abs(large - size)), abs(n / count - size), count)
        if best is None or rank < best[0]:
            best = (rank, count)
    assert best is not None
    small, extra = divmod(n, best[1])
    return [small + 1] * extra + [small] * (best[1] - extra)


# --- the problem, in integers ---------------------------------------------------------------------
class _Problem:
    """Attendees in canonical order; pain points, countries and agencies as small integers. A pain
    point's id is its rank by demand (0 = named by most), which is also every tie-break."""

    def __init__(self, attendees: Sequence[Attendee]) -> None:
        self.origin = sorted(
            range(len(attendees)),
            key=lambda k: (
                fold(attendees[k].name),
                fold(attendees[k].country),
                fold(attendees[k].agency),
                attendees[k].pains,
                attendees[k].key,
                k,
            ),
        )  # canonical position -> position in `attendees`
        self.people = [attendees[k] for k in self.origin]
        demand = Counter(p for a in self.people for p in dict.fromkeys(a.pains))
        self.slugs = sorted(demand, key=lambda s: (-demand[s], s))
        ids = {slug: k for k, slug in enumerate(self.slugs)}
        self.demand = [demand[s] for s in self.slugs]
        self.pains = [tuple(dict.fromkeys(ids[p] for p in a.pains)) for a in self.people]
        self.pain_set = [frozenset(ps) for ps in self.pains]
        self.pairs = [list(combinations(sorted(ps), 2)) for ps in self.pains]
        countries: dict[str, int] = {}
        agencies: dict[tuple[str, str], int] = {}
        self.country: list[int] = []
        self.agency: list[int] = []
        for a in self.people:
            country, agency = fold(a.country), fold(a.agency)
            self.country.append(countries.setdefault(country, len(countries)) if country else -1)
            self.agency.append(agencies.setdefault((country, agency), len(agencies)) if agency else -1)

    @property
    def n(self) -> int:
        return len(self.people)


def _foci(pain: dict[int, int], cooc: dict[tuple[int, int], int]) -> tuple[tuple[int, ...], int]:
    """A table's focus and how many of its members named it: the pain point most of them named,
    or the pair covering more of them than any single one; () and 0 when none is named twice."""
    candidates = sorted((p for p, c in pain.items() if c >= 2), key=lambda p: (-pain[p], p))
    if not candidates:
        return (), 0
    best: tuple[int, ...] = (candidates[0],)
    cover = pain[candidates[0]]
    for x, f in enumerate(candidates):
        if 2 * pain[f] <= cover:
            break  # no pair led by f or a rarer pain point can cover more
        for g in candidates[x + 1 :]:
            union = pain[f] + pain[g] - cooc.get((f, g) if f < g else (g, f), 0)
            if union > cover:
                best, cover = (f, g), union
    return best, cover


class _State:
    """Tables under construction, with the counts that make a table's score cheap to recompute."""

    def __init__(self, problem: _Problem, sizes: list[int]) -> None:
        self.problem = problem
        count = len(sizes)
        self.small = min(sizes, default=0)
        self.large_allowed = sum(1 for s in sizes if s > self.small)
        self.large_used = 0
        self.members: list[list[int]] = [[] for _ in range(count)]
        self.where = [-1] * problem.n
        self.pain: list[dict[int, int]] = [{} for _ in range(count)]
        self.cooc: list[dict[tuple[int, int], int]] = [{} for _ in range(count)]
        self.countries: list[dict[int, int]] = [{} for _ in range(count)]
        self.unknown = [0] * count
        self.agencies: list[dict[int, int]] = [{} for _ in range(count)]
        self.country_pairs = [0] * count
        self.agency_pairs = [0] * count
        self.score: list[_Key] = [_ZERO] * count
        self.focus: list[tuple[int, ...]] = [() for _ in range(count)]
        self.tables_with: list[set[int]] = [set() for _ in problem.slugs]  # pain -> tables naming it

    # -- counts --
    def add(self, t: int, i: int) -> None:
        p = self.problem
        self.members[t].append(i)
        self.where[i] = t
        pain = self.pain[t]
        for x in p.pains[i]:
            c = pain.get(x, 0)
            if c == 0:
                self.tables_with[x].add(t)
            pain[x] = c + 1
        cooc = self.cooc[t]
        for pair in p.pairs[i]:
            cooc[pair] = cooc.get(pair, 0) + 1
        c = p.country[i]
        if c < 0:
            self.unknown[t] += 1
        else:
            have = self.countries[t].get(c, 0)
            self.country_pairs[t] += have
            self.countries[t][c] = have + 1
        a = p.agency[i]
        if a >= 0:
            have = self.agencies[t].get(a, 0)
            self.agency_pairs[t] += have
            self.agencies[t][a] = have + 1

    def remove(self, t: int, i: int) -> None:
        p = self.problem
        self.members[t].remove(i)
        self.where[i] = -1
        pain = self.pain[t]
        for x in p.pains[i]:
            c = pain[x] - 1
            if c:
                pain[x] = c
            else:
                del pain[x]
                self.tables_with[x].discard(t)
        cooc = self.cooc[t]
        for pair in p.pairs[i]:
            c = cooc[pair] - 1
            if c:
                cooc[pair] = c
            else:
                del cooc[pair]
        c = p.country[i]
        if c < 0:
            self.unknown[t] -= 1
        else:
            have = self.countries[t][c] - 1
            self.country_pairs[t] -= have
            if have:
                self.countries[t][c] = have
            else:
                del self.countries[t][c]
        a = p.agency[i]
        if a >= 0:
            have = self.agencies[t][a] - 1
            self.agency_pairs[t] -= have
            if have:
                self.agencies[t][a] = have
            else:
                del self.agencies[t][a]

    def evaluate(self, t: int) -> tuple[_Key, tuple[int, ...]]:
        pain = self.pain[t]
        focus, shared = _foci(pain, self.cooc[t])
        pains = self.problem.pains
        isolated = 0
        for i in self.members[t]:
            ps = pains[i]
            if ps and all(pain[x] == 1 for x in ps):
                isolated += 1
        one_country = (
            1 if len(self.members[t]) >= 2 and not self.unknown[t] and len(self.countries[t]) == 1 else 0
        )
        key = (
            shared,
            -isolated,
            -1 if len(focus) == 2 else 0,
            -one_country,
            -self.country_pairs[t],
            -self.agency_pairs[t],
        )
        return key, focus

    def refresh(self, t: int) -> None:
        self.score[t], self.focus[t] = self.evaluate(t)

    def load(self, where: list[int]) -> None:
        """Seat everyone as `where` says (sizes unchanged: `where` came from this state)."""
        for t in range(len(self.members)):
            for i in list(self.members[t]):
                self.remove(t, i)
        for i, t in enumerate(where):
            self.add(t, i)
        for t in range(len(self.members)):
            self.refresh(t)

    def total(self) -> _Key:
        return _sum(self.score)

    # -- sizes: a table may grow to `small + 1` only while fewer than `large_allowed` have --
    def has_room(self, t: int) -> bool:
        size = len(self.members[t])
        return size < self.small or (size == self.small and self.large_used < self.large_allowed)

    def seat(self, t: int, i: int) -> None:
        if len(self.members[t]) == self.small:
            self.large_used += 1
        self.add(t, i)

    def is_shared(self, i: int) -> bool:
        t = self.where[i]
        return self.score[t][0] > 0 and not self.problem.pain_set[i].isdisjoint(self.focus[t])


def _sum(keys: Sequence[_Key]) -> _Key:
    return tuple(sum(column) for column in zip(*keys, strict=True)) if keys else _ZERO


def _plus(a: _Key, b: _Key) -> _Key:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5])


# --- 1. foci: who sits with which pain point -------------------------------------------------------
def _groups(problem: _Problem) -> list[list[int]]:
    """Each attendee joins the group of the first pain point they named that someone else named
    too (their most pressing one that can be shared). An attendee left alone in a group moves to
    another of their pain points' groups, or brings someone who also named theirs from a group
    that can spare them."""
    shareable = [d >= 2 for d in problem.demand]
    group_of = [-1] * problem.n
    groups: list[list[int]] = [[] for _ in problem.slugs]
    for i, pains in enumerate(problem.pains):
        usable = [p for p in pains if shareable[p]]
        if usable:
            group_of[i] = usable[0]
            groups[usable[0]].append(i)
    for p in range(len(groups)):
        if len(groups[p]) != 1:
            continue
        i = groups[p][0]
        elsewhere = [x for x in problem.pains[i] if x != p and shareable[x] and groups[x]]
        if elsewhere:
            target = max(elsewhere, key=lambda x: (len(groups[x]) >= 2, -x))
            groups[p].remove(i)
            groups[target].append(i)
            group_of[i] = target
            continue
        donors = [
            j
            for j in range(problem.n)
            if j != i and p in problem.pain_set[j] and group_of[j] >= 0 and len(groups[group_of[j]]) > 2
        ]
        if donors:
            j = donors[0]
            groups[group_of[j]].remove(j)
            groups[p].append(j)
            group_of[j] = p
    return [sorted(g) for g in groups]


# --- 2. construction ------------------------------------------------------------------------------
def _construct(problem: _Problem, sizes: list[int]) -> _State:
    state = _State(problem, sizes)
    small = state.small
    groups = _groups(problem)
    large_left = state.large_allowed
    wholes: list[list[int]] = []  # tables one pain point fills
    parts: list[tuple[int, list[int]]] = []  # (pain, attendees) to share a table with another part
    leftovers: list[int] = []
    for p, group in enumerate(groups):
        if len(group) < 2:
            leftovers += group  # one attendee alone cannot share a focus
            continue
        whole, split, large_left = _shape(len(group), small, large_left)
        chunks = _deal(_spread_order(problem, group), whole + split)
        wholes += chunks[: len(whole)]
        parts += [(p, chunk) for chunk in chunks[len(whole) :]]
    fillers = sum(1 for ps in problem.pains if not ps)
    tables = wholes[: len(sizes)]
    for chunk in wholes[len(sizes) :]:
        leftovers += chunk
    packed, large_left, unpacked = _pack(parts, small, large_left, fillers, len(sizes) - len(tables))
    tables += packed
    leftovers += unpacked
    for t, members in enumerate(tables):
        for i in members:
            if state.has_room(t):
                state.seat(t, i)
            else:
                leftovers.append(i)
    for t in range(len(sizes)):
        state.refresh(t)

    for i in sorted(leftovers, key=lambda i: (problem.pains[i], i)):
        _seat_best(state, i, named=bool(problem.pains[i]))
    seated = {i for members in state.members for i in members}
    for i in _spread_order(problem, [i for i in range(problem.n) if i not in seated]):
        _seat_best(state, i, named=False)
    return state


def _shape(count: int, small: int, large_left: int) -> tuple[list[int], list[int], int]:
    """How one pain point's `count` attendees split into whole tables and parts (two or more
    each) that will share a table with another pain point's part: never a part of one, who would
    sit alone with their pain point."""
    full, rest = divmod(count, small)
    whole = [small] * full
    if rest == 1 and full:
        if large_left:
            whole[-1] += 1
            large_left -= 1
            rest = 0
        else:
            whole.pop()
            rest += small
    if rest > small and small >= 3:
        return whole, [rest - rest // 2, rest // 2], large_left
    return whole, [rest] if rest else [], large_left


def _deal(people: list[int], capacities: list[int]) -> list[list[int]]:
    """Round-robin into chunks of these sizes: consecutive attendees land in different chunks."""
    chunks: list[list[int]] = [[] for _ in capacities]
    k = 0
    for i in people:
        while len(chunks[k % len(chunks)]) >= capacities[k % len(chunks)]:
            k += 1
        chunks[k % len(chunks)].append(i)
        k += 1
    return chunks


def _pack(
    parts: list[tuple[int, list[int]]], small: int, large_left: int, fillers: int, tables: int
) -> tuple[list[list[int]], int, list[int]]:
    """Two parts to a table, exact fits first; a part alone where attendees who named nothing can
    fill the rest. Returns the tables, the large tables still free and whoever did not fit."""
    order = sorted(range(len(parts)), key=lambda k: (-len(parts[k][1]), parts[k][0]))
    used = [False] * len(parts)
    packed: list[list[int]] = []
    unpacked: list[int] = []
    for a in order:
        if used[a]:
            continue
        used[a] = True
        members = list(parts[a][1])
        if len(packed) == tables:
            unpacked += members
            continue
        room = small - len(members)
        free = [b for b in order if not used[b] and len(parts[b][1]) <= room + (1 if large_left else 0)]
        exact = [b for b in free if len(parts[b][1]) == room]
        plus_one = [b for b in free if len(parts[b][1]) == room + 1]
        partner = None
        if exact:
            partner = exact[0]
        elif plus_one:
            partner = plus_one[0]
            large_left -= 1
        elif fillers >= room:
            fillers -= room
        elif free:
            partner = max(free, key=lambda b: (len(parts[b][1]) <= room, len(parts[b][1]), -b))
            if len(parts[partner][1]) > room:
                large_left -= 1
        if partner is not None:
            used[partner] = True
            members += parts[partner][1]
        packed.append(members)
    return packed, large_left, unpacked


def _spread_order(problem: _Problem, people: list[int]) -> list[int]:
    """Commonest country first, compatriots (then colleagues) together: dealt round-robin, they
    land at different tables."""
    countries = Counter(problem.country[i] for i in people if problem.country[i] >= 0)
    return sorted(
        people,
        key=lambda i: (
            -countries.get(problem.country[i], 0),
            problem.country[i],
            problem.agency[i],
            i,
        ),
    )


def _seat_best(state: _State, i: int, named: bool) -> None:
    problem = state.problem
    pains = problem.pains[i]
    country, agency = problem.country[i], problem.agency[i]
    best: tuple[tuple[int, int, int, int, int], int] | None = None
    for t in range(len(state.members)):
        if not state.has_room(t):
            continue
        fit = 0
        if named:
            for x in pains:
                have = state.pain[t].get(x, 0)
                if x in state.focus[t] and have >= 2:
                    fit = max(fit, 3)  # joins a shared focus at once
                elif have == 1:
                    fit = max(fit, 2)  # makes a pair: a second focus, or someone not isolated
                elif have:
                    fit = max(fit, 1)
        rank = (
            fit,
            -(state.countries[t].get(country, 0) if country >= 0 else 0),
            -(state.agencies[t].get(agency, 0) if agency >= 0 else 0),
            -len(state.members[t]),
            -t,
        )
        if best is None or rank > best[0]:
            best = (rank, t)
    assert best is not None, "the sizes always leave a seat for everyone"
    state.seat(best[1], i)
    state.refresh(best[1])


# --- 3. local search ------------------------------------------------------------------------------
class _Search:
    def __init__(self, state: _State) -> None:
        self.state = state
        n = max(1, state.problem.n)
        self.budget = FULL_BUDGET * n if n <= KICK_MAX else min(TARGETED_BUDGET * n, MAX_BUDGET)

    def swap(self, i: int, j: int) -> bool:
        """Swap i and j if that improves the objective."""
        s = self.state
        a, b = s.where[i], s.where[j]
        if a == b:
            return False
        self.budget -= 1
        if s.problem.pain_set[i] == s.problem.pain_set[j] and not self._diversity_gain(i, j):
            return False  # same pain points: only diversity can change, and it would not improve
        before = _plus(s.score[a], s.score[b])
        s.remove(a, i)
        s.remove(b, j)
        s.add(a, j)
        s.add(b, i)
        after_a, focus_a = s.evaluate(a)
        after_b, focus_b = s.evaluate(b)
        if _plus(after_a, after_b) > before:
            s.score[a], s.focus[a], s.score[b], s.focus[b] = after_a, focus_a, after_b, focus_b
            return True
        s.remove(a, j)
        s.remove(b, i)
        s.add(a, i)
        s.add(b, j)
        return False

    def move(self, i: int, b: int) -> bool:
        """Move i to table b if b is smaller (sizes stay balanced) and the objective improves."""
        s = self.state
        a = s.where[i]
        if a == b or len(s.members[a]) != len(s.members[b]) + 1:
            return False
        self.budget -= 1
        before = _plus(s.score[a], s.score[b])
        s.remove(a, i)
        s.add(b, i)
        after_a, focus_a = s.evaluate(a)
        after_b, focus_b = s.evaluate(b)
        if _plus(after_a, after_b) > before:
            s.score[a], s.focus[a], s.score[b], s.focus[b] = after_a, focus_a, after_b, focus_b
            return True
        s.remove(b, i)
        s.add(a, i)
        return False

    def _diversity_gain(self, i: int, j: int) -> bool:
        """For two attendees who named the same pain points: would swapping them improve
        (one-country tables, country pairs, agency pairs)? Counted without moving anyone."""
        s, p = self.state, self.state.problem
        a, b = s.where[i], s.where[j]
        old = (
            _one_country(s, a, None, None) + _one_country(s, b, None, None),
            s.country_pairs[a] + s.country_pairs[b],
            s.agency_pairs[a] + s.agency_pairs[b],
        )
        new = (
            _one_country(s, a, i, j) + _one_country(s, b, j, i),
            s.country_pairs[a]
            + s.country_pairs[b]
            + _pair_change(s.countries[a], p.country[i], p.country[j])
            + _pair_change(s.countries[b], p.country[j], p.country[i]),
            s.agency_pairs[a]
            + s.agency_pairs[b]
            + _pair_change(s.agencies[a], p.agency[i], p.agency[j])
            + _pair_change(s.agencies[b], p.agency[j], p.agency[i]),
        )
        return new < old

    def run(self) -> None:
        n = self.state.problem.n
        if n > KICK_MAX:
            while self.budget > 0 and (self._focus_pass() | self._diversity_pass()):
                pass
        if n <= FULL_SEARCH_MAX:
            self._descend()
        if n <= KICK_MAX:
            self._kicks()

    def _descend(self) -> None:
        while self.budget > 0 and self._everything():
            pass

    def _kicks(self) -> None:
        """Small inputs: iterated local search. Two random swaps shake the plan loose from a
        local optimum, the search descends again, and the better plan is kept. Seeded: the same
        input always gets the same kicks."""
        s = self.state
        n = s.problem.n
        if len(s.members) < 2:
            return
        shuffle = random.Random(n)
        best, best_where = s.total(), list(s.where)
        for _ in range(KICKS):
            for _ in range(2):
                i, j = shuffle.randrange(n), shuffle.randrange(n)
                if s.where[i] != s.where[j]:
                    a, b = s.where[i], s.where[j]
                    s.remove(a, i)
                    s.remove(b, j)
                    s.add(a, j)
                    s.add(b, i)
                    s.refresh(a)
                    s.refresh(b)
            self._descend()
            if s.total() > best:
                best, best_where = s.total(), list(s.where)
            else:
                s.load(best_where)

    def _everything(self) -> bool:
        s = self.state
        n = s.problem.n
        changed = False
        for i in range(n):
            for j in range(i + 1, n):
                changed = self.swap(i, j) or changed
            for t in range(len(s.members)):
                changed = self.move(i, t) or changed
        return changed

    def _focus_pass(self) -> bool:
        """Attendees without a shared focus try the tables where their pain points are named."""
        s = self.state
        p = s.problem
        changed = False
        for i in range(p.n):
            if self.budget <= 0:
                break
            if not p.pains[i] or s.is_shared(i):
                continue
            here = s.where[i]
            tables = {t for x in p.pains[i] for t in s.tables_with[x]} - {here}
            ranked = sorted(
                tables,
                key=lambda t: (
                    -max((s.pain[t].get(x, 0) + (2 if x in s.focus[t] else 0)) for x in p.pains[i]),
                    t,
                ),
            )
            for t in ranked[:CANDIDATE_TABLES]:
                if self.move(i, t) or any(self.swap(i, j) for j in list(s.members[t])):
                    changed = True
                    break
        return changed

    def _diversity_pass(self) -> bool:
        """Attendees with a compatriot or colleague at their table try attendees who named the
        same pain points, elsewhere."""
        s = self.state
        p = s.problem
        same: dict[frozenset[int], list[int]] = {}
        for i in range(p.n):
            same.setdefault(p.pain_set[i], []).append(i)
        changed = False
        for i in range(p.n):
            if self.budget <= 0:
                break
            t = s.where[i]
            crowded = (p.country[i] >= 0 and s.countries[t].get(p.country[i], 0) > 1) or (
                p.agency[i] >= 0 and s.agencies[t].get(p.agency[i], 0) > 1
            )
            if not crowded:
                continue
            if any(s.where[j] != t and self.swap(i, j) for j in same[p.pain_set[i]]):
                changed = True
                continue
            # Nobody with the same pain points helps: try the tables without i's compatriots
            # where i's pain points are named (or any such table, for someone who named none).
            country = p.country[i]
            tables = (
                {x for pain in p.pains[i] for x in s.tables_with[pain]}
                if p.pains[i]
                else set(range(len(s.members)))
            )
            ranked = sorted(
                (x for x in tables if x != t and (country < 0 or country not in s.countries[x])),
                key=lambda x: (-sum(s.pain[x].get(pain, 0) for pain in p.pains[i]), x),
            )
            for x in ranked[:CANDIDATE_TABLES]:
                if any(self.swap(i, j) for j in list(s.members[x])):
                    changed = True
                    break
        return changed


def _one_country(state: _State, t: int, out: int | None, into: int | None) -> int:
    """Whether table t is (or, with `out` replaced by `into`, would be) all one country."""
    p = state.problem
    countries = dict(state.countries[t])
    unknown = state.unknown[t]
    for i, sign in ((out, -1), (into, 1)):
        if i is None:
            continue
        c = p.country[i]
        if c < 0:
            unknown += sign
        else:
            countries[c] = countries.get(c, 0) + sign
    present = [c for c, k in countries.items() if k > 0]
    size = len(state.members[t])
    return 1 if size >= 2 and not unknown and len(present) == 1 else 0


def _pair_change(counts: dict[int, int], leaving: int, arriving: int) -> int:
    """Change in same-group pairs at a table when `leaving` goes and `arriving` comes (-1:
    unknown, pairs with nobody)."""
    if leaving == arriving:
        return 0
    change = 0
    if leaving >= 0:
        change -= counts.get(leaving, 0) - 1
    if arriving >= 0:
        change += counts.get(arriving, 0)
    return change


# --- the plan -------------------------------------------------------------------------------------
def seat(attendees: Sequence[Attendee], size: int = DEFAULT_SIZE) -> Seating:
    """Seat everyone at tables of about `size`, maximising the objective (module docstring)."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be from {MIN_SIZE} to {MAX_SIZE}")
    problem = _Problem(attendees)
    sizes = table_sizes(problem.n, size)
    if not sizes:
        return Seating((), Score(0, 0, 0, 0, 0, 0))
    state = _construct(problem, sizes)
    _Search(state).run()
    return _plan(state)


def evaluate(tables: Sequence[Sequence[Attendee]]) -> Score:
    """The objective of any seating (lists of attendees per table), e.g. one edited by hand."""
    people = [a for table in tables for a in table]
    problem = _Problem(people)
    canonical = {k: i for i, k in enumerate(problem.origin)}
    state = _State(problem, [max(1, len(t)) for t in tables])
    k = 0
    for t, table in enumerate(tables):
        for _ in table:
            state.add(t, canonical[k])
            k += 1
        state.refresh(t)
    return Score.from_key(state.total())


def focus_of(members: Sequence[Attendee]) -> tuple[str, ...]:
    """The focus of one table of these attendees, as `seat` would name it (after a facilitator
    moved someone, for example): () when no pain point is named by two of them."""
    if not members:
        return ()
    problem = _Problem(members)
    state = _State(problem, [len(members)])
    for i in range(problem.n):
        state.add(0, i)
    state.refresh(0)
    return tuple(problem.slugs[x] for x in state.focus[0]) if state.score[0][0] else ()


def _plan(state: _State) -> Seating:
    problem = state.problem
    order = sorted(
        range(len(state.members)),
        key=lambda t: (
            state.focus[t] if state.score[t][0] else (len(problem.slugs),),
            -len(state.members[t]),
            min(state.members[t]),
        ),
    )
    tables = tuple(
        Table(
            number=k + 1,
            focus=tuple(problem.slugs[x] for x in state.focus[t]) if state.score[t][0] else (),
            members=tuple(problem.people[i] for i in sorted(state.members[t])),
        )
        for k, t in enumerate(order)
    )
    return Seating(tables, Score.from_key(state.total()))
