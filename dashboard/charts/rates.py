"""Responder rates: per group with Wilson intervals, heat maps of two groupings, the tables.

Definitions: methods.md section 1 (responder, complete case vs ITT) and section 3 (Wilson
intervals, Wilson 1927). Every rate is drawn with its interval and labelled with its n; every
category's tick says how many courses it holds; categories in their natural order
(:mod:`queries.core.factors`).

Labels and hover texts are built only from the frame passed in, after the gate
(:func:`queries.disclosure.gate.present`): a count the gate hid (missing) reads "hidden"
(:func:`count_or_hidden`), never a number; a provider with too few courses to compare
(``too_few_courses``, methods.md section 4) has no point and says so on the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from queries.analytics.rates import TOO_FEW_COURSES
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, format_interval, format_percent, present
from queries.stats.intervals import level_suffix

HIDDEN = "hidden"  # what a count the gate hid shows instead of a number
TOO_FEW_TEXT = "too few courses to compare"  # a provider under Settings.min_provider_courses


def count_or_hidden(value: object) -> str:
    """A count with thousands separators; "hidden" where the gate hid it (missing)."""
    return HIDDEN if pd.isna(value) else f"{int(value):,}"


def n_or_hidden(value: object) -> str:
    """'n=1,234' beside a point; 'n hidden' where the gate hid the count."""
    return "n hidden" if pd.isna(value) else f"n={count_or_hidden(value)}"


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
    style: base.SeriesStyle
    text_side: str  # complete case labels its left, ITT its right: the pair never collides


def rate_series(settings: Settings) -> tuple[RateSeries, ...]:
    """Complete-case and ITT responder rates, side by side (methods.md section 1)."""
    sfx = level_suffix(settings.confidence_level)
    return (
        RateSeries(
            "Complete case",
            "responder_rate",
            f"ci_lower_{sfx}",
            f"ci_upper_{sfx}",
            "n_responders",
            "n_followup",
            "eligible with follow-up",
            base.series_style(0),
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
            base.series_style(1),
            "middle right",
        ),
    )


def _series_columns(settings: Settings) -> list[str]:
    names = [c for s in rate_series(settings) for c in (s.rate, s.lower, s.upper, s.successes, s.n)]
    return list(dict.fromkeys(names))


def _hover(frame: pd.DataFrame, s: RateSeries) -> list[list[str]]:
    return [
        [format_percent(r, n), format_interval(lo, hi, n), count_or_hidden(x), count_or_hidden(n)]
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
    rates: pd.DataFrame,
    by: str,
    settings: Settings,
    policy: Policy,
    title: str | None = None,
    definition: str = "IMMPACT",
) -> go.Figure:
    """Responder rate per group with Wilson error bars, complete case next to ITT, by the
    responder ``definition`` its subtitle names (methods.md section 1).

    Each point is labelled with its n (the rate's denominator); each category's tick says
    how many courses it holds, so a group with no eligible course still shows; a provider
    with too few courses to compare (``too_few_courses``) says so where its point would be.
    """
    extra = [TOO_FEW_COURSES] if TOO_FEW_COURSES in rates.columns else []
    frame = present(rates, ["group", "n_courses", *_series_columns(settings), *extra], policy)
    labels = [base.category_label(v, by) for v in frame["group"]]
    ticks = [
        f"{base.tick_label(label)}<br><span style='font-size:10px'>"
        f"{count_or_hidden(n)} courses</span>"
        for label, n in zip(labels, frame["n_courses"], strict=True)
    ]
    level = base.level_text(settings)
    fig = go.Figure()
    for s in rate_series(settings):
        rate = frame[s.rate]
        marks = base.marks_with_n(s.style, frame[s.n], s.text_side, size=11)
        marks["text"] = [n_or_hidden(k) for k in frame[s.n]]
        fig.add_scatter(
            name=s.name,
            x=labels,
            y=rate.tolist(),
            offsetgroup=s.name,
            **marks,
            error_y=base.error_bars(
                (frame[s.upper] - rate).tolist(),
                (rate - frame[s.lower]).tolist(),
                s.style.colour,
                thickness=base.INTERVAL_THICKNESS,
                width=5,
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
    few = frame[TOO_FEW_COURSES].fillna(False).astype(bool) if extra else [False] * len(labels)
    for label in (lab for lab, f in zip(labels, few, strict=True) if f):
        fig.add_annotation(
            x=label,
            y=0.5,
            text=base.tick_label(TOO_FEW_TEXT, 12),
            showarrow=False,
            font=dict(size=11, color=base.OKABE_ITO["black"]),
        )
    return base.base_layout(
        fig,
        title or rate_chart_title(by),
        f"{settings.window().name}, {definition} · {level} Wilson CI · n = denominator",
    )


def rate_heatmap(
    rates_2d: pd.DataFrame,
    rows: str,
    cols: str,
    settings: Settings,
    policy: Policy,
    title: str | None = None,
    definition: str = "IMMPACT",
) -> go.Figure:
    """Complete-case responder rate per cell by the responder ``definition`` its subtitle
    names; every cell shows its rate and its n."""
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
            f"{format_percent(r, n)}<br>{n_or_hidden(n)}"
            for r, n in zip(frame["responder_rate"], frame["n_followup"], strict=True)
        ],
        interval=[
            format_interval(lo, hi, n)
            for lo, hi, n in zip(
                frame[f"ci_lower_{sfx}"], frame[f"ci_upper_{sfx}"], frame["n_followup"], strict=True
            )
        ],
        courses=[count_or_hidden(n) for n in frame["n_courses"]],
    )
    grid = frame.set_index(["row_group", "col_group"])
    full = pd.MultiIndex.from_product([row_order, col_order], names=["row_group", "col_group"])
    grid = grid.reindex(full)

    def matrix(column: str, empty: object) -> list[list[object]]:
        values = grid[column].astype(object).where(grid[column].notna(), empty)
        return values.unstack("col_group").loc[row_order, col_order].values.tolist()

    level = base.level_text(settings)
    fig = go.Figure(
        go.Heatmap(
            z=matrix("responder_rate", None),
            x=[base.category_label(c, cols) for c in col_order],
            y=[base.category_label(r, rows) for r in row_order],
            zmin=0,
            zmax=1,
            colorscale=base.HEATMAP_SCALE,
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
            tickvals=[base.category_label(c, cols) for c in col_order],
            ticktext=[base.tick_label(base.category_label(c, cols)) for c in col_order],
        ),
        yaxis=dict(title=factor(rows).label, type="category", autorange="reversed"),
    )
    heading = title or f"Responders by {_title_name(rows)} × {_title_name(cols)}"
    return base.base_layout(
        fig,
        heading,
        f"{settings.window().name}, {definition}, complete case · "
        "n = courses with follow-up in the cell",
    )


# --- tables -------------------------------------------------------------------------------


def rate_columns(settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of responder rates, the same in every table that shows them:
    counts, complete-case and ITT rates with their intervals, substantial responders."""
    share = f"{settings.substantial_min_drop_fraction * 100:g} %"
    return {
        "n_courses": "Courses",
        "n_no_baseline": "No baseline",
        "n_low_baseline": f"Low baseline (< {settings.min_baseline:g})",
        "n_not_yet_due": "Not yet due",
        "n_eligible": "Eligible",
        "n_followup": "With follow-up",
        "followup_rate": "Follow-up completeness",
        "n_responders": "Responders",
        "responder_rate": "Responder rate (complete case)",
        **base.interval_columns(settings, label="Complete case "),
        "itt_rate": "Responder rate (ITT)",
        **base.interval_columns(settings, "itt_", "ITT "),
        "n_substantial_responders": f"Substantial responders (≥ {share})",
        "substantial_rate": "Substantial responder rate (complete case)",
    }


def rate_table_columns(by: str, settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of a responder-rate table and its CSV download."""
    return {"group": factor(by).label, **rate_columns(settings)}


def rate_table_2d_columns(rows: str, cols: str, settings: Settings) -> dict[str, str]:
    """Columns of a two-way responder-rate table: both groupings, then the one-way columns."""
    return {
        "row_group": factor(rows).label,
        "col_group": factor(cols).label,
        **rate_columns(settings),
    }
