"""The benchmark chart: horizontal bar panels in one SVG, written with the standard library only.

A horizontal layout keeps long labels ("twilio-stream-client (async)") readable without rotation, and
SVG keeps the file small, diffable and sharp at any zoom in the README.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 860
LABEL_WIDTH = 290
VALUE_WIDTH = 90
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 12
TITLE_HEIGHT = 46
PANEL_GAP = 28
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


@dataclass(frozen=True)
class Series:
    name: str
    color: str


@dataclass(frozen=True)
class Group:
    """One label on the left, one bar per series (None where that series has no value)."""

    label: str
    values: Sequence[float | None]
    highlight: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    series: Sequence[Series]
    groups: Sequence[Group]


def _panel_height(panel: Panel) -> int:
    bars = len(panel.series) * (BAR_HEIGHT + BAR_GAP)
    return TITLE_HEIGHT + len(panel.groups) * (bars + GROUP_GAP)


def _format(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"


def _panel(panel: Panel, top: int) -> list[str]:
    parts = [f"<text x='10' y='{top + 18}' {FONT} font-size='15' font-weight='bold'>{escape(panel.title)}</text>"]
    legend_x = 10
    for series in panel.series:
        parts.append(f"<rect x='{legend_x}' y='{top + 28}' width='10' height='10' fill='{series.color}'/>")
        parts.append(f"<text x='{legend_x + 14}' y='{top + 37}' {FONT} font-size='11'>{escape(series.name)}</text>")
        legend_x += 24 + 7 * len(series.name)
    largest = max((v for group in panel.groups for v in group.values if v is not None), default=0.0) or 1.0
    bar_room = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 10
    y = top + TITLE_HEIGHT
    for group in panel.groups:
        group_height = len(panel.series) * (BAR_HEIGHT + BAR_GAP)
        weight = "bold" if group.highlight else "normal"
        parts.append(
            f"<text x='{LABEL_WIDTH - 8}' y='{y + group_height / 2 + 4:.0f}' {FONT} font-size='12' "
            f"font-weight='{weight}' text-anchor='end'>{escape(group.label)}</text>"
        )
        for series, value in zip(panel.series, group.values, strict=True):
            if value is not None:
                length = max(1.0, bar_room * value / largest)
                bar = f"x='{LABEL_WIDTH}' y='{y}' width='{length:.1f}' height='{BAR_HEIGHT}'"
                parts.append(f"<rect {bar} fill='{series.color}'/>")
                parts.append(
                    f"<text x='{LABEL_WIDTH + length + 4:.1f}' y='{y + BAR_HEIGHT - 3}' {FONT} font-size='11'>"
                    f"{escape(_format(value, panel.unit))}</text>"
                )
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP
    return parts


def render(panels: Sequence[Panel], caption: str) -> str:
    """One SVG document with the panels stacked and a caption (machine, date) at the bottom."""
    parts: list[str] = []
    top = 10
    for panel in panels:
        parts.extend(_panel(panel, top))
        top += _panel_height(panel) + PANEL_GAP
    parts.append(f"<text x='10' y='{top}' {FONT} font-size='11' fill='#555'>{escape(caption)}</text>")
    height = top + 14
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
        f"viewBox='0 0 {WIDTH} {height}' role='img'>\n"
        f"<rect width='100%' height='100%' fill='white'/>\n" + "\n".join(parts) + "\n</svg>\n"
    )
