"""Geometry for the dashboard's server-drawn SVG bar chart (no JavaScript needed)."""

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 8, 24, 12


@dataclass
class Bar:
    day: date
    amount_minor: int
    x: float
    y: float
    width: float
    height: float
    label_day: bool  # whether the x axis names this day


@dataclass
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    peak_minor: int
    total_minor: int


def bar_chart(series: list[tuple[date, int]]) -> BarChart:
    """Lay out one bar per day, scaled to the highest day; every seventh day is labelled."""
    peak = max((amount for _, amount in series), default=0)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - 2 * LEFT) / max(len(series), 1)
    bars = []
    for index, (day, amount) in enumerate(series):
        height = plot_height * amount / peak if peak else 0
        bars.append(
            Bar(
                day=day,
                amount_minor=amount,
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label_day=(len(series) - 1 - index) % 7 == 0,
            )
        )
    total = sum(amount for _, amount in series)
    return BarChart(bars, WIDTH, HEIGHT, HEIGHT - BOTTOM, peak, total)
