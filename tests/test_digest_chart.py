"""The digest's trend chart: valid PNG bytes whatever the data, one legible line per pain point."""

import io
import struct
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from bot.digest.chart import MAX_LINES, ChartLabels, render_trends_png, short_week, trend_figure

WEEKS = [f"2026-W{week:02d}" for week in range(37, 49)]
TITLE = "Pain points, last 12 weeks"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def legend_texts(figure: Figure) -> list[str]:
    if not figure.legends:
        return []
    return [text.get_text() for text in figure.legends[0].get_texts()]


def lines_of(figure: Figure) -> dict[str, list[int]]:
    # Lines are nudged a little to stay apart when they overlap: read them to the answer.
    return {line.get_label(): [round(y) for y in line.get_ydata()] for line in figure.axes[0].get_lines()}


def test_png_is_valid_and_decodes() -> None:
    data = render_trends_png(WEEKS, {"time": list(range(12))}, {"time": "Lack of time"}, TITLE)
    width, height = png_size(data)
    assert (width, height) == (1200, 600)
    pixels = imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (600, 1200)
    # Something was drawn: not a blank white canvas.
    assert pixels[..., :3].min() < 0.5


def test_same_data_gives_the_same_bytes() -> None:
    series = {"time": [1, 2, 3] * 4, "funding": [0, 1] * 6}
    names = {"time": "Lack of time", "funding": "Funding"}
    assert render_trends_png(WEEKS, series, names, TITLE) == render_trends_png(WEEKS, series, names, TITLE)


def test_no_pain_points_gives_an_empty_chart_with_a_note() -> None:
    figure = trend_figure(WEEKS, {}, {}, TITLE)
    assert lines_of(figure) == {}
    assert legend_texts(figure) == []
    assert [text.get_text() for text in figure.axes[0].texts] == [ChartLabels().empty]
    assert png_size(render_trends_png(WEEKS, {}, {}, TITLE)) == (1200, 600)


@pytest.mark.parametrize(
    ("weeks", "series"),
    [
        ([], {}),
        ([], {"time": [1, 2, 3]}),
        (WEEKS, {"time": [0] * 12}),  # a pain point nobody mentioned draws no line
        (WEEKS, {"time": []}),
        (["2026-W48"], {"time": [4]}),
        (["not a week", "2026-W49"], {"time": [1]}),
    ],
)
def test_odd_or_empty_data_never_raises(weeks: list[str], series: dict[str, list[int]]) -> None:
    data = render_trends_png(weeks, series, {}, TITLE)
    assert png_size(data) == (1200, 600)
    imread(io.BytesIO(data), format="png")


def test_one_pain_point_one_line_named_in_the_legend() -> None:
    figure = trend_figure(WEEKS, {"time": [3] * 12}, {"time": "Lack of time"}, TITLE)
    assert lines_of(figure) == {"Lack of time": [3] * 12}
    assert legend_texts(figure) == ["Lack of time"]
    assert figure.axes[0].get_title(loc="left") == TITLE


def test_lines_that_overlap_stay_apart_and_look_different() -> None:
    # Four pain points with the very same counts: each line must still be seen and told apart.
    series = {slug: [2, 0, 1, 3] for slug in ("a", "b", "c", "d")}
    figure = trend_figure(WEEKS[:4], series, {}, TITLE)
    lines = figure.axes[0].get_lines()
    assert len(lines) == 4
    xs = [tuple(line.get_xdata()) for line in lines]
    assert len(set(xs)) == 4  # nudged sideways, not drawn on top of each other
    for x in xs:  # ... and each point still reads as its own week
        assert all(abs(value - week) <= 0.15 for week, value in enumerate(x))
    looks = {(line.get_color(), line.get_marker(), line.get_linestyle()) for line in lines}
    assert len(looks) == 4 and len({look[2] for look in looks}) > 1


def test_series_are_aligned_with_the_weeks() -> None:
    figure = trend_figure(WEEKS, {"short": [5, 1], "long": [2] * 20}, {}, TITLE)
    assert lines_of(figure) == {"short": [5, 1] + [0] * 10, "long": [2] * 12}


def test_twelve_pain_points_fold_the_quietest_into_other() -> None:
    # Pain point i has i+1 answers every week: p11 is the busiest, p0 the quietest.
    series = {f"p{i}": [i + 1] * 12 for i in range(12)}
    names = {f"p{i}": f"Pain {i}" for i in range(12)}
    figure = trend_figure(WEEKS, series, names, TITLE)
    lines = lines_of(figure)
    assert len(lines) == MAX_LINES
    kept = [f"Pain {i}" for i in range(11, 11 - (MAX_LINES - 1), -1)]
    other = ChartLabels().other.format(count=12 - (MAX_LINES - 1))
    assert legend_texts(figure) == [*kept, other]
    folded = sum(i + 1 for i in range(12 - (MAX_LINES - 1)))
    assert lines[other] == [folded] * 12


def test_exactly_max_lines_are_all_shown() -> None:
    series = {f"p{i}": [i + 1] * 12 for i in range(MAX_LINES)}
    figure = trend_figure(WEEKS, series, {}, TITLE)
    assert sorted(legend_texts(figure)) == sorted(series)


def test_busiest_first_ties_broken_by_latest_week_then_slug() -> None:
    series = {"b": [1, 0], "a": [1, 0], "c": [0, 1], "d": [5, 5]}
    figure = trend_figure(WEEKS[:2], series, {}, TITLE)
    assert legend_texts(figure) == ["d", "c", "a", "b"]


def test_unicode_and_markup_in_names_draw_without_warnings() -> None:
    names = {
        "es": "Falta de voluntad política",
        "fr": "Compréhension du « gouvernement ouvert »",
        "pl": "Łódź – rotacja kadr",
        "ru": "Нехватка времени",
        "ja": "行政改革",
        "money": "Budget cuts of $5 and $10",
    }
    series = {slug: [1] * 12 for slug in names}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = render_trends_png(WEEKS, series, names, "Puntos de dolor · $ · 12 semanas")
        figure = trend_figure(WEEKS, series, names, TITLE)
    assert png_size(data) == (1200, 600)
    legend = legend_texts(figure)
    assert "Falta de voluntad política" in legend
    assert "Нехватка времени" in legend
    assert r"Budget cuts of \$5 and \$10" in legend  # literal dollars, not mathtext


def test_long_names_are_wrapped_not_clipped() -> None:
    name = "Rapidly changing institutional environments after every election cycle in the region"
    figure = trend_figure(WEEKS, {"x": [1] * 12}, {"x": name}, TITLE)
    (label,) = legend_texts(figure)
    assert all(len(line) <= 28 for line in label.splitlines())
    assert len(label.splitlines()) == 2


def test_labels_can_come_from_the_prompts() -> None:
    labels = ChartLabels(x_axis="Semana", y_axis="Respuestas", other="Otros ({count})", empty="Sin datos")
    figure = trend_figure(WEEKS, {}, {}, TITLE, labels=labels)
    axes = figure.axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Semana", "Respuestas")
    assert [text.get_text() for text in axes.texts] == ["Sin datos"]


def test_y_axis_counts_whole_answers() -> None:
    figure = trend_figure(WEEKS, {"time": [0, 1, 2, 1] * 3}, {}, TITLE)
    ticks = figure.axes[0].get_yticks()
    assert all(float(tick).is_integer() for tick in ticks)


@pytest.mark.parametrize(
    ("key", "previous", "expected"),
    [
        ("2026-W48", None, "W48\n2026"),
        ("2026-W49", "2026-W48", "W49"),
        ("2027-W01", "2026-W53", "W01\n2027"),
        ("2026-W5", "2026-W04", "W05"),
        ("whatever-this-is", None, "whatever-t"),
    ],
)
def test_week_keys_are_shortened(key: str, previous: str | None, expected: str) -> None:
    assert short_week(key, previous) == expected


def test_twelve_week_labels_all_shown() -> None:
    figure = trend_figure(WEEKS, {"time": [1] * 12}, {}, TITLE)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == ["W37\n2026", *[f"W{week}" for week in range(38, 49)]]


def test_threads_render_side_by_side() -> None:
    series = {f"p{i}": [(i * week) % 7 for week in range(12)] for i in range(10)}
    expected = render_trends_png(WEEKS, series, {}, TITLE)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_trends_png(WEEKS, series, {}, TITLE), range(8)))
    assert all(result == expected for result in results)
