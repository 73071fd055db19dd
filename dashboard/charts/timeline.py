"""The Timeline page's figures (issue 4): pain trajectory by week, durability of response,
escalation to surgery, and the p-charts of results by start quarter.

Definitions: methods.md section 3 (intervals), section 4 "Trend" (p-chart, NHS "Making Data
Count" rules) and section 5 (trajectory, durability, escalation). Series differ by colour and
by marker or dash; reference values are lines; the n of every point is written under the
chart (courses per week, numbers at risk).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts.base import (
    FIGURE_HEIGHT,
    NEUTRAL,
    OKABE_ITO,
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
from dashboard.charts.rates import BarAxes, bars_from, rate_bars
from queries.analytics.durability import Durability
from queries.analytics.trends import TrendPChart
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, format_interval, format_percent, present
from queries.stats.intervals import level_suffix
from queries.stats.spc import SIGNAL_COLUMNS
from queries.stats.trajectory import ALL_COURSES, TRAJECTORY_WEEKS

FLARE_SHADE = OKABE_ITO["reddish_purple"]
BAND_ALPHA = 0.14  # an interval band, behind its line
DASHES = ("solid", "dash", "dot", "dashdot")


# --- a chart over a table of counts -----------------------------------------------------


def _count_panel(fig: go.Figure, x: list, label: str, counts: list, row: int) -> None:
    """One row of the counts table drawn under a chart (n per week, numbers at risk)."""
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
        row=row,
        col=1,
    )


def _panel_height(n_rows: int) -> int:
    """Height of the counts table under a chart: one line per group."""
    return 26 * n_rows + 30


def _with_count_panel(n_rows: int, count_title: str) -> go.Figure:
    """A chart over a table of counts sharing its x axis."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[FIGURE_HEIGHT, _panel_height(n_rows)],
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


def _height_with_panel(n_rows: int) -> int:
    return FIGURE_HEIGHT + _panel_height(n_rows) + 60


# --- trajectory -----------------------------------------------------------------------


def _group_label(group: object, by: str | None) -> str:
    return "All courses" if by is None or group == ALL_COURSES else category_label(group, by)


def trajectory_title(by: str | None) -> str:
    """Title of the trajectory chart split ``by`` (None = all courses together)."""
    base = "Mean change in pain (NRS 0–10) by week since the first session"
    return base if by is None else f"{base}, by {factor(by).label.lower()}"


def _week_position(day: float) -> float:
    """Where a day falls on the evenly spaced week axis (between the weeks' slots)."""
    return float(np.interp(day / 7, TRAJECTORY_WEEKS, range(len(TRAJECTORY_WEEKS))))


def _points(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:+.1f}"


def trajectory_chart(
    trajectory: pd.DataFrame, by: str | None, settings: Settings, policy: Policy
) -> go.Figure:
    """Mean change from baseline per week with a t-interval band per group, the early-flare
    window shaded, the baseline as a line and the n of every point in a table underneath.

    Weeks sit in evenly spaced slots (0, 1, 2, 3, 4, 6, 8, 12, 26, 52): not to scale, so the
    first weeks, where the flare and the early change happen, stay readable.
    """
    sfx = level_suffix(settings.confidence_level)
    lo, hi = f"ci_lower_{sfx}", f"ci_upper_{sfx}"
    frame = present(trajectory, ["group", "week", "n_courses", "mean_change", lo, hi], policy)
    groups = list(dict.fromkeys(frame["group"]))
    level = level_text(settings)
    fig = _with_count_panel(len(groups), "Courses (n)")
    for i, group in enumerate(groups):
        rows = frame[frame["group"] == group]
        label, style = _group_label(group, by), series_style(i)
        band = rows[rows[lo].notna() & rows[hi].notna()]
        fig.add_scatter(
            x=[*band["week"], *band["week"][::-1]],
            y=[*band[hi], *band[lo][::-1]],
            fill="toself",
            fillcolor=rgba(style.colour, BAND_ALPHA),
            line=dict(width=0),
            hoverinfo="skip",
            name=f"{label} {level} CI",
            legendgroup=label,
            showlegend=False,
            row=1,
            col=1,
        )
        fig.add_scatter(
            x=rows["week"].tolist(),
            y=plain(rows["mean_change"]),
            name=label,
            legendgroup=label,
            mode="lines+markers",
            line=dict(color=style.colour, width=2),
            marker=dict(color=style.colour, size=8, symbol=style.symbol),
            customdata=[
                [count_text(n), _points(m), _points(a), _points(b)]
                for n, m, a, b in zip(
                    rows["n_courses"], rows["mean_change"], rows[lo], rows[hi], strict=True
                )
            ],
            hovertemplate=(
                f"{label}, week %{{x}}<br>mean change %{{customdata[1]}} points "
                f"({level} CI %{{customdata[2]}} to %{{customdata[3]}})"
                "<br>n = %{customdata[0]} courses<extra></extra>"
            ),
            row=1,
            col=1,
        )
        _count_panel(fig, rows["week"].tolist(), label, rows["n_courses"].tolist(), 2)
    fig.add_vrect(
        x0=_week_position(settings.flare_first_day),
        x1=_week_position(settings.flare_last_day),
        row=1,
        col=1,
        fillcolor=rgba(FLARE_SHADE, 0.12),
        line_width=0,
        layer="below",
        annotation_text=(
            f"early-flare window<br>day {settings.flare_first_day}–{settings.flare_last_day}"
        ),
        annotation_position="top left",
        annotation_font=dict(size=10),
    )
    fig.add_hline(
        y=0,
        row=1,
        col=1,
        line=dict(color=NEUTRAL, width=1, dash="dot"),
        annotation_text="baseline",
        annotation_position="bottom right",
        annotation_font=dict(size=10, color=NEUTRAL),
    )
    weeks = list(TRAJECTORY_WEEKS)
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=weeks,
        tickvals=weeks,
        ticktext=[f"wk {w}" for w in weeks],
        tickangle=0,
    )
    fig.update_xaxes(row=2, col=1, title="Week since the first session (slots not to scale)")
    fig.update_yaxes(
        row=1, col=1, title="Change in NRS pain (points; below 0 = less pain)", zeroline=False
    )
    return base_layout(
        fig,
        trajectory_title(by),
        f"{level} t interval (band) · baseline = last value on or before day 0 "
        "· n = courses with a value that week",
        height=_height_with_panel(len(groups)),
    )


def trajectory_columns(by: str | None, settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {
        "group": factor(by).label if by else "Group",
        "week": "Week",
        "n_courses": "Courses with a value",
        "mean_change": "Mean change (points)",
        f"ci_lower_{sfx}": f"{level} CI lower",
        f"ci_upper_{sfx}": f"{level} CI upper",
    }


# --- durability and escalation ----------------------------------------------------------


def durability_title(by: str) -> str:
    return f"How long a response lasts, by {factor(by).label.lower()}"


def durability_chart(durability: Durability, settings: Settings, policy: Policy) -> go.Figure:
    """Kaplan-Meier step curves of 'still a responder' per group with log(-log) bands,
    censoring ticks, and the numbers at risk under the curves."""
    sfx = level_suffix(settings.confidence_level)
    lo, hi = f"ci_lower_{sfx}", f"ci_upper_{sfx}"
    km = present(
        durability.km,
        ["group", "time", "n_at_risk", "n_events", "n_censored", "survival", lo, hi],
        policy,
    )
    risk = present(durability.at_risk, ["group", "time", "n_at_risk"], policy)
    groups = list(dict.fromkeys(km["group"]))
    level, by = level_text(settings), durability.by
    fig = _with_count_panel(len(groups), "At risk")
    for i, group in enumerate(groups):
        rows = km[km["group"] == group]
        label, colour = category_label(group, by), series_style(i).colour
        for bound, fill in ((hi, None), (lo, "tonexty")):
            fig.add_scatter(
                x=rows["time"].tolist(),
                y=plain(rows[bound]),
                mode="lines",
                line=dict(width=0, shape="hv"),
                fill=fill,
                fillcolor=rgba(colour, 0.12),
                hoverinfo="skip",
                showlegend=False,
                legendgroup=label,
                name=f"{label} {level} CI",
                row=1,
                col=1,
            )
        fig.add_scatter(
            x=rows["time"].tolist(),
            y=rows["survival"].tolist(),
            name=label,
            legendgroup=label,
            mode="lines",
            line=dict(color=colour, width=2, shape="hv", dash=DASHES[i % len(DASHES)]),
            customdata=[
                [count_text(n), format_percent(s, n), format_interval(a, b, n)]
                for n, s, a, b in zip(
                    rows["n_at_risk"], rows["survival"], rows[lo], rows[hi], strict=True
                )
            ],
            hovertemplate=(
                f"{label}, day %{{x}}<br>still responding %{{customdata[1]}} "
                f"({level} CI %{{customdata[2]}})<br>%{{customdata[0]}} at risk"
                "<extra></extra>"
            ),
            row=1,
            col=1,
        )
        censored = rows[rows["n_censored"] > 0]
        fig.add_scatter(
            x=censored["time"].tolist(),
            y=censored["survival"].tolist(),
            mode="markers",
            name=f"{label}: censored",
            legendgroup=label,
            showlegend=False,
            hoverinfo="skip",
            marker=dict(
                symbol="line-ns-open", size=10, color=colour, line=dict(width=1.5, color=colour)
            ),
            row=1,
            col=1,
        )
        at = risk[risk["group"] == group]
        _count_panel(fig, at["time"].tolist(), label, at["n_at_risk"].tolist(), 2)
    steps = np.diff(durability.at_risk_days)
    fig.update_xaxes(tick0=0, dtick=int(steps[0]) if steps.size else None)
    fig.update_xaxes(row=2, col=1, title=f"Days since the {settings.window().name} follow-up")
    fig.update_yaxes(row=1, col=1, title="Still a responder", range=[0, 1.05], tickformat=".0%")
    return base_layout(
        fig,
        durability_title(by),
        f"Kaplan-Meier among {durability.n_responders:,} responders · band = "
        f"{level} CI (log-log) · | = censored (last value, response kept)",
        height=_height_with_panel(len(groups)),
    )


def escalation_chart(escalation: pd.DataFrame, settings: Settings, policy: Policy) -> go.Figure:
    """Cumulative incidence of escalation by the horizon per group, with its interval; a
    group whose follow-up ends before the horizon gets no bar and says why."""
    sfx = level_suffix(settings.confidence_level)
    cols = (
        "cumulative_incidence",
        f"ci_lower_{sfx}",
        f"ci_upper_{sfx}",
        "n_escalated_within_horizon",
        "n_courses",
    )
    frame = present(escalation, ["group", *cols, "horizon_days"], policy)
    x = [tick_label(category_label(g, "severity")) for g in frame["group"]]
    text = [
        n_text(n) if pd.notna(r) else f"{n_text(n)}<br>follow-up<br>too short"
        for r, n in zip(frame["cumulative_incidence"], frame["n_courses"], strict=True)
    ]
    bars = bars_from(frame, "Escalated", x, cols, series_style(0).colour)
    days = int(frame["horizon_days"].iloc[0])
    return rate_bars(
        [replace(bars, text=text)],
        "Escalation to surgery within 12 months, by degeneration severity",
        f"1 − Kaplan-Meier at day {days} · {level_text(settings)} CI (log-log) · n = courses",
        BarAxes(
            factor("severity").label, f"Escalated by day {days}", "courses escalated by the horizon"
        ),
        settings,
    )


def short_followup_text(escalation: pd.DataFrame) -> str | None:
    """One calm sentence naming the groups with no estimate at the horizon, if any."""
    short = escalation.loc[escalation["cumulative_incidence"].isna(), "group"]
    if short.empty:
        return None
    names = ", ".join(category_label(g, "severity") for g in short)
    days = int(escalation["horizon_days"].iloc[0])
    return (
        f"No estimate yet for {names}: no course there has been followed to day "
        f"{days}, and a course seen for a shorter time is not counted as 'not "
        "escalated'."
    )


AT_RISK_TABLE = {
    "group": "Group",
    "time": "Day",
    "n_at_risk": "At risk",
    "n_events_so_far": "Responses lost so far",
    "n_censored_so_far": "Censored so far",
}


def km_table_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {
        "group": "Group",
        "time": "Day",
        "n_at_risk": "At risk",
        "n_events": "Responses lost",
        "n_censored": "Censored",
        "survival": "Still a responder",
        f"ci_lower_{sfx}": f"{level} CI lower",
        f"ci_upper_{sfx}": f"{level} CI upper",
    }


def escalation_table_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {
        "group": factor("severity").label,
        "n_courses": "Courses",
        "n_escalated": "Escalated (any time)",
        "n_escalated_within_horizon": "Escalated within the horizon",
        "horizon_days": "Horizon (days)",
        "n_at_risk_at_horizon": "Followed to the horizon",
        "cumulative_incidence": "Escalated by the horizon (1 − KM)",
        f"ci_lower_{sfx}": f"{level} CI lower",
        f"ci_upper_{sfx}": f"{level} CI upper",
    }


# --- p-charts ---------------------------------------------------------------------------

MEASURE_TITLES = {"responder": "Responder rate", "followup": "Follow-up completeness"}
QUARTERS_SHOWN = 12  # more quarters than this: tick only the first quarter of each year


def pchart_title(chart: TrendPChart) -> str:
    return f"{MEASURE_TITLES[chart.measure]} by start {chart.period_kind} (p-chart)"


def signal_styles(chart: TrendPChart) -> dict[str, tuple[str, str, int]]:
    """Signal rule -> (legend name, open marker, size): nested sizes so that a point flagged
    by two rules shows both marks."""
    return {
        "signal_beyond_limits": ("Signal: beyond a limit", "circle-open", 22),
        "signal_shift": (f"Signal: shift ({chart.shift_run}+ on one side)", "square-open", 18),
        "signal_trend": (
            f"Signal: trend ({chart.trend_run}+ rising or falling)",
            "triangle-up-open",
            15,
        ),
        "signal_two_of_three": ("Signal: 2 of 3 close to a limit", "diamond-open", 13),
    }


def pchart_chart(chart: TrendPChart, settings: Settings, policy: Policy) -> go.Figure:
    """Proportion per period with the centre line and the 3-sigma limits as lines; points
    flagged by a Making Data Count rule carry an extra marker with its own legend entry."""
    pts = present(
        chart.points,
        [
            "period",
            "n",
            "events",
            "proportion",
            "centre",
            "lower_limit",
            "upper_limit",
            *SIGNAL_COLUMNS,
        ],
        policy,
    )
    x = pts["period"].astype(str).tolist()
    fig = go.Figure()
    limits = f"Limits ({chart.limit_sigmas:g}σ)"
    for name, col in (
        (limits, "upper_limit"),
        (limits, "lower_limit"),
        ("Centre (overall rate)", "centre"),
    ):
        centre = col == "centre"
        fig.add_scatter(
            x=x,
            y=plain(pts[col]),
            name=name,
            mode="lines",
            line=dict(
                color=OKABE_ITO["black"] if centre else NEUTRAL,
                width=1.6 if centre else 1.2,
                shape="hvh",
            ),
            hoverinfo="skip",
            legendgroup=name,
            showlegend=col != "lower_limit",
        )
    colour = series_style(0).colour
    fig.add_scatter(
        x=x,
        y=plain(pts["proportion"]),
        name=MEASURE_TITLES[chart.measure],
        mode="lines+markers",
        line=dict(color=colour, width=1.5),
        marker=dict(color=colour, size=7),
        customdata=[
            [format_percent(p, n), count_text(e), count_text(n)]
            for p, e, n in zip(pts["proportion"], pts["events"], pts["n"], strict=True)
        ],
        hovertemplate=(
            "%{x}: %{customdata[0]}<br>%{customdata[1]} of %{customdata[2]}<extra></extra>"
        ),
    )
    signal = OKABE_ITO["vermillion"]
    for rule, (name, symbol, size) in signal_styles(chart).items():
        flagged = pts[pts[rule]]
        if flagged.empty:
            continue
        fig.add_scatter(
            x=flagged["period"].astype(str).tolist(),
            y=flagged["proportion"].tolist(),
            name=name,
            mode="markers",
            marker=dict(symbol=symbol, size=size, color=signal, line=dict(width=2, color=signal)),
            hovertemplate=f"%{{x}}: {name}<extra></extra>",
        )
    fig.update_layout(
        yaxis=dict(title=MEASURE_TITLES[chart.measure], range=[-0.04, 1.06], tickformat=".0%"),
        xaxis=dict(
            title=f"Start {chart.period_kind}",
            type="category",
            categoryorder="array",
            categoryarray=x,
            tickangle=0,
            tickvals=_period_ticks(x, chart.period_kind),
        ),
    )
    return base_layout(
        fig,
        pchart_title(chart),
        f"{chart.description} · limits p̄ ± {chart.limit_sigmas:g}σ · n = {chart.n_total:,}",
    )


def _period_ticks(periods: list[str], kind: str) -> list[str]:
    """Every period when they fit; otherwise the first quarter of each year."""
    if kind != "quarter" or len(periods) <= QUARTERS_SHOWN:
        return periods
    return [p for p in periods if p.endswith("Q1")] or periods


def pchart_caption(chart: TrendPChart) -> str:
    """How to read a p-chart, its rules, and how its periods were made."""
    found = (
        "Marked points are special-cause variation worth a look, not a verdict."
        if chart.has_signal
        else "No rule fires: only common-cause variation."
    )
    periods = (
        "Most courses have no start quarter (Safe Harbor extracts), so the periods "
        "fell back to start years."
        if chart.period_kind == "year"
        else f"Left out: {_courses(chart.n_courses_without_period)} without a start quarter."
        if chart.n_courses_without_period
        else ""
    )
    return (
        f'Signal rules of NHS "Making Data Count": a point beyond a limit; a shift of '
        f"{chart.shift_run}+ points on one side of the centre; a trend of "
        f"{chart.trend_run}+ points rising or falling; 2 of 3 points close to a limit "
        f"(beyond {chart.near_limit_sigmas:g}σ). {found} {periods}"
    ).strip()


def _courses(n: int) -> str:
    return f"{n:,} course" if n == 1 else f"{n:,} courses"


def pchart_columns(chart: TrendPChart) -> dict[str, str]:
    return {
        "period": f"Start {chart.period_kind}",
        "n": "n",
        "events": "Events",
        "proportion": "Rate",
        "centre": "Centre",
        "lower_limit": "Lower limit",
        "upper_limit": "Upper limit",
        "signal_beyond_limits": "Beyond a limit",
        "signal_shift": "Shift",
        "signal_trend": "Trend",
        "signal_two_of_three": "2 of 3 close to a limit",
    }


PCHART_PERCENT = ("proportion", "centre", "_limit")
