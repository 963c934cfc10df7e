"""Bar charts drawn as SVG on the server: no script and no chart library in the browser.

Each chart is an image with a name (`role="img"`, a `<title>` and a `<desc>`); the page shows the
same figures in a table beside it, so nothing is only in the picture. The bars are laid out in
`em` down the page and in `%` across it, without a viewBox: the text keeps the page's own size
(18 px, or larger with the larger-text switch) and the bars fit any width, a phone's too.

Each figure is written out in words above its bar ("高风险 3"), so no series is told by its colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Fills with at least 3:1 contrast on white (WCAG 1.4.11), one per series in turn.
FILLS = ("#0a4a96", "#a4141b", "#1b5e20", "#6a3d9a", "#8a4b00", "#3d3d3d", "#005f6b", "#7a1f5c")
INK = "#1b1b1b"
HEADING = 1.6  # em: a group's name
LABEL = 1.4  # em: a series' name and figure
BAR = 1.0  # em: the bar itself
GAP = 0.5  # em: after each bar


@dataclass(frozen=True)
class Group:
    """One row of the chart's data (a station, a month, a department): a figure per series."""

    label: str
    values: Sequence[float]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _em(value: float) -> str:
    return f"{value:.2f}em"


def bar_chart(
    *, chart_id: str, title: str, desc: str, series: Sequence[str], groups: Sequence[Group], empty: str
) -> Markup:
    """Horizontal bars, one per series in each group, as long as its share of the largest figure.

    `series` names the figures of every group, in order; with nothing to draw (no groups, or every
    figure zero) the chart says `empty` instead of drawing bars of nothing."""
    largest = max((value for group in groups for value in group.values), default=0)
    parts: list[str] = []
    y = 0.0
    if largest <= 0:
        y += LABEL
        parts.append(f'<text x="0" y="{_em(y - 0.35)}" fill="{INK}">{escape(empty)}</text>')
    else:
        for group in groups:
            if len(groups) > 1 or len(series) > 1:
                y += HEADING
                parts.append(
                    f'<text x="0" y="{_em(y - 0.4)}" fill="{INK}" font-weight="700">{escape(group.label)}</text>'
                )
            for index, (name, value) in enumerate(zip(series, group.values, strict=True)):
                y += LABEL
                parts.append(
                    f'<text x="0" y="{_em(y - 0.35)}" fill="{INK}">{escape(name)} {escape(_number(value))}</text>'
                )
                share = max(value, 0) / largest * 100
                parts.append(
                    f'<rect x="0" y="{_em(y)}" width="{share:.1f}%" height="{_em(BAR)}" '
                    f'fill="{FILLS[index % len(FILLS)]}"/>'
                )
                y += BAR + GAP
    y += GAP
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" width="100%" height="{_em(y)}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title><desc id="{escape(desc_id)}">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(parts) + "</svg>")
