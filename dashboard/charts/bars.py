"""Rates as bars (issue 4): a bar per category with its interval and the n above it, one
series per path or group, on the Timeline page (flare paths, expectations, early stopping,
escalation).

Every bar carries its interval as an error bar and its n written above the interval; a
series may take one colour and bar pattern per bar (the flare paths keep theirs on every
chart). Labels and hover texts come only from the values passed in (after the gate): a
count the gate hid (missing) reads "hidden", never a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from dashboard.charts.rates import count_or_hidden, n_or_hidden
from queries.core.settings import Settings
from queries.disclosure.gate import format_interval, format_percent

BAR_ALPHA = 0.85  # bars a little lighter than their outline and their error bars


@dataclass(frozen=True)
class Bars:
    """One series of a bar chart of rates: a bar per category, its interval and its n."""

    name: str
    x: list[str]
    rate: list
    lower: list
    upper: list
    successes: list
    n: list
    colour: str | list[str]  # one per series, or one per bar
    pattern: str | list[str] = ""
    text: list[str] | None = None


@dataclass(frozen=True)
class BarAxes:
    """What a bar chart of rates shows: axis titles and what its n counts."""

    x_title: str
    y_title: str
    n_meaning: str


def bars_from(
    frame: pd.DataFrame,
    name: str,
    x: list[str],
    cols: Sequence[str],
    colour: str | list[str],
    pattern: str | list[str] = "",
) -> Bars:
    """A series of bars from the columns rate, lower, upper, successes, n of ``frame``."""
    rate, lower, upper, successes, n = (frame[c].tolist() for c in cols)
    return Bars(name, x, rate, lower, upper, successes, n, colour, pattern)


def _each(value, f):
    """``f`` of one value, or of each value of a list."""
    return [f(v) for v in value] if isinstance(value, list) else f(value)


def rate_bars(
    bars: Sequence[Bars], title: str, subtitle: str, axes: BarAxes, settings: Settings
) -> go.Figure:
    """Rates as bars with error bars (the interval) and the n written above each interval
    (a text trace in the bar's offset group, so it never sits on the error bar)."""
    level = base.level_text(settings)
    fig = go.Figure()
    top = max((u for b in bars for u in b.upper if pd.notna(u)), default=0.0)
    for b in bars:
        rate = pd.Series(b.rate, dtype=float)
        upper = pd.Series(b.upper, dtype=float)
        fig.add_bar(
            name=b.name,
            x=b.x,
            y=base.plain(rate),
            offsetgroup=b.name,
            marker=dict(
                color=_each(b.colour, lambda c: base.rgba(c, BAR_ALPHA)),
                line=dict(color=b.colour, width=1),
                pattern=dict(shape=b.pattern, fgcolor="white"),
            ),
            error_y=base.error_bars(
                base.plain(upper - rate),
                base.plain(rate - pd.Series(b.lower, dtype=float)),
                base.TEXT,
                thickness=1.4,
                width=4,
            ),
            customdata=[
                [
                    format_percent(r, n),
                    format_interval(lo, hi, n),
                    count_or_hidden(x),
                    count_or_hidden(n),
                ]
                for r, lo, hi, x, n in zip(b.rate, b.lower, b.upper, b.successes, b.n, strict=True)
            ],
            hovertemplate=(
                f"%{{x}} · {b.name}<br>%{{customdata[0]}} ({level} CI "
                f"%{{customdata[1]}})<br>%{{customdata[2]}} of %{{customdata[3]}} "
                f"{axes.n_meaning}<extra></extra>"
            ),
        )
        fig.add_scatter(
            x=b.x,
            y=(upper.fillna(0) + 0.02 * top).tolist(),
            offsetgroup=b.name,
            mode="text",
            text=b.text or [n_or_hidden(n) for n in b.n],
            textposition="top center",
            textfont=dict(size=10, color=base.TEXT),
            cliponaxis=False,
            showlegend=False,
            hoverinfo="skip",
            name=f"{b.name}: n",
        )
    fig.update_layout(
        barmode="group",
        bargap=0.3,
        scattermode="group",
        scattergap=0.3,
        yaxis=dict(title=axes.y_title, range=[0, max(top, 0.05) * 1.15], tickformat=".0%"),
        xaxis=dict(title=axes.x_title, type="category", tickangle=0),
    )
    return base.base_layout(fig, title, subtitle, legend="top" if len(bars) > 1 else None)
