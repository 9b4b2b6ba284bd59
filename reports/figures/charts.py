"""Charts drawn on the server as SVG geometry (no script, no library, nothing fetched): the template draws what
these functions measure. Each chart on a page comes with a table of the same numbers."""

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_RIGHT = 56, 28, 12, 12  # as drawn left to right
LABEL_GAP = 6  # between the y-axis labels and the plot


@dataclass
class Series:
    key: str
    label: str
    points: str  # the SVG polyline's "x,y x,y …"
    last: int


@dataclass
class LineChart:
    width: int
    height: int
    series: list
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, label)
    band: str  # the polygon between a low and a high series, if any
    grid_from: float  # where the gridlines start and end (the plot's two sides)
    grid_to: float
    y_label_x: float  # where the y-axis labels are anchored, and how
    y_label_anchor: str


def cumulative_chart(rows, series, rtl=False):
    """A line per (key, label) in `series` over `rows` (one per month, with the keys' cumulative values), and
    the band between the first two lines when they are a range's low and high ends. `rtl` mirrors it for a page
    read right to left: time runs from the right, the y-axis and its labels on the right, the legend's series
    (the template's list, laid out by the page's direction) unchanged; the numbers stay Western digits."""
    if not rows:
        return None
    top = max(max(row[key] for row in rows) for key, _label in series) or 1
    step = nice_step(top)
    top = step * -(-top // step)  # round up to a whole step
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    # The axis side's margin is at the start of the reading direction: on the left, or on the right when `rtl`.
    start = WIDTH - MARGIN_LEFT if rtl else MARGIN_LEFT
    direction = -1 if rtl else 1

    def x(index):
        return start + direction * (plot_width * index / (len(rows) - 1) if len(rows) > 1 else plot_width / 2)

    def y(value):
        return MARGIN_TOP + plot_height * (1 - value / top)

    lines = [
        Series(key, label, " ".join(f"{x(i):.1f},{y(row[key]):.1f}" for i, row in enumerate(rows)), rows[-1][key])
        for key, label in series
    ]
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        series=lines,
        y_ticks=[(round(y(value), 1), f"{value:,}") for value in range(0, top + 1, step)],
        x_ticks=year_ticks(rows, x),
        band=band(lines[1], lines[2]) if len(lines) >= 3 else "",
        grid_from=start,
        grid_to=0 if rtl else WIDTH,
        y_label_x=start - direction * LABEL_GAP,
        y_label_anchor="start" if rtl else "end",
    )


def band(low, high):
    return f"{low.points} {' '.join(reversed(high.points.split()))}"


def nice_step(top, ticks=4):
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` gridlines up to `top`."""
    rough = max(top / ticks, 1)
    magnitude = 10 ** (len(str(int(rough))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= rough:
            return int(factor * magnitude)
    return int(10 * magnitude)


def year_ticks(rows, x):
    """A label at each January (or at the first month, for a short period)."""
    ticks = [(round(x(i), 1), row["month"][:4]) for i, row in enumerate(rows) if row["month"].endswith("-01")]
    return ticks or [(round(x(0), 1), rows[0]["month"])]
