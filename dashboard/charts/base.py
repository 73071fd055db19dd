"""The look every figure shares: one palette, one layout, the labels of codes, levels and n,
and the marks several charts draw the same way (error bars, a dot with its interval, points
labelled with their n, a chart over a table of counts).

Palette: Okabe-Ito (Okabe & Ito 2008), safe for colour-vision deficiency, in one series
order; more series than colours cycle the colours with other markers. Sequential shading
(heat maps, ordinal levels): cividis (Nuñez et al. 2018). Colour tells series apart, it never
judges (no red/green as good/bad).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from queries.core.factors import factor
from queries.core.settings import Settings
from queries.stats.intervals import level_suffix

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
# Series in this order: blue and orange first (complete case and ITT, the provider and
# "you"), yellow last (weak on white).
SERIES_COLOURS = tuple(
    OKABE_ITO[k]
    for k in (
        "blue",
        "orange",
        "bluish_green",
        "reddish_purple",
        "sky_blue",
        "vermillion",
        "black",
        "yellow",
    )
)
SERIES_SYMBOLS = (
    "circle",
    "diamond",
    "square",
    "triangle-up",
    "cross",
    "star",
    "hexagon",
    "triangle-down",
    "pentagon",
)
NEUTRAL = "#999999"  # a tint of Okabe-Ito black: "no follow-up", reference lines, shading
PALE = "#CCCCCC"  # a paler tint: "not eligible", "unknown"
TEXT = "#333333"  # numbers written on a chart (coloured text is hard to read in yellow)
PEER_ALPHA = 0.28  # peers without a name: Okabe-Ito black, faint
HEATMAP_SCALE = "Cividis"

TEMPLATE = "plotly_white"
FIGURE_HEIGHT = 420
TOP_MARGIN = 105  # room for the title, its subtitle and a legend above the plot
PLOTLY_CONFIG = {"displaylogo": False}
POINT = dict(color=SERIES_COLOURS[0], size=10, symbol=SERIES_SYMBOLS[0])  # one point a group
INTERVAL_THICKNESS = 1.6  # error bars of a dot plot with its n written beside each dot
TARGET_LINE = dict(color=OKABE_ITO["black"], width=1.2, dash="dot")  # a target or reference
LegendPlace = Literal["top", "right"]
LEGENDS: dict[str, dict] = {
    "top": dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, font=dict(size=11)),
    "right": dict(
        orientation="v",
        yanchor="top",
        y=1,
        xanchor="left",
        x=1.02,
        font=dict(size=11),
        traceorder="normal",
    ),
}


@dataclass(frozen=True)
class SeriesStyle:
    """How one series looks: its colour and its marker."""

    colour: str
    symbol: str


def series_style(i: int) -> SeriesStyle:
    """Colour and marker of the i-th series."""
    return SeriesStyle(
        SERIES_COLOURS[i % len(SERIES_COLOURS)], SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)]
    )


def rgba(hex_colour: str, alpha: float) -> str:
    """A colour of the palette made transparent (bands, fills, faint points)."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def base_layout(
    fig: go.Figure,
    title: str,
    subtitle: str,
    *,
    legend: LegendPlace | None = "top",
    height: int = FIGURE_HEIGHT,
    top_margin: int = TOP_MARGIN,
) -> go.Figure:
    """The one layout of every figure: a title saying what it shows, a one-line subtitle
    saying how it was made, the legend (above the plot, right of it, or none), margins,
    height, template and fonts."""
    fig.update_layout(
        title=dict(
            text=title,
            subtitle=dict(text=subtitle, font=dict(size=12)),
            x=0,
            xanchor="left",
            y=0.98,
            yref="container",
            yanchor="top",
            font=dict(size=15),
        ),
        template=TEMPLATE,
        height=height,
        margin=dict(l=10, r=10, t=top_margin, b=10),
        font=dict(size=12),
        hoverlabel=dict(align="left"),
    )
    if legend is None:
        fig.update_layout(showlegend=False)
    else:
        fig.update_layout(legend=LEGENDS[legend])
    return fig


# --- marks ------------------------------------------------------------------------------


def error_bars(plus: object, minus: object, colour: str, **style: float) -> dict:
    """A point's interval as asymmetric error bars: ``plus`` is how far it reaches above (or
    right of) the point, ``minus`` how far below; ``style``: thickness, width."""
    return dict(type="data", symmetric=False, color=colour, array=plus, arrayminus=minus, **style)


def marks_with_n(style: SeriesStyle, n: Iterable, text_side: str, size: int) -> dict:
    """Points of one series with each one's n written beside it: markers in the series'
    colour and symbol, the n in the same colour, never clipped by the plot area."""
    return dict(
        mode="markers+text",
        text=[n_text(k) for k in n],
        cliponaxis=False,
        textposition=text_side,
        textfont=dict(size=10, color=style.colour),
        marker=dict(color=style.colour, size=size, symbol=style.symbol),
    )


def add_dot_interval(
    fig: go.Figure,
    value: pd.Series,
    labels: list[str],
    lower: pd.Series,
    upper: pd.Series,
    customdata: list,
    hovertemplate: str,
    **subplot: int | None,
) -> None:
    """One point per label with its interval as horizontal error bars, all in the palette's
    first series look (``POINT``), no legend entry; ``subplot``: its row and col."""
    fig.add_scatter(
        x=value,
        y=labels,
        mode="markers",
        marker=POINT,
        showlegend=False,
        error_x=error_bars(upper - value, value - lower, POINT["color"]),
        customdata=customdata,
        hovertemplate=hovertemplate,
        **subplot,
    )


# --- a chart over a table of counts ---------------------------------------------------------


def _count_panel_height(n_rows: int) -> int:
    """Height of the counts table under a chart: one line per group."""
    return 26 * n_rows + 30


def with_count_panel(n_rows: int, count_title: str) -> go.Figure:
    """A chart (row 1) over a table of counts (row 2, one line per group) sharing its x axis:
    the n of every point written under the chart (courses per week, numbers at risk)."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[FIGURE_HEIGHT, _count_panel_height(n_rows)],
    )
    fig.update_yaxes(
        row=2,
        col=1,
        type="category",
        range=[n_rows - 0.3, -0.7],
        showgrid=False,
        title=dict(text=count_title, font=dict(size=11)),
        tickfont=dict(size=11),
    )
    return fig


def add_count_row(fig: go.Figure, x: list, label: str, counts: list) -> None:
    """One line of the counts table of :func:`with_count_panel`."""
    fig.add_scatter(
        x=x,
        y=[label] * len(x),
        mode="text",
        text=[count_text(n) for n in counts],
        textfont=dict(size=11, color=TEXT),
        showlegend=False,
        name=f"{label}: n",
        hoverinfo="skip",
        cliponaxis=False,
        row=2,
        col=1,
    )


def height_with_count_panel(n_rows: int) -> int:
    """The height of a figure of :func:`with_count_panel`."""
    return FIGURE_HEIGHT + _count_panel_height(n_rows) + 60


# --- labels -----------------------------------------------------------------------------


def category_label(value: object, by: str | None = None) -> str:
    """A code as people read it: ``lumbar_disc_herniation`` -> ``lumbar disc herniation``;
    the values of an identifier factor (provider, site) exactly as stored (P_07)."""
    if by is not None and factor(by).is_identifier:
        return str(value)
    return str(value).replace("_", " ")


def tick_label(label: str, width: int = 10) -> str:
    """A long axis label on two or more lines, so ticks need not be tilted."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def percent_level(level: float) -> str:
    """'95 %', '99.8 %': a confidence level as the texts write it."""
    return f"{level * 100:g} %"


def level_text(settings: Settings) -> str:
    """'95 %': the confidence level of every interval, from the settings."""
    return percent_level(settings.confidence_level)


def interval_columns(settings: Settings, prefix: str = "", label: str = "") -> dict[str, str]:
    """The two interval columns of a table (name -> label) at the settings' level:
    ``{prefix}ci_lower_95`` -> ``'{label}95 % CI lower'``, then its upper bound."""
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {f"{prefix}ci_{side}_{sfx}": f"{label}{level} CI {side}" for side in ("lower", "upper")}


def count_text(value: object) -> str:
    """A count with thousands separators; '–' when there is none."""
    return "–" if pd.isna(value) else f"{int(value):,}"


def n_text(n: object) -> str:
    """'n=1,234' beside a point; 'n=–' when there is none."""
    return f"n={count_text(n)}"


def percent_axis(title: str) -> dict:
    """An axis of shares, 0 to 100 %."""
    return dict(title=title, range=[0, 1.02], tickformat=".0%")


def per_row(
    frame: pd.DataFrame, columns: Sequence[str], cells: Callable[..., list[str]]
) -> list[list[str]]:
    """The hover texts of a trace, one list per point: ``cells`` of each row's values of
    ``columns``, in that order."""
    return [cells(*values) for values in zip(*(frame[c] for c in columns), strict=True)]


def plain(values: pd.Series) -> list:
    """Plain values for a figure: NaN becomes None (a gap, not a zero)."""
    return [None if pd.isna(v) else v for v in values]
