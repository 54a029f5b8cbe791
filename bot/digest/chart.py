"""The digest's trend chart: answers per pain point per week, as PNG bytes.

Uses `matplotlib.figure.Figure` with the Agg canvas directly, never pyplot: no global figure
registry, no display, safe to call from the scheduler's and Bolt's threads at once. Nothing
here touches `matplotlib.rcParams`; every style choice is passed explicitly."""

import io
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator

# Lines drawn at most; past this the smallest series are summed into one "Other" line.
MAX_LINES = 8
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.0, 120  # 1200 x 600 px: sharp in Slack, small file
# Okabe-Ito, colour-blind safe, in an order that keeps neighbours distinct.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#882255")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# A period prime to the markers': no two of the 8 lines share colour, marker and dash.
LINESTYLES = ("-", "--", "-.")
# Lines that overlap (two pain points with the same counts, or one busy week) would hide each
# other: each is nudged sideways a little, all within DODGE of its week's tick.
# Only sideways: a count is drawn at its true height, and the markers, dashes and colours
# keep equal runs apart.
DODGE = 0.24
OTHER_COLOUR = "#999999"
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#666666"
GRID_COLOUR = "#E5E5E5"
LEGEND_WRAP = 28  # characters per legend line
WEEK_KEY = re.compile(r"^(\d{4})-W(\d{1,2})$")
# DejaVu Sans ships with matplotlib; the others are used for scripts it lacks when installed.
FONT_FAMILIES = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans Arabic", "Noto Sans Devanagari")
MISSING_GLYPH = "\N{WHITE SQUARE}"


@dataclass(frozen=True)
class ChartLabels:
    """The chart's own words; the digest passes them from prompts/ (English by default)."""

    x_axis: str = "Week"
    y_axis: str = "Answers"
    other: str = "Other ({count} pain points)"
    empty: str = "No tagged answers in these weeks yet"


def render_trends_png(
    weeks: Sequence[str],
    series: Mapping[str, Sequence[int]],
    names: Mapping[str, str],
    title: str,
    *,
    labels: ChartLabels | None = None,
) -> bytes:
    """A line per pain point (slug -> counts aligned with `weeks`, oldest first), named by
    `names` (the slug where a name is missing). Never raises on odd data: short series are
    padded with zeros, long ones cut, and no data at all gives an empty chart with a note.
    The same arguments give the same bytes."""
    figure = trend_figure(weeks, series, names, title, labels=labels)
    buffer = io.BytesIO()
    # No "Software" entry: the bytes don't change with the matplotlib version's name.
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})  # type: ignore[no-untyped-call]
    figure.clear()
    return buffer.getvalue()


def trend_figure(
    weeks: Sequence[str],
    series: Mapping[str, Sequence[int]],
    names: Mapping[str, str],
    title: str,
    *,
    labels: ChartLabels | None = None,
) -> Figure:
    """The chart as a matplotlib Figure (not registered with pyplot: garbage-collected
    like any object once dropped)."""
    labels = labels or ChartLabels()
    weeks = [str(week) for week in weeks]
    lines = _fold(_aligned(series, len(weeks)), names, labels)

    layout = ConstrainedLayoutEngine(w_pad=0.12, h_pad=0.12)
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout=layout, facecolor="white")
    axes = figure.add_subplot()
    families = list(_fonts()[0])
    _style(axes, title, labels, families)
    peak = max((max(counts, default=0) for _, counts, _ in lines), default=0)
    # Whole answers only; at least 0..5 so a quiet week doesn't look like a spike.
    top = max(5, math.ceil(peak * 1.1))
    for index, (label, counts, is_other) in enumerate(lines):
        nudge = _offset(index, len(lines))
        axes.plot(
            [week + nudge for week in range(len(weeks))],
            list(counts),
            label=label,
            color=OTHER_COLOUR if is_other else PALETTE[index % len(PALETTE)],
            marker="o" if is_other else MARKERS[index % len(MARKERS)],
            linestyle=":" if is_other else LINESTYLES[index % len(LINESTYLES)],
            linewidth=2.0,
            markersize=5.5,
            markeredgecolor="white",  # a marker drawn over another stays visible as its own
            markeredgewidth=0.8,
            zorder=2 if is_other else 3,
        )
    _x_axis(axes, weeks)
    # Room below zero for markers drawn at zero.
    axes.set_ylim(-top * 0.04, top)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=3))
    if lines:
        figure.legend(
            loc="outside right upper",
            frameon=False,
            prop=FontProperties(family=families, size=9),
            labelcolor=TEXT_COLOUR,
            handlelength=2.4,
        )
    else:
        axes.text(
            0.5,
            0.5,
            _drawable(labels.empty),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            fontfamily=families,
            color=MUTED_COLOUR,
        )
    return figure


def _offset(index: int, count: int) -> float:
    """Line `index` of `count`: spread evenly over [-DODGE/2, DODGE/2], none for one line."""
    if count < 2:
        return 0.0
    return DODGE * (index / (count - 1) - 0.5)


def short_week(key: str, previous: str | None) -> str:
    """ "2026-W48" -> "W48"; the year is added under the first week and at each new year."""
    match = WEEK_KEY.match(key)
    if match is None:
        return key[:10]
    year, week = match.group(1), int(match.group(2))
    previous_match = WEEK_KEY.match(previous or "")
    if previous_match is None or previous_match.group(1) != year:
        return f"W{week:02d}\n{year}"
    return f"W{week:02d}"


def _aligned(series: Mapping[str, Sequence[int]], length: int) -> dict[str, list[int]]:
    aligned = {}
    for slug, counts in series.items():
        values = [max(0, int(value or 0)) for value in list(counts)[:length]]
        aligned[str(slug)] = values + [0] * (length - len(values))
    return aligned


def _fold(
    series: dict[str, list[int]], names: Mapping[str, str], labels: ChartLabels
) -> list[tuple[str, list[int], bool]]:
    """(legend label, counts, is "Other"), busiest first; pain points with no answers in the
    window are left out, and past MAX_LINES the quietest are summed into "Other"."""
    ranked = sorted(
        ((slug, counts) for slug, counts in series.items() if any(counts)),
        key=lambda item: (-sum(item[1]), -item[1][-1], item[0]),
    )
    shown = ranked if len(ranked) <= MAX_LINES else ranked[: MAX_LINES - 1]
    lines = [(_legend_label(names.get(slug) or slug), counts, False) for slug, counts in shown]
    rest = ranked[len(shown) :]
    if rest:
        summed = [sum(values) for values in zip(*(counts for _, counts in rest), strict=True)]
        lines.append((_drawable(labels.other.format(count=len(rest))), summed, True))
    return lines


def _legend_label(name: str) -> str:
    name = " ".join(name.split())
    return _drawable(textwrap.fill(name, LEGEND_WRAP, max_lines=2, placeholder="…"))


def _drawable(text: str) -> str:
    """User text as matplotlib should draw it: literal dollar signs (not mathtext, whose
    parser raises on stray markup) and a visible box for characters no installed font has,
    instead of one warning per glyph."""
    covered = _fonts()[1]
    text = "".join(char if char == "\n" or ord(char) in covered else MISSING_GLYPH for char in text)
    return text.replace("$", r"\$")


@cache
def _fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """The font families to use, in fallback order, and every code point they can draw."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    families = tuple(family for family in FONT_FAMILIES if family in installed) or FONT_FAMILIES[:1]
    covered: set[int] = set()
    for family in families:
        path = font_manager.findfont(FontProperties(family=family))
        covered.update(FT2Font(path).get_charmap())
    return families, frozenset(covered)


def _style(axes: Axes, title: str, labels: ChartLabels, families: list[str]) -> None:
    axes.set_title(
        _drawable(title),
        loc="left",
        fontsize=14,
        fontweight="bold",
        color=TEXT_COLOUR,
        pad=12,
        fontfamily=families,
    )
    axes.set_xlabel(
        _drawable(labels.x_axis), fontsize=10, color=MUTED_COLOUR, labelpad=6, fontfamily=families
    )
    axes.set_ylabel(
        _drawable(labels.y_axis), fontsize=10, color=MUTED_COLOUR, labelpad=6, fontfamily=families
    )
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.8, zorder=0)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#BBBBBB")
    axes.tick_params(colors=MUTED_COLOUR, labelsize=9, length=3)


def _x_axis(axes: Axes, weeks: list[str]) -> None:
    if not weeks:
        axes.set_xticks([])
        axes.set_xlim(-0.5, 0.5)
        return
    step = max(1, math.ceil(len(weeks) / 13))  # 12 weeks: every label
    positions = list(range(0, len(weeks), step))
    axes.set_xticks(positions)
    axes.set_xticklabels(
        [
            _drawable(short_week(weeks[i], weeks[positions[n - 1]] if n else None))
            for n, i in enumerate(positions)
        ]
    )
    axes.set_xlim(-0.4, len(weeks) - 0.6)
