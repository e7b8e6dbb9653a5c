"""Where each bar of an admin chart goes: numbers in, coordinates out; the SVG itself is drawn by templates.

Two shapes cover the dashboard: columns over days (a time series) and ranked horizontal bars (galleries,
photos). Every chart keeps its rows, so the template can give the same figures as a table.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

COLUMNS_WIDTH, COLUMNS_HEIGHT = 720, 220
COLUMNS_MARGIN = {"left": 52, "right": 8, "top": 14, "bottom": 30}
BARS_WIDTH, BAR_ROW, BAR_LABEL = 720, 30, 300
BARS_VALUE_ROOM = 70


@dataclass(frozen=True)
class Datum:
    """One row of a chart: a day, a gallery or a photo, its value, and where that thing is worked on."""

    label: str | datetime.date
    value: int
    url: str = ""
    extra: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bar:
    label: str | datetime.date
    value: int
    url: str
    x: float
    y: float
    width: float
    height: float
    text_x: float = 0
    text_y: float = 0
    tick: bool = False  # columns: this day is named under the axis


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass
class Chart:
    key: str
    title: str
    unit: str
    shape: str  # "columns" or "bars"
    label_heading: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    extra_headings: tuple[str, ...] = ()
    rows: list[Datum] = field(default_factory=list)
    plot_left: float = 0
    plot_right: float = 0
    baseline: float = 0

    @cached_property
    def total(self) -> int:
        return sum(row.value for row in self.rows)

    @cached_property
    def peak(self) -> Datum | None:
        best = max(self.rows, key=lambda row: row.value, default=None)
        return best if best is not None and best.value > 0 else None

    @property
    def is_empty(self) -> bool:
        return self.peak is None

    @property
    def by_day(self) -> bool:
        return self.shape == "columns"

    @property
    def label_x(self) -> float:
        """Where the labels left of the plot end: tick values for columns, names for bars."""
        return self.plot_left - 8


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 times a power of ten at or above `value`: axis ends that read as round numbers."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover -- the loop always returns


def columns(*, key: str, title: str, unit: str, rows: Sequence[Datum], extra_headings: tuple[str, ...] = ()) -> Chart:
    """A column per day, oldest on the left; every seventh day counted back from the last is named."""
    left, right, top, bottom = (COLUMNS_MARGIN[side] for side in ("left", "right", "top", "bottom"))
    plot_width = COLUMNS_WIDTH - left - right
    plot_height = COLUMNS_HEIGHT - top - bottom
    ceiling = nice_ceiling(max((row.value for row in rows), default=0))
    slot = plot_width / max(len(rows), 1)
    bars = []
    for index, row in enumerate(rows):
        height = round(row.value / ceiling * plot_height, 2)
        bars.append(
            Bar(
                label=row.label,
                value=row.value,
                url=row.url,
                x=round(left + index * slot + slot * 0.125, 2),
                y=round(top + plot_height - height, 2),
                width=round(slot * 0.75, 2),
                height=height,
                text_x=round(left + index * slot + slot / 2, 2),
                text_y=COLUMNS_HEIGHT - 10,
                tick=(len(rows) - 1 - index) % 7 == 0,
            )
        )
    values = [0, ceiling // 2, ceiling] if ceiling >= 2 and ceiling % 2 == 0 else [0, ceiling]
    ticks = [Tick(value=v, y=round(top + plot_height - v / ceiling * plot_height, 2)) for v in values]
    return Chart(
        key=key,
        title=title,
        unit=unit,
        shape="columns",
        label_heading="Day",
        width=COLUMNS_WIDTH,
        height=COLUMNS_HEIGHT,
        bars=bars,
        ticks=ticks,
        extra_headings=extra_headings,
        rows=list(rows),
        plot_left=left,
        plot_right=COLUMNS_WIDTH - right,
        baseline=top + plot_height,
    )


def bars(*, key: str, title: str, unit: str, label_heading: str, rows: Sequence[Datum]) -> Chart:
    """A horizontal bar per row, in the order given, each labelled on its left and valued on its right."""
    span = BARS_WIDTH - BAR_LABEL - BARS_VALUE_ROOM
    ceiling = max((row.value for row in rows), default=0) or 1
    drawn = []
    for index, row in enumerate(rows):
        width = round(row.value / ceiling * span, 2)
        y = index * BAR_ROW + 4
        drawn.append(
            Bar(
                label=row.label,
                value=row.value,
                url=row.url,
                x=BAR_LABEL,
                y=y,
                width=width,
                height=BAR_ROW - 10,
                text_x=round(BAR_LABEL + width + 6, 2),
                text_y=y + (BAR_ROW - 10) / 2 + 5,
            )
        )
    return Chart(
        key=key,
        title=title,
        unit=unit,
        shape="bars",
        label_heading=label_heading,
        width=BARS_WIDTH,
        height=max(len(rows), 1) * BAR_ROW + 8,
        bars=drawn,
        rows=list(rows),
        plot_left=BAR_LABEL,
        plot_right=BARS_WIDTH - BARS_VALUE_ROOM,
    )
