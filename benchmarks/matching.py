"""How fast and how good the weekly matching is, on realistic synthetic members.

Run: python -m benchmarks.matching [--sizes 200,1000,5000,20000] [--exact-max 1000]
     [--reference-max 0] [--repeat 3] [--seed 7]

Members: pain points drawn with a realistic skew from the six seed slugs plus a long tail of 80
rarer ones (Zipf), 1-3 each; ~70 countries of uneven size, each with its UTC offset (-8 .. +12,
some half hours) and 3-8 agencies; support scores 1-5 (a fifth unanswered); 3% left out last
time; ~40% met someone like them (same pain point, nearby time zone) 1-10 weeks ago; 1% keep a
"don't match me with" list, mostly naming a colleague from their own country.

Figures, per size: wall time of `plan_matches` (best of `--repeat` runs), the peak memory it
allocates (tracemalloc, in a separate run: tracing slows Python down), the share of members
placed, trios, members unmatched, pairs repeated within the cooldown, and the total weight as a
ratio to the exact optimum: networkx `max_weight_matching` (maximum cardinality) on the COMPLETE
graph with the same weights, plus the same trio rule. That costs ~n^3 (200: 2 s; 500: ~25 s;
1,000: ~3 min), so it runs up to `--exact-max` and reads "not computed" beyond.

`--reference-max N` adds, up to N members, a near-exact reference where the exact run is out of
reach: blossom on a sparse graph holding every pair within 15 places of each other in each pain
point's time-zone order, the 5 nearest in time zone overall, and the plan's own pairs (5,000:
~4 min). It is a feasible matching, so the ratio to it is an upper bound on the plan's quality;
at 1,000 members it reaches 99.9% of the exact optimum."""

import argparse
import itertools
import math
import random
import time
import tracemalloc
from collections import Counter

import networkx as nx

from benchmarks.common import SEED_SHARES
from bot.matching.algorithm import Weights, pair_weight, plan_matches, rarity_of
from bot.matching.model import Candidate, MatchPlan

SEEDS = SEED_SHARES
TAIL = [f"tail_{k:02d}" for k in range(80)]  # rarer pain points, Zipf-distributed
TAIL_SHARE = 0.25
OFFSETS = [-8, -7, -6, -5, -4, -3, -3, -5, -6, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5.5, 5.75, 6, 7, 7, 8]
OFFSETS += [9, 10, 12]  # UTC offsets of the countries (drawn with repetition: some are common)


def synthetic(n: int, seed: int) -> tuple[list[Candidate], dict[frozenset[int], int]]:
    rnd = random.Random(seed)
    slugs = list(SEEDS) + TAIL
    tail_weights = [1.0 / (k + 1) for k in range(len(TAIL))]
    scale = TAIL_SHARE / sum(tail_weights)
    probs = [v * (1 - TAIL_SHARE) / sum(SEEDS.values()) for v in SEEDS.values()] + [
        t * scale for t in tail_weights
    ]
    countries = [(f"C{k:02d}", rnd.choice(OFFSETS), rnd.randint(3, 8)) for k in range(70)]
    sizes = [1.0 / (k + 3) ** 0.6 for k in range(len(countries))]  # a few big, many small
    members = []
    for i in range(n):
        name, offset, agencies = rnd.choices(countries, weights=sizes)[0]
        count = rnd.choices([1, 2, 3], weights=[0.45, 0.38, 0.17])[0]
        pains: set[str] = set()
        while len(pains) < count:
            pains.add(rnd.choices(slugs, weights=probs)[0])
        score = rnd.choices([None, 1, 2, 3, 4, 5], weights=[0.2, 0.05, 0.1, 0.25, 0.25, 0.15])[0]
        members.append(
            Candidate(
                member_id=1000 + i,
                pains=frozenset(pains),
                country=name,
                agency=f"{name}-A{rnd.randrange(agencies)}",
                utc_offset_hours=float(offset),
                support_score=score,
                left_out_last_time=rnd.random() < 0.03,
            )
        )
    by_pain: dict[str, list[Candidate]] = {}
    for c in members:
        for p in c.pains:
            by_pain.setdefault(p, []).append(c)
    recent: dict[frozenset[int], int] = {}
    for c in members:  # past partners resemble this week's best ones: same pain point, nearby
        if rnd.random() < 0.4:
            pool = by_pain[sorted(c.pains)[0]]
            other = pool[rnd.randrange(len(pool))]
            if other is not c and abs(other.utc_offset_hours - c.utc_offset_hours) <= 3:
                recent[frozenset((c.member_id, other.member_id))] = rnd.randint(1, 10)
    by_country: dict[str, list[int]] = {}
    for c in members:
        by_country.setdefault(c.country or "", []).append(c.member_id)
    out = []
    for c in members:
        if rnd.random() < 0.01:
            same = by_country[c.country or ""]
            avoid = {rnd.choice(same) if rnd.random() < 0.7 else 1000 + rnd.randrange(n)}
            avoid.discard(c.member_id)
            c = Candidate(**{**c.__dict__, "avoid": frozenset(avoid)})
        out.append(c)
    return out, recent


class _Graph(nx.Graph):
    """networkx's graph, but `G[u]` returns the adjacency dict itself rather than a read-only
    view: the same algorithm on the same graph, ~30% faster (the exact run spends most of its
    time looking up edge weights)."""

    def __getitem__(self, n):  # type: ignore[no-untyped-def]
        return self._adj[n]


def _weights_of(cands: list[Candidate], recent: dict[frozenset[int], int], w: Weights):
    rarity = rarity_of((p for c in cands for p in c.pains), Counter(p for c in cands for p in c.pains))
    return lambda i, j: pair_weight(cands[i], cands[j], rarity, recent, w)


def _with_trio(weights: dict[tuple[int, int], float], graph: nx.Graph, n: int) -> float:
    """The maximum-cardinality matching's weight plus the same trio rule as the algorithm's."""
    pairs = sorted((min(p), max(p)) for p in nx.max_weight_matching(graph, maxcardinality=True))
    placed = {i for p in pairs for i in p}
    best = None
    for x in (i for i in range(n) if i not in placed):
        for a, b in pairs:
            wa, wb = weights.get((min(x, a), max(x, a))), weights.get((min(x, b), max(x, b)))
            if wa is not None and wb is not None and (best is None or wa + wb > best):
                best = wa + wb
    return sum(weights[p] for p in pairs) + (best or 0.0)


def _solve(weights: dict[tuple[int, int], float], n: int) -> float:
    graph = _Graph()
    graph.add_nodes_from(range(n))
    shift = max(0.0, -min(weights.values(), default=0.0)) + 1.0  # changes no max-cardinality choice
    graph.add_weighted_edges_from((i, j, wt + shift) for (i, j), wt in sorted(weights.items()))
    return _with_trio(weights, graph, n)


def exact_optimum(cands: list[Candidate], recent: dict[frozenset[int], int], w: Weights) -> float:
    weigh = _weights_of(cands, recent, w)
    weights = {}
    for i in range(len(cands)):
        for j in range(i + 1, len(cands)):
            wt = weigh(i, j)
            if wt is not None:
                weights[(i, j)] = wt
    return _solve(weights, len(cands))


def reference(
    cands: list[Candidate], recent: dict[frozenset[int], int], w: Weights, plan: MatchPlan
) -> float:
    weigh = _weights_of(cands, recent, w)
    weights: dict[tuple[int, int], float] = {}

    def add(i: int, j: int) -> None:
        key = (min(i, j), max(i, j))
        if i != j and key not in weights and (wt := weigh(*key)) is not None:
            weights[key] = wt

    postings: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        for p in c.pains:
            postings.setdefault(p, []).append(i)
    by_tz = sorted(range(len(cands)), key=lambda i: (cands[i].utc_offset_hours, i))
    rank = {i: r for r, i in enumerate(by_tz)}
    for lst, reach in [*((sorted(v, key=rank.__getitem__), 15) for v in postings.values()), (by_tz, 5)]:
        for x, i in enumerate(lst):
            for d in range(1, min(reach, len(lst) - 1) + 1):
                add(i, lst[(x + d) % len(lst)])
    index = {c.member_id: i for i, c in enumerate(cands)}
    for g in plan.groups:
        for a, b in itertools.combinations(g.members, 2):
            add(index[a], index[b])
    return _solve(weights, len(cands))


def repeats(plan: MatchPlan, recent: dict[frozenset[int], int], w: Weights) -> int:
    count = 0
    for g in plan.groups:
        for x, a in enumerate(g.members):
            for b in g.members[x + 1 :]:
                weeks = recent.get(frozenset((a, b)))
                count += weeks is not None and weeks <= w.cooldown_weeks
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,5000,20000")
    parser.add_argument("--exact-max", type=int, default=1000, help="largest size solved exactly")
    parser.add_argument("--reference-max", type=int, default=0, help="largest size given the reference")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size up to 5,000 (best shown)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    w = Weights()
    header = (
        f"{'members':>8} {'time s':>7} {'peak MB':>8} {'placed':>8} {'trios':>5} {'unmatched':>9} "
        f"{'repeats':>7} {'weight':>10}  {'/ optimum':<24} {'/ reference':<20}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for n in (int(s) for s in args.sizes.split(",")):
        cands, recent = synthetic(n, args.seed)
        seconds = math.inf
        for _ in range(max(1, args.repeat if n <= 5000 else 1)):
            started = time.perf_counter()
            plan = plan_matches(cands, recent, w)
            seconds = min(seconds, time.perf_counter() - started)
        tracemalloc.start()
        again = plan_matches(cands, recent, w)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        assert again == plan, "not deterministic"
        placed = sum(len(g.members) for g in plan.groups)
        trios = sum(len(g.members) == 3 for g in plan.groups)
        ratio = ref = "not computed"
        if n <= args.exact_max:
            started = time.perf_counter()
            optimum = exact_optimum(cands, recent, w)
            ratio = f"{plan.total_weight / optimum:.4f} ({time.perf_counter() - started:.0f} s)"
        if n <= args.reference_max:
            started = time.perf_counter()
            best = reference(cands, recent, w, plan)
            ref = f"{plan.total_weight / best:.4f} ({time.perf_counter() - started:.0f} s)"
        print(
            f"{n:>8} {seconds:>7.2f} {peak:>8.1f} {placed / n:>8.2%} {trios:>5} {len(plan.unmatched):>9} "
            f"{repeats(plan, recent, w):>7} {plan.total_weight:>10.1f}  {ratio:<24} {ref:<20}",
            flush=True,
        )


if __name__ == "__main__":
    main()
