"""How many hostile inputs and fault scenarios the suites exercised, for the run's summary.

Each property counts the examples hypothesis really ran (not `max_examples`, which is a
ceiling), each fault test the scenarios it played; the conftests print the totals."""

from collections import Counter

hostile_inputs: Counter[str] = Counter()
fault_scenarios: Counter[str] = Counter()
figures: Counter[str] = Counter()  # facts about a run (kinds, shapes) that are not inputs


def count_input(kind: str, n: int = 1) -> None:
    hostile_inputs[kind] += n


def note_figure(name: str, n: int) -> None:
    figures[name] += n


def count_scenario(name: str) -> None:
    fault_scenarios[name] += 1


def summary_lines(title: str, counts: Counter[str]) -> list[str]:
    if not counts:
        return []
    lines = [f"{title}: {sum(counts.values())}"]
    lines += [f"  {kind}: {n}" for kind, n in sorted(counts.items())]
    return lines
