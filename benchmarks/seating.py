"""How fast and how good convening seating is, on realistic synthetic attendees.

Run: python -m benchmarks.seating [--sizes 60,300,2000] [--size 6] [--repeat 3] [--seed 11]
     [--exact-cases 200]

Attendees: 30 countries of uneven size (the host country a fifth of the room, a few large
delegations, many of one or two people),
each with 2-5 agencies; pain points drawn with the community's shares from the six seed ids plus
six rarer ones (15% of mentions), 1-3 each, and 10% who named none.

A harder set follows: one pain point each, drawn from a long tail of 80 (Zipf), nobody without
one, so that group sizes leave remainders no table size divides and no one who named nothing can
fill a gap. There the bound is loose: with tables of an even size, every group of odd size
needs a table where an odd number of its members sit, and such tables pair two odd parts (a
part of one is someone alone with their pain point).

Figures, per size: wall time of `seat` (best of `--repeat`); `focus`: the share of attendees
who named a pain point seated at a table whose focus they named; its bound: the share who named a
pain point that anyone else named too (nobody else can share it); attendees with a pain point
sharing none with their table; one-country tables; same-country pairs against their lower
bound (each country spread as evenly as possible over the tables, whatever the foci);
same-agency pairs; table sizes (min-max); two-focus tables.

Then `--exact-cases` random small instances (2-10 attendees, tables of 2-6, varied countries and
pain points), each solved exactly by trying every seating (`bot/convenings/exact.py`): how many
`seat` solves optimally on the whole objective, and on the shared-focus terms alone."""

import argparse
import random
import time
from collections import Counter

from benchmarks.common import SEED_SHARES
from bot.convenings.exact import optimum
from bot.convenings.seating import Attendee, Seating, seat, table_sizes

TAIL = {f"rare_{k}": share for k, share in enumerate([0.05, 0.035, 0.025, 0.02, 0.012, 0.008])}


def synthetic(n: int, seed: int, hard: bool = False) -> list[Attendee]:
    rnd = random.Random(seed)
    shares = {**{k: v * 0.85 / sum(SEED_SHARES.values()) for k, v in SEED_SHARES.items()}, **TAIL}
    if hard:  # one pain point each, from a long tail of 80: remainders no table divides
        shares = {f"pain_{k:02d}": 1.0 / (k + 1) for k in range(80)}
    slugs, weights = list(shares), list(shares.values())
    countries = [(f"Country {k:02d}", rnd.randint(2, 5)) for k in range(30)]
    delegation = [1.0 / (k + 2) ** 0.9 for k in range(len(countries))]
    delegation[0] = sum(delegation[1:]) / 4  # the host country: a fifth of the room
    people = []
    for i in range(n):
        country, agencies = rnd.choices(countries, weights=delegation)[0]
        count = 1 if hard else rnd.choices([0, 1, 2, 3], weights=[0.10, 0.45, 0.30, 0.15])[0]
        pains: list[str] = []
        while len(pains) < count:
            slug = rnd.choices(slugs, weights=weights)[0]
            if slug not in pains:
                pains.append(slug)
        agency = f"{country} agency {rnd.randrange(agencies)}"
        people.append(Attendee(i, f"Attendee {i:04d}", country, agency, tuple(pains)))
    return people


def country_pair_bound(people: list[Attendee], tables: int) -> int:
    """Fewest same-country pairs any seating at `tables` tables can have."""
    total = 0
    for count in Counter(a.country for a in people).values():
        low, high = divmod(count, tables)
        total += high * (low + 1) * low // 2 + (tables - high) * low * (low - 1) // 2
    return total


def measure(n: int, size: int, seed: int, repeat: int, hard: bool) -> None:
    people = synthetic(n, seed, hard)
    best = float("inf")
    plan: Seating | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        plan = seat(people, size)
        best = min(best, time.perf_counter() - start)
    assert plan is not None
    named = [a for a in people if a.pains]
    demand = Counter(p for a in people for p in a.pains)
    shareable = sum(1 for a in named if any(demand[p] >= 2 for p in a.pains))
    sizes = [len(t.members) for t in plan.tables]
    seated = sorted(a.key for t in plan.tables for a in t.members)
    assert seated == sorted(a.key for a in people), "everyone seated exactly once"
    score = plan.score
    pairs = f"{score.country_pairs}/{country_pair_bound(people, len(sizes))}"
    print(
        f"{n:>6} {best:>8.3f} {score.shared / len(named):>7.1%} {shareable / len(named):>7.1%}"
        f" {score.isolated:>9} {score.one_country:>8} {pairs:>13}"
        f" {score.agency_pairs:>7} {min(sizes):>5}-{max(sizes):<3} {score.two_focus:>6}",
        flush=True,
    )  # fmt: skip


def exact_agreement(cases: int, seed: int) -> None:
    rnd = random.Random(seed)
    whole = focus = 0
    gaps: Counter[str] = Counter()
    start = time.perf_counter()
    for _ in range(cases):
        n = rnd.randint(2, 10)
        size = rnd.choice([2, 3, 4, 5, 6])
        slugs = list(SEED_SHARES)[: rnd.choice([2, 3, 4, 6])]
        countries = rnd.choice([1, 2, 3, 5])
        people = [
            Attendee(
                i,
                f"P{i}",
                f"C{rnd.randrange(countries)}",
                f"A{rnd.randrange(2)}",
                tuple(rnd.sample(slugs, min(len(slugs), rnd.choice([0, 1, 1, 2, 2, 3])))),
            )
            for i in range(n)
        ]
        got, best = seat(people, size).score, optimum(people, size)
        whole += got.key() == best.key()
        focus += got.key()[:3] == best.key()[:3]
        if got.key() != best.key():
            gaps[f"n={n} size={size} ({len(table_sizes(n, size))} tables)"] += 1
    print(
        f"exact optimum on {cases} small instances (2-10 attendees): whole objective {whole}/{cases},"
        f" shared-focus terms {focus}/{cases}"
        f" ({time.perf_counter() - start:.1f} s with the exhaustive search)"
    )
    for where, count in gaps.most_common(5):
        print(f"  not optimal: {where} x{count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60,300,2000")
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--exact-cases", type=int, default=200)
    args = parser.parse_args()
    header = (
        f"{'people':>6} {'time s':>8} {'focus':>7} {'bound':>7} {'isolated':>9} {'1-ctry':>8}"
        f" {'ctry pairs/bound':>13} {'agency':>7} {'sizes':>9} {'2-focus':>6}"
    )
    print(f"tables of about {args.size}")
    print(header)
    print("-" * len(header), flush=True)
    for hard in (False, True):
        if hard:
            print("harder: one pain point each, from a long tail of 80; nobody without one")
        for n in (int(x) for x in args.sizes.split(",")):
            measure(n, args.size, args.seed + n, args.repeat, hard)
    if args.exact_cases:
        exact_agreement(args.exact_cases, args.seed)


if __name__ == "__main__":
    main()
