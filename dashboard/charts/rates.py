"""Responder rates: per group with Wilson intervals, heat maps of two groupings, rate bars.

Definitions: methods.md section 1 (responder, complete case vs ITT) and section 3 (Wilson
intervals, Wilson 1927). Every rate is drawn with its interval and labelled with its n; every
category's tick says how many courses it holds; categories in their natural order
(:mod:`queries.core.factors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.base import (
    HEATMAP_SCALE,
    TEXT,
    base_layout,
    category_label,
    count_text,
    level_text,
    n_text,
    plain,
    rgba,
    series_style,
    tick_label,
)
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, format_interval, format_percent, present
from queries.stats.intervals import level_suffix

BAR_ALPHA = 0.85  # bars a little lighter than their outline and their error bars


@dataclass(frozen=True)
class RateSeries:
    """One rate drawn on a chart: which columns hold it, its n and its look."""

    name: str
    rate: str
    lower: str
    upper: str
    successes: str
    n: str
    n_meaning: str
    colour: str
    symbol: str
    text_side: str  # complete case labels its left, ITT its right: the pair never collides


def rate_series(settings: Settings) -> tuple[RateSeries, ...]:
    """Complete-case and ITT responder rates, side by side (methods.md section 1)."""
    sfx = level_suffix(settings.confidence_level)
    complete, itt = series_style(0), series_style(1)
    return (
        RateSeries(
            "Complete case",
            "responder_rate",
            f"ci_lower_{sfx}",
            f"ci_upper_{sfx}",
            "n_responders",
            "n_followup",
            "eligible with follow-up",
            complete.colour,
            complete.symbol,
            "middle left",
        ),
        RateSeries(
            "ITT (missing = no response)",
            "itt_rate",
            f"itt_ci_lower_{sfx}",
            f"itt_ci_upper_{sfx}",
            "n_responders",
            "n_eligible",
            "eligible",
            itt.colour,
            itt.symbol,
            "middle right",
        ),
    )


def _series_columns(settings: Settings) -> list[str]:
    names = [c for s in rate_series(settings) for c in (s.rate, s.lower, s.upper, s.successes, s.n)]
    return list(dict.fromkeys(names))


def _hover(frame: pd.DataFrame, s: RateSeries) -> list[list[str]]:
    return [
        [format_percent(r, n), format_interval(lo, hi, n), count_text(x), count_text(n)]
        for r, lo, hi, x, n in zip(
            frame[s.rate],
            frame[s.lower],
            frame[s.upper],
            frame[s.successes],
            frame[s.n],
            strict=True,
        )
    ]


def _title_name(by: str) -> str:
    """How a grouping is named in a chart title (short enough for a narrow column); rates
    per provider are said to be crude, the first thing a reader would ask."""
    words = factor(by).words
    return f"{words} (crude rates)" if by == "provider" else words


def rate_chart_title(by: str) -> str:
    """The title of the one-way responder chart of ``by``: what the figure shows."""
    return f"Responders by {_title_name(by)}"


def rate_chart(
    rates: pd.DataFrame, by: str, settings: Settings, policy: Policy, title: str | None = None
) -> go.Figure:
    """Responder rate per group with Wilson error bars, complete case next to ITT.

    Each point is labelled with its n (the rate's denominator); each category's tick says
    how many courses it holds, so a group with no eligible course still shows.
    """
    frame = present(rates, ["group", "n_courses", *_series_columns(settings)], policy)
    labels = [category_label(v, by) for v in frame["group"]]
    ticks = [
        f"{tick_label(label)}<br><span style='font-size:10px'>{count_text(n)} courses</span>"
        for label, n in zip(labels, frame["n_courses"], strict=True)
    ]
    level = level_text(settings)
    fig = go.Figure()
    for s in rate_series(settings):
        rate = frame[s.rate]
        fig.add_scatter(
            name=s.name,
            x=labels,
            y=rate.tolist(),
            offsetgroup=s.name,
            mode="markers+text",
            text=[n_text(n) for n in frame[s.n]],
            cliponaxis=False,
            textposition=s.text_side,
            textfont=dict(size=10, color=s.colour),
            marker=dict(color=s.colour, size=11, symbol=s.symbol),
            error_y=dict(
                type="data",
                symmetric=False,
                color=s.colour,
                thickness=1.6,
                width=5,
                array=(frame[s.upper] - rate).tolist(),
                arrayminus=(rate - frame[s.lower]).tolist(),
            ),
            customdata=_hover(frame, s),
            hovertemplate=(
                f"%{{x}}<br>{s.name}: %{{customdata[0]}} ({level} CI "
                "%{customdata[1]})<br>%{customdata[2]} responders of "
                f"%{{customdata[3]}} {s.n_meaning}<extra></extra>"
            ),
        )
    fig.update_layout(
        scattermode="group",
        scattergap=0.45,
        yaxis=dict(title="Responder rate", range=[0, 1.05], tickformat=".0%"),
        xaxis=dict(
            title=factor(by).label,
            type="category",
            categoryorder="array",
            categoryarray=labels,
            tickvals=labels,
            ticktext=ticks,
            tickangle=0,
            range=[-0.8, len(labels) - 0.2],
        ),  # room for outer n labels
    )
    return base_layout(
        fig,
        title or rate_chart_title(by),
        f"{settings.window().name}, IMMPACT · {level} Wilson CI · n = denominator",
    )


def rate_heatmap(
    rates_2d: pd.DataFrame,
    rows: str,
    cols: str,
    settings: Settings,
    policy: Policy,
    title: str | None = None,
) -> go.Figure:
    """Complete-case responder rate per cell; every cell shows its rate and its n."""
    sfx = level_suffix(settings.confidence_level)
    frame = present(
        rates_2d,
        [
            "row_group",
            "col_group",
            "n_courses",
            "n_eligible",
            "n_followup",
            "n_responders",
            "responder_rate",
            f"ci_lower_{sfx}",
            f"ci_upper_{sfx}",
        ],
        policy,
    )
    row_order = factor(rows).ordered(frame["row_group"])
    col_order = factor(cols).ordered(frame["col_group"])
    frame = frame.assign(
        cell=[
            f"{format_percent(r, n)}<br>{n_text(n)}"
            for r, n in zip(frame["responder_rate"], frame["n_followup"], strict=True)
        ],
        interval=[
            format_interval(lo, hi, n)
            for lo, hi, n in zip(
                frame[f"ci_lower_{sfx}"], frame[f"ci_upper_{sfx}"], frame["n_followup"], strict=True
            )
        ],
        courses=[count_text(n) for n in frame["n_courses"]],
    )
    grid = frame.set_index(["row_group", "col_group"])
    full = pd.MultiIndex.from_product([row_order, col_order], names=["row_group", "col_group"])
    grid = grid.reindex(full)

    def matrix(column: str, empty: object) -> list[list[object]]:
        values = grid[column].astype(object).where(grid[column].notna(), empty)
        return values.unstack("col_group").loc[row_order, col_order].values.tolist()

    level = level_text(settings)
    fig = go.Figure(
        go.Heatmap(
            z=matrix("responder_rate", None),
            x=[category_label(c, cols) for c in col_order],
            y=[category_label(r, rows) for r in row_order],
            zmin=0,
            zmax=1,
            colorscale=HEATMAP_SCALE,
            xgap=2,
            ygap=2,
            text=matrix("cell", "no courses<br>n=0"),
            texttemplate="%{text}",
            textfont=dict(size=12),
            customdata=[
                [[i, c] for i, c in zip(ri, rc, strict=True)]
                for ri, rc in zip(matrix("interval", "–"), matrix("courses", "0"), strict=True)
            ],
            hovertemplate=(
                f"%{{y}} × %{{x}}<br>complete case %{{text}}<br>{level} CI "
                "%{customdata[0]}<br>%{customdata[1]} courses<extra></extra>"
            ),
            colorbar=dict(title=dict(text="Responder<br>rate"), tickformat=".0%"),
        )
    )
    fig.update_layout(
        xaxis=dict(
            title=factor(cols).label,
            type="category",
            tickangle=0,
            tickvals=[category_label(c, cols) for c in col_order],
            ticktext=[tick_label(category_label(c, cols)) for c in col_order],
        ),
        yaxis=dict(title=factor(rows).label, type="category", autorange="reversed"),
    )
    heading = title or f"Responders by {_title_name(rows)} × {_title_name(cols)}"
    return base_layout(
        fig,
        heading,
        f"{settings.window().name}, IMMPACT, complete case · "
        "n = courses with follow-up in the cell",
    )


# --- rate bars (flare paths, expectations, escalation) ------------------------------------


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
    level = level_text(settings)
    fig = go.Figure()
    top = max((u for b in bars for u in b.upper if pd.notna(u)), default=0.0)
    for b in bars:
        rate = pd.Series(b.rate, dtype=float)
        upper = pd.Series(b.upper, dtype=float)
        fig.add_bar(
            name=b.name,
            x=b.x,
            y=plain(rate),
            offsetgroup=b.name,
            marker=dict(
                color=_each(b.colour, lambda c: rgba(c, BAR_ALPHA)),
                line=dict(color=b.colour, width=1),
                pattern=dict(shape=b.pattern, fgcolor="white"),
            ),
            error_y=dict(
                type="data",
                symmetric=False,
                color=TEXT,
                thickness=1.4,
                width=4,
                array=plain(upper - rate),
                arrayminus=plain(rate - pd.Series(b.lower, dtype=float)),
            ),
            customdata=[
                [format_percent(r, n), format_interval(lo, hi, n), count_text(x), count_text(n)]
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
            text=b.text or [n_text(n) for n in b.n],
            textposition="top center",
            textfont=dict(size=10, color=TEXT),
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
    return base_layout(fig, title, subtitle, legend="top" if len(bars) > 1 else None)


# --- tables -------------------------------------------------------------------------------


def rate_table_columns(by: str, settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of a responder-rate table and its CSV download."""
    sfx = level_suffix(settings.confidence_level)
    level = level_text(settings)
    share = f"{settings.substantial_min_drop_fraction * 100:g} %"
    return {
        "group": factor(by).label,
        "n_courses": "Courses",
        "n_no_baseline": "No baseline",
        "n_low_baseline": f"Low baseline (< {settings.min_baseline:g})",
        "n_eligible": "Eligible",
        "n_followup": "With follow-up",
        "followup_rate": "Follow-up completeness",
        "n_responders": "Responders",
        "responder_rate": "Responder rate (complete case)",
        f"ci_lower_{sfx}": f"Complete case {level} CI lower",
        f"ci_upper_{sfx}": f"Complete case {level} CI upper",
        "itt_rate": "Responder rate (ITT)",
        f"itt_ci_lower_{sfx}": f"ITT {level} CI lower",
        f"itt_ci_upper_{sfx}": f"ITT {level} CI upper",
        "n_substantial_responders": f"Substantial responders (≥ {share})",
        "substantial_rate": "Substantial responder rate (complete case)",
    }


def rate_table_2d_columns(rows: str, cols: str, settings: Settings) -> dict[str, str]:
    """Columns of a two-way responder-rate table: both groupings, then the one-way columns."""
    one_way = rate_table_columns(rows, settings)
    del one_way["group"]
    return {"row_group": factor(rows).label, "col_group": factor(cols).label, **one_way}
