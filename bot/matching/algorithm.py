"""This week's matches: a maximum-weight matching over the members who asked for one.

A pair's weight says how much the two are likely to get out of a conversation:

    weight = share x diversity x time_zone x priority x keep_talking  -  repeat penalty

- share: `share_base` plus the rarity of every pain point they share (rarer counts more:
  `log(1 + T / count)`, T the count of the commonest pain point); `no_share` when they share none,
  small enough that any pair sharing a pain point outweighs any pair sharing none, whatever the
  other factors;
- diversity: x(1 + `country_bonus`) across countries, x(1 + `agency_bonus`) across agencies of one
  country (cross-learning);
- time_zone: 1 up to `tz_free_hours` apart (on the 24 h clock), then falling by `tz_slope` an
  hour down to `tz_floor`;
- priority: 1 + `priority_bonus` for each member who rated their peer support low or was left
  out last time. It multiplies the pair's value, so the optimum gives such members their better
  partners (a flat bonus per member would change nothing: everyone is matched anyway);
- keep_talking: x(1 + `keep_talking_bonus`) when either named the other, after a convening, as
  someone they want to keep talking to. Small enough that a pair sharing no pain point still
  weighs less than any pair sharing one;
- repeat: a pair that met within `cooldown_weeks` loses `repeat_penalty` (more the more recent),
  far more than any pair is worth, so a repeat is chosen only when nothing else places everyone;
  an older pairing keeps `past_pair_factor` of its value.

A pair either member asked not to be matched with has no weight at all: it is never formed.

The matching is networkx's `max_weight_matching` with `maxcardinality=True`: as many members as
possible are paired, and among those matchings the heaviest is chosen. Up to `exact_max` members
it runs once on the complete graph: the plan is optimal. Its blossom algorithm is pure Python and
costs about n^2 even on a sparse graph (1,000 members: ~3 s; 5,000: ~2 min), so a bigger week is
decomposed (benchmarks/matching.py measures what that costs: within 0.5% of the optimum):

1. Partition. Each member is anchored at the rarest pain point they share with someone this
   week; a group of one anchor is ordered by the members' other shared pain points (rarest
   first), then by time zone. A group too big for a block is cut into slices in that order;
   smaller groups are packed whole into blocks, rarest anchors first. A block holds
   `block_budget / n` members, kept within [`min_block`, `max_block`]: about the same time at
   any size, and more members per block (better plans) for smaller weeks.
2. Blossom per block, on a pruned graph: each member's `neighbours` either side in the block's
   order (similar members, spread evenly), its `top_k` heaviest edges, and a greedy maximal
   matching (so pruning cannot cost a place; if the block still places fewer than it could, it
   is solved again on every edge).
3. Pool. Whoever a block could not place (odd blocks, members sharing nothing with anyone) is
   matched again among themselves, the same way, then by time-zone slices.
4. Improve. Members of pool pairs look for better partners across the whole set (an inverted
   index from pain point to members, walked in time-zone order: no n^2 scan) and partners are
   swapped two pairs at a time while the total weight grows.
5. Repair. If two or more are still unplaced, their neighbourhood (best allowed partners and
   those partners' partners) is rematched, which finds the augmenting paths that blocks hid.
6. Trio. An odd member out joins the pair that maximises w(x,a) + w(x,b), both edges possible.
   If they fit no pair, they take someone's place whose partner then fits one; failing that (and
   up to `exact_max` members), the most flexible members are tried as the third instead, the
   rest matched exactly. Anyone still not placed is reported in `unmatched` with a reason
   ("alone": the only candidate; "avoided": "don't match" lists leave them no possible group),
   never dropped.

Everything iterates in sorted order and no randomness is used: the same input gives the same
plan, whatever the order of the candidates."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import networkx as nx

from bot.matching.model import Candidate, Group, MatchPlan, Unmatched


@dataclass(frozen=True)
class Weights:
    """Every knob of the matching, with the defaults the bot uses."""

    # --- what a pair is worth -------------------------------------------------------------------
    share_base: float = 2.0  # sharing at least one pain point, before the rarity of each
    no_share: float = 0.1  # a pair sharing none: allowed, but below any pair sharing one
    country_bonus: float = 0.3  # x1.3 for two countries (cross-learning)
    agency_bonus: float = 0.15  # x1.15 for two agencies of one country
    tz_free_hours: float = 6.0  # working days overlap enough up to this gap (24 h clock)
    tz_slope: float = 0.12  # then the value falls by this share an hour...
    tz_floor: float = 0.3  # ...down to this factor (12 h apart: working days hardly meet)
    cooldown_weeks: int = 6  # no repeat within this many weeks while an alternative exists
    repeat_penalty: float = 1000.0  # subtracted (x1 at the cooldown's end, ~x2 last week)
    past_pair_factor: float = 0.7  # met longer ago than the cooldown: prefer someone new
    low_support_max: int = 2  # a support score at or below this asks for priority
    priority_bonus: float = 0.5  # +50% on a pair for each low-support or left-out member
    keep_talking_bonus: float = 1.0  # x2 for two who met at a convening and want to keep talking
    # --- how it scales --------------------------------------------------------------------------
    exact_max: int = 150  # up to this many members: one blossom on the complete graph (exact)
    block_budget: int = 250_000  # above it, blocks of budget / n members (blossom ~ n x block)...
    min_block: int = 80  # ...but never fewer than this...
    max_block: int = 300  # ...nor more (blossom on one block costs more than ~block^2)
    neighbours: int = 3  # edges kept to the members this close in a block's order...
    top_k: int = 10  # ...and to each member's heaviest partners in the block
    window: int = 12  # improve: members looked at either side in each pain point's tz order
    improve_rounds: int = 3  # improve: passes of 2-by-2 swaps at most
    third_tries: int = 10  # odd one out fitting no pair: how many others to try leaving out instead


DEFAULT_WEIGHTS = Weights()


# --- weights ------------------------------------------------------------------------------------
def rarity_of(pains: Iterable[str], pain_counts: Mapping[str, int]) -> dict[str, float]:
    """`log(1 + T / count)` for each slug, T the commonest slug's count: the commonest pain point
    weighs log 2 ~ 0.69, one ten times rarer log 11 ~ 2.4. A slug missing from `pain_counts`
    counts as seen once."""
    slugs = set(pains) | set(pain_counts)
    counts = {s: max(1, int(pain_counts.get(s, 0))) for s in slugs}
    top = max(counts.values(), default=1)
    return {s: math.log1p(top / c) for s, c in counts.items()}


def _tz_gap(a: float, b: float) -> float:
    gap = abs(a - b) % 24.0
    return min(gap, 24.0 - gap)


def _value(
    shared_rarity: float | None,
    country_a: str | None,
    country_b: str | None,
    agency_a: str | None,
    agency_b: str | None,
    tz_a: float,
    tz_b: float,
    priority: int,
    weeks_ago: int | None,
    w: Weights,
    keep_talking: bool = False,
) -> float:
    """The formula, on plain values (`shared_rarity` None: they share no pain point)."""
    value = w.no_share if shared_rarity is None else w.share_base + shared_rarity
    if country_a is not None and country_b is not None and country_a != country_b:
        value *= 1.0 + w.country_bonus
    elif agency_a is not None and agency_b is not None and agency_a != agency_b:
        value *= 1.0 + w.agency_bonus
    gap = _tz_gap(tz_a, tz_b)
    if gap > w.tz_free_hours:
        value *= max(w.tz_floor, 1.0 - w.tz_slope * (gap - w.tz_free_hours))
    if priority:
        value *= 1.0 + w.priority_bonus * priority
    if keep_talking:
        value *= 1.0 + w.keep_talking_bonus
    if weeks_ago is not None:
        if weeks_ago <= w.cooldown_weeks:
            recency = (w.cooldown_weeks - max(1, weeks_ago)) / max(1, w.cooldown_weeks)
            value -= w.repeat_penalty * (1.0 + recency)
        else:
            value *= w.past_pair_factor
    return value


def _has_priority(c: Candidate, w: Weights) -> int:
    low = c.support_score is not None and c.support_score <= w.low_support_max
    return 1 if low or c.left_out_last_time else 0


def pair_weight(
    a: Candidate,
    b: Candidate,
    rarity: Mapping[str, float],
    recent: Mapping[frozenset[int], int],
    w: Weights,
) -> float | None:
    """What pairing `a` with `b` is worth; None when it must never happen (either avoids the
    other, or they are the same member). `rarity` maps each slug to its weight (`rarity_of`);
    `recent` maps a past pair to how many weeks ago it met (1 = last week)."""
    if a.member_id == b.member_id or b.member_id in a.avoid or a.member_id in b.avoid:
        return None
    shared = a.pains & b.pains
    return _value(
        math.fsum(rarity.get(p, 0.0) for p in shared) if shared else None,
        a.country,
        b.country,
        a.agency,
        b.agency,
        a.utc_offset_hours,
        b.utc_offset_hours,
        _has_priority(a, w) + _has_priority(b, w),
        recent.get(frozenset((a.member_id, b.member_id))),
        w,
        b.member_id in a.keep_talking or a.member_id in b.keep_talking,
    )


# --- the problem, indexed -----------------------------------------------------------------------
Pair = tuple[int, int]  # indices into _Problem.cands, smaller first
Edge = tuple[int, int, float]


class _Problem:
    """The candidates sorted by member id and addressed by index, with what the weight needs."""

    def __init__(
        self,
        cands: list[Candidate],
        rarity: Mapping[str, float],
        recent: Mapping[frozenset[int], int],
        w: Weights,
    ) -> None:
        self.cands = cands
        self.n = len(cands)
        self.rarity = rarity
        self.w = w
        index = {c.member_id: i for i, c in enumerate(cands)}
        self.pains = [c.pains for c in cands]
        self.country = [c.country for c in cands]
        self.agency = [c.agency for c in cands]
        self.tz = [c.utc_offset_hours for c in cands]
        self.prio = [_has_priority(c, w) for c in cands]
        avoid: list[set[int]] = [set() for _ in cands]
        for i, c in enumerate(cands):
            for other in c.avoid:
                j = index.get(other)
                if j is not None and j != i:
                    avoid[i].add(j)
                    avoid[j].add(i)
        self.avoid = [frozenset(a) for a in avoid]
        keep: list[set[int]] = [set() for _ in cands]
        for i, c in enumerate(cands):
            for other in c.keep_talking:
                j = index.get(other)
                if j is not None and j != i:
                    keep[i].add(j)
                    keep[j].add(i)
        self.keep = [frozenset(k) for k in keep]
        self.recent: dict[Pair, int] = {}
        for pair, weeks in recent.items():
            ij = sorted(index[m] for m in pair if m in index)
            if len(ij) == 2 and ij[0] != ij[1]:
                self.recent[(ij[0], ij[1])] = weeks

    def weight(self, i: int, j: int) -> float | None:
        if i == j or j in self.avoid[i]:
            return None
        shared = self.pains[i] & self.pains[j]
        rarity = self.rarity
        return _value(
            math.fsum(rarity.get(p, 0.0) for p in shared) if shared else None,
            self.country[i],
            self.country[j],
            self.agency[i],
            self.agency[j],
            self.tz[i],
            self.tz[j],
            self.prio[i] + self.prio[j],
            self.recent.get((i, j) if i < j else (j, i)),
            self.w,
            j in self.keep[i],
        )

    def sort_key(self, slug: str) -> tuple[float, str]:
        """Rarest first, then by name."""
        return (-self.rarity.get(slug, 0.0), slug)


# --- blossom on a block -------------------------------------------------------------------------
def _blossom(nodes: Sequence[int], edges: Iterable[Edge]) -> list[Pair]:
    """Maximum-cardinality, maximum-weight matching. Weights are shifted to be positive, which
    changes nothing among matchings of the same (maximum) size, and made integers (micro-units),
    with which networkx's blossom computes exactly instead of comparing rounded floats."""
    edges = sorted(edges)
    if not edges:
        return []
    shift = max(0.0, -min(e[2] for e in edges)) + 1.0
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    graph.add_weighted_edges_from((i, j, round((wt + shift) * 1_000_000)) for i, j, wt in edges)
    return sorted((min(p), max(p)) for p in nx.max_weight_matching(graph, maxcardinality=True))


def _block_edges(prob: _Problem, members: Sequence[int]) -> list[Edge]:
    """Every possible pair of the block, weighed."""
    edges = []
    for x, i in enumerate(members):
        for j in members[x + 1 :]:
            wt = prob.weight(i, j)
            if wt is not None:
                edges.append((i, j, wt) if i < j else (j, i, wt))
    return edges


def _pruned(edges: list[Edge], order: Sequence[int], w: Weights) -> set[Edge]:
    """The edges blossom gets in a big block. Pruning to each member's heaviest edges alone
    fails: members sharing several common pain points, or with priority, are everyone's best,
    and the pruned graph has no good (or even complete) matching. So it keeps
    - the edges to the `neighbours` members either side in the block's order (same anchor, same
      other pain points, nearby time zone: good partners, spread evenly),
    - each member's `top_k` heaviest edges (a rare good partner elsewhere in the block),
    - a greedy maximal matching (so that nearly as many can be placed as on the complete block)."""
    position = {i: x for x, i in enumerate(order)}
    kept = {e for e in edges if abs(position[e[0]] - position[e[1]]) <= w.neighbours}
    best: dict[int, list[tuple[float, int, Edge]]] = defaultdict(list)
    for e in edges:
        best[e[0]].append((-e[2], e[1], e))
        best[e[1]].append((-e[2], e[0], e))
    for i in sorted(best):
        kept.update(e for _, _, e in sorted(best[i])[: w.top_k])
    used: set[int] = set()
    for e in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        if e[0] not in used and e[1] not in used:
            used.update(e[:2])
            kept.add(e)
    return kept


def _match_block(prob: _Problem, order: Sequence[int], complete: bool) -> list[Pair]:
    """Blossom on the block (`order`: its members, similar ones next to each other)."""
    edges = _block_edges(prob, sorted(order))
    if complete:
        return _blossom(order, edges)
    kept = _pruned(edges, order, prob.w)
    pairs = _blossom(order, kept)
    placed = {i for p in pairs for i in p}
    unplaced = {i for i in order if i not in placed}
    if len(unplaced) > 1:  # pruning may have hidden a way to place more: give them every edge
        more = _blossom(order, kept | {e for e in edges if e[0] in unplaced or e[1] in unplaced})
        if len(more) > len(pairs):
            return more
    return pairs


# --- partition ----------------------------------------------------------------------------------
def _chunks(seq: list[int], size: int) -> list[list[int]]:
    """`seq` cut in order into ceil(len / size) slices of near-equal, even, length (but the last)."""
    parts = max(1, math.ceil(len(seq) / size))
    cuts = [0, *(2 * round(k * len(seq) / (2 * parts)) for k in range(1, parts)), len(seq)]
    return [seq[a:b] for a, b in pairwise(cuts) if b > a]


def _block_size(prob: _Problem, n: int) -> int:
    w = prob.w
    return max(w.min_block, min(w.max_block, w.block_budget // max(1, n)))


def _partition(prob: _Problem, members: list[int]) -> tuple[list[list[int]], list[int]]:
    """Blocks in which most of the heavy edges lie, each in an order that puts similar members
    side by side; and the members no block should hold (they share no pain point with anyone).

    Each member is anchored at the rarest pain point they share with someone; a group of one
    anchor is ordered by the member's other shared pain points, rarest first, then time zone.
    A group too big for one block is cut into slices; small groups are packed together, rarest
    anchors first."""
    size = _block_size(prob, len(members))
    count = Counter(p for i in members for p in prob.pains[i])
    groups: dict[str, list[int]] = defaultdict(list)
    loose = []
    for i in members:
        shareable = [p for p in prob.pains[i] if count[p] >= 2]
        if shareable:
            groups[min(shareable, key=prob.sort_key)].append(i)
        else:
            loose.append(i)
    blocks: list[list[int]] = []
    small: list[int] = []
    for anchor in sorted(groups, key=prob.sort_key):

        def order(i: int, anchor: str = anchor) -> tuple[tuple[str, ...], float, int]:
            others = (p for p in prob.pains[i] if p != anchor and count[p] >= 2)
            return (tuple(sorted(others, key=prob.sort_key)), prob.tz[i], i)

        group = sorted(groups[anchor], key=order)
        if len(group) > size:
            blocks.extend(_chunks(group, size))
            continue
        if len(small) + len(group) > size:
            blocks.append(small)
            small = []
        small.extend(group)
    if small:
        blocks.append(small)
    return blocks, loose


def _tz_slices(prob: _Problem, members: list[int]) -> list[list[int]]:
    ordered = sorted(members, key=lambda i: (prob.tz[i], i))
    return _chunks(ordered, _block_size(prob, len(members)))


def _match_set(prob: _Problem, members: list[int], depth: int = 0) -> tuple[list[Pair], list[int]]:
    """Pairs within `members`; and the members paired in a pool (depth > 0): those a block could
    not place, matched again among themselves (by anchor, then by time zone)."""
    if len(members) <= prob.w.exact_max:
        pairs = _match_block(prob, members, complete=True)
        return pairs, [i for p in pairs for i in p] if depth else []
    blocks, left = _partition(prob, members) if depth <= 1 else (_tz_slices(prob, members), [])
    pairs = []
    for block in blocks:
        found = _match_block(prob, block, complete=False)
        pairs.extend(found)
        placed = {i for p in found for i in p}
        left.extend(i for i in block if i not in placed)
    pooled = [i for p in pairs for i in p] if depth else []
    if len(left) >= 2 and depth < 3 and (depth < 2 or len(left) < len(members)):
        more, more_pooled = _match_set(prob, sorted(left), depth + 1)
        pairs.extend(more)
        pooled.extend(more_pooled)
    return pairs, pooled


# --- improvement: 2-by-2 swaps along cross-block edges --------------------------------------------
def _neighbours(prob: _Problem, members: Sequence[int], among: Sequence[int]) -> dict[int, list[int]]:
    """For each of `members`, the members of `among` worth a look: those sharing a pain point,
    `window` either side in that pain point's time-zone order (all of them for a rare one)."""
    w = prob.w
    postings: dict[str, list[int]] = defaultdict(list)
    for j in among:
        for p in prob.pains[j]:
            postings[p].append(j)
    position: dict[str, dict[int, int]] = {}
    for p, lst in postings.items():
        lst.sort(key=lambda j: (prob.tz[j], j))
        position[p] = {j: x for x, j in enumerate(lst)}
    near: dict[int, list[int]] = {}
    for i in members:
        seen: set[int] = set()
        for p in sorted(prob.pains[i]):
            lst = postings.get(p, [])
            if len(lst) <= 2 * w.window + 1:
                seen.update(lst)
                continue
            at = position[p].get(i)
            if at is None:
                at = _bisect_tz(prob, lst, prob.tz[i])
            for d in range(-w.window, w.window + 1):
                seen.add(lst[(at + d) % len(lst)])  # around the clock
        seen.discard(i)
        near[i] = sorted(seen)
    return near


def _bisect_tz(prob: _Problem, lst: list[int], tz: float) -> int:
    lo, hi = 0, len(lst)
    while lo < hi:
        mid = (lo + hi) // 2
        if prob.tz[lst[mid]] < tz:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _improve(prob: _Problem, pairs: list[Pair], focus: list[int]) -> list[Pair]:
    """Swap partners two pairs at a time, (a,b)+(c,d) -> (a,c)+(b,d), while the total grows, for
    the members of `focus` and the candidates their pain points lead to across all blocks."""
    if not focus or prob.w.improve_rounds <= 0:
        return pairs
    mate: dict[int, int] = {}
    for i, j in pairs:
        mate[i], mate[j] = j, i
    cache: dict[Pair, float | None] = {}

    def wt(i: int, j: int) -> float | None:
        key = (i, j) if i < j else (j, i)
        if key not in cache:
            cache[key] = prob.weight(i, j)
        return cache[key]

    near = _neighbours(prob, sorted(set(focus) & set(mate)), sorted(mate))
    for _ in range(prob.w.improve_rounds):
        changed = False
        for a in sorted(near):
            for c in near[a]:
                b, d = mate[a], mate[c]
                if c == b:
                    continue
                ac, bd = wt(a, c), wt(b, d)
                if ac is None or bd is None:
                    continue
                ab, cd = wt(a, b), wt(c, d)
                assert ab is not None and cd is not None
                if ac + bd > ab + cd + 1e-9:
                    mate[a], mate[c], mate[b], mate[d] = c, a, d, b
                    changed = True
        if not changed:
            break
    return sorted({(min(i, j), max(i, j)) for i, j in mate.items()})


# --- repair: place more members if pruning hid the way -------------------------------------------
def _repair(prob: _Problem, pairs: list[Pair]) -> list[Pair]:
    placed = {i for p in pairs for i in p}
    left = [i for i in range(prob.n) if i not in placed]
    if len(left) < 2:
        return pairs
    mate: dict[int, int] = {}
    for i, j in pairs:
        mate[i], mate[j] = j, i
    reach = 2 * prob.w.top_k
    area = set(left)
    for i in left:  # each unplaced member's best allowed partners, and those partners' mates
        row = sorted(
            ((wt, j) for j in range(prob.n) if (wt := prob.weight(i, j)) is not None),
            key=lambda t: (-t[0], t[1]),
        )
        for _, j in row[:reach]:
            area.add(j)
            if j in mate:
                area.add(mate[j])
        if len(area) > prob.w.max_block:
            break
    inside = [p for p in pairs if p[0] in area and p[1] in area]
    redo = _match_block(prob, sorted(area), complete=len(area) <= prob.w.exact_max)
    if len(redo) <= len(inside):
        return pairs
    keep = [p for p in pairs if not (p[0] in area and p[1] in area)]
    return sorted(keep + redo)


# --- the plan -----------------------------------------------------------------------------------
def _trio(prob: _Problem, pairs: list[Pair], left: list[int]) -> tuple[int, Pair] | None:
    """The unplaced member and pair maximising w(x,a) + w(x,b), both edges possible."""
    best: tuple[float, int, Pair] | None = None
    for x in left:
        for a, b in pairs:
            wa = prob.weight(x, a)
            if wa is None:
                continue
            wb = prob.weight(x, b)
            if wb is None:
                continue
            if best is None or wa + wb > best[0]:
                best = (wa + wb, x, (a, b))
    return None if best is None else (best[1], best[2])


def _trio_by_swap(
    prob: _Problem, pairs: list[Pair], x: int, tries: int = 20
) -> tuple[list[Pair], int] | None:
    """When the odd member out fits no pair: pair them with someone whose partner then fits a
    trio. Returns the new pairs and the member who becomes the third."""
    options = []
    for pair in pairs:
        for a, b in (pair, pair[::-1]):
            wt = prob.weight(x, a)
            if wt is not None:
                options.append((-wt, a, b))
    options.sort()
    for _, a, b in options[:tries]:
        rest = [p for p in pairs if a not in p]
        if _trio(prob, rest, [b]) is not None:
            return sorted([*rest, (min(x, a), max(x, a))]), b
    return None


def _settle(prob: _Problem, pairs: list[Pair]) -> tuple[list[Pair], tuple[int, Pair] | None, list[int]]:
    """The trio, if anyone is left over, and who is still unplaced after it."""
    placed = {i for p in pairs for i in p}
    left = [i for i in range(prob.n) if i not in placed]
    if not left or not pairs:
        return pairs, None, left
    trio = _trio(prob, pairs, left)
    if trio is None and len(left) == 1:
        swapped = _trio_by_swap(prob, pairs, left[0])
        if swapped is not None:
            pairs, third = swapped
            trio = _trio(prob, pairs, [third])
            left = [third]
    if trio is None and prob.n <= prob.w.exact_max:
        # Nobody left over fits a pair: leave out someone who does instead. The most flexible
        # members (most possible partners) are tried as the third, the rest matched exactly.
        edges = _block_edges(prob, list(range(prob.n)))
        partners = Counter(i for e in edges for i in e[:2])
        for x in sorted(range(prob.n), key=lambda i: (-partners[i], i))[: prob.w.third_tries]:
            rest = _blossom([i for i in range(prob.n) if i != x], [e for e in edges if x not in e[:2]])
            found = _trio(prob, rest, [x])
            if found is not None and 2 * len(rest) + 1 > 2 * len(pairs):
                placed = {i for p in rest for i in p} | {x}
                return rest, found, [i for i in range(prob.n) if i not in placed]
    if trio is not None:
        left.remove(trio[0])
    return pairs, trio, left


def _group(prob: _Problem, members: Sequence[int]) -> Group:
    weight = 0.0
    for x, i in enumerate(members):
        for j in members[x + 1 :]:
            wt = prob.weight(i, j)
            assert wt is not None
            weight += wt
    shared = frozenset.intersection(*(prob.pains[i] for i in members))
    return Group(
        members=tuple(sorted(prob.cands[i].member_id for i in members)),
        shared_pains=tuple(sorted(shared, key=prob.sort_key)),
        weight=weight,
    )


def plan_matches(
    candidates: Sequence[Candidate],
    recent: Mapping[frozenset[int], int] | None = None,
    weights: Weights | None = None,
    pain_counts: Mapping[str, int] | None = None,
) -> MatchPlan:
    """This week's groups: pairs, and one trio when the count is odd. `recent` maps a past pair
    to how many weeks ago it met; `pain_counts` how many candidates (or answers) have each pain
    point, for rarity (default: counted on `candidates`)."""
    w = weights or DEFAULT_WEIGHTS
    cands = sorted(candidates, key=lambda c: c.member_id)
    ids = [c.member_id for c in cands]
    if len(set(ids)) != len(ids):
        raise ValueError("a member is among the candidates twice")
    if pain_counts is None:
        pain_counts = Counter(p for c in cands for p in c.pains)
    rarity = rarity_of((p for c in cands for p in c.pains), pain_counts)
    prob = _Problem(cands, rarity, recent or {}, w)
    if prob.n < 2:
        return MatchPlan(groups=(), unmatched=tuple(Unmatched(c.member_id, "alone") for c in cands))

    pairs, pooled = _match_set(prob, list(range(prob.n)))
    pairs = _improve(prob, pairs, pooled)
    pairs = _repair(prob, pairs)

    pairs, trio, left = _settle(prob, pairs)
    groups = []
    for a, b in pairs:
        if trio is not None and trio[1] == (a, b):
            groups.append(_group(prob, (a, b, trio[0])))
        else:
            groups.append(_group(prob, (a, b)))
    return MatchPlan(
        groups=tuple(sorted(groups, key=lambda g: g.members)),
        unmatched=tuple(Unmatched(prob.cands[i].member_id, "avoided") for i in left),
    )
