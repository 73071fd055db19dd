"""Monitoring over time: each provider's risk-adjusted CUSUM (methods.md section 4).

The CUSUM of non-response (Steiner et al. 2000) against the course number in start order,
the alert and alarm thresholds of that provider as lines (the funnel's line styles: dashed =
alert, solid = alarm), the courses where an alert started and where an alarm was reached
(then the line restarts at 0) as markers, and the run-up to each alarm (from the course
after the CUSUM was last 0) as a shaded band (all of a panel's bands one filled trace, so
that a provider with hundreds of alarms draws in a moment): when the signal started. A long
line comes thinned by the core (:func:`queries.analytics.monitoring.drawn_courses`: every
signal and peak kept). A director sees small
multiples, one panel per provider with enough courses; a provider only their own line.
Texts come only from the monitoring result passed in (after the gate): a provider with too
few courses gets a sentence without its count; a count the gate hid reads "hidden".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts import base
from dashboard.charts.funnel import LIMIT_STYLE
from dashboard.charts.rates import count_or_hidden
from queries.analytics.monitoring import ProviderMonitoring
from queries.stats.cusum import MAX_SIMULATED_COURSES

CUSUM_LINE = dict(color=base.SERIES_COLOURS[0], width=1.6)
ALERT_MARK = dict(color=base.OKABE_ITO["black"], size=8, symbol="triangle-up-open")
ALARM_MARK = dict(color=base.OKABE_ITO["black"], size=10, symbol="x")
RUN_UP = base.rgba(base.NEUTRAL, 0.18)
PANEL_HEIGHT = 230
LEGEND_ROOM = 24  # pixels between the legend and the panel titles under it
COLUMNS = 2
SUMMARY_LABELS = {  # the columns of ProviderMonitoring.summary as the table heads them
    "provider_id": "Provider",
    "n_courses": "Courses with follow-up",
    "cusum_signal": "Highest signal",
    "alert_threshold": "Alert threshold",
    "alarm_threshold": "Alarm threshold",
    "n_alerts": "Alerts",
    "n_alarms": "Alarms",
    "first_alert_course": "First alert: course",
    "first_alert_period": "First alert: started",
    "first_alert_onset_course": "First alert: run-up from course",
    "first_alarm_course": "First alarm: course",
    "first_alarm_period": "First alarm: started",
    "first_alarm_onset_course": "First alarm: run-up from course",
    "first_alarm_onset_period": "First alarm: run-up from",
}
SUBTITLE = "Risk-adjusted Bernoulli CUSUM (Steiner 2000), OR = 2 · dashed = alert, solid = alarm"
SIGNAL_WORDS = {
    "none": "no signal",
    "alert": "alert",
    "alarm": "alarm",
    "too_few": "not enough courses yet",
}


def method_text(monitoring: ProviderMonitoring) -> str:
    """How the chart was made and how to read it, in one caption (methods.md section 4)."""
    alert = base.percent_level(1 - monitoring.alert_level)
    alarm = base.percent_level(round(1 - monitoring.alarm_level, 6))
    return (
        "Risk-adjusted Bernoulli CUSUM of non-response (Steiner et al. 2000) against the "
        "case-mix model of the adjusted funnel, set to detect a doubling of the odds of "
        f"non-response (OR = {monitoring.odds_ratio:g}); {monitoring.order}. The line climbs "
        "with each non-response the model did not expect and falls with each response. "
        "Thresholds simulated for each provider's own courses "
        f"({monitoring.n_sim:,} in-control series, fixed seed; over more than "
        f"{MAX_SIMULATED_COURSES:,} courses, {MAX_SIMULATED_COURSES:,} of them evenly spaced, "
        "extended to all by the CUSUM's exponential tail): when nothing is wrong, the "
        f"chance of any alert over those courses is {alert} and of an alarm {alarm}. The "
        "line restarts at 0 after an alarm; the shaded band is the run-up to it. An alarm "
        "is a prompt for a review, not a verdict."
    )


def signal_sentence(row: pd.Series, min_courses: int, own: bool = False) -> str:
    """One provider's signals in words: the highest, and when the first of it started; too
    few courses for a CUSUM (methods.md section 4) without the provider's count."""
    who = "Your CUSUM" if own else str(row["provider_id"])
    n = count_or_hidden(row["n_courses"])
    signal = row["cusum_signal"]
    if signal == "too_few":
        return f"{who}: not enough courses yet (under {min_courses} with follow-up)."
    if pd.isna(row["n_courses"]):  # the gate hid the count: the line (its length) goes too
        hidden = "not drawn, so that a smaller count cannot be worked out"
        return f"{who}: {SIGNAL_WORDS[signal]}; {hidden}."
    if signal == "none":
        return f"{who}: no signal over {n} courses with follow-up."
    course, period = row[f"first_{signal}_course"], row[f"first_{signal}_period"]
    onset, onset_period = row[f"first_{signal}_onset_course"], row[f"first_{signal}_onset_period"]
    count = int(row[f"n_{signal}s"])
    times = "once" if count == 1 else f"{count} times"
    return (
        f"{who}: **{signal}** ({times} over {n} courses); the first at course "
        f"{int(course):,} ({period}), after a run-up from course {int(onset):,} "
        f"({onset_period})."
    )


def signal_list(monitoring: ProviderMonitoring, own: bool = False) -> str:
    """Every provider's :func:`signal_sentence` as a markdown list, in id order."""
    return "\n".join(
        f"- {signal_sentence(row, monitoring.min_courses, own)}"
        for _, row in monitoring.summary.iterrows()
    )


def _panel(
    fig: go.Figure,
    path: pd.DataFrame,
    summary: pd.Series,
    signals: pd.DataFrame,
    where: dict,
    first: bool,
) -> None:
    """One provider's line, thresholds, signals and run-ups in the panel ``where``."""
    x = path["course_number"].to_numpy()
    last = float(x.max()) if len(x) else 1.0
    alarms = signals[signals["signal"] == "alarm"]
    if len(alarms):  # every run-up as one filled trace: hundreds of shapes take minutes
        top = max(float(path["cusum"].max()), float(summary["alarm_threshold"])) * 1.05
        x0 = alarms["onset_course_number"].to_numpy(dtype=float) - 0.5
        x1 = alarms["course_number"].to_numpy(dtype=float) + 0.5
        gap = np.full(x0.size, np.nan)
        fig.add_scatter(
            x=np.column_stack([x0, x1, x1, x0, x0, gap]).ravel(),
            y=np.tile([0.0, 0.0, top, top, 0.0, np.nan], x0.size),
            mode="lines",
            fill="toself",
            fillcolor=RUN_UP,
            line_width=0,
            name="run-up to an alarm",
            showlegend=False,
            hoverinfo="skip",
            **where,
        )
    fig.add_scatter(
        x=x,
        y=path["cusum"],
        mode="lines",
        line=CUSUM_LINE,
        name="CUSUM",
        legendgroup="cusum",
        showlegend=first,
        customdata=path["period"],
        hovertemplate="course %{x} (%{customdata}): CUSUM %{y:.2f}<extra></extra>",
        **where,
    )
    for kind in ("alert", "alarm"):
        h = float(summary[f"{kind}_threshold"])
        fig.add_scatter(
            x=[1, last],
            y=[h, h],
            mode="lines",
            line=LIMIT_STYLE[kind],
            name=f"{kind} threshold",
            legendgroup=kind,
            showlegend=first,
            hoverinfo="skip",
            meta=f"{kind} threshold {summary['provider_id']}",
            **where,
        )
        marks = path[path["alert_start" if kind == "alert" else "alarm"].astype(bool)]
        fig.add_scatter(
            x=marks["course_number"],
            y=marks["cusum"],
            mode="markers",
            marker=ALERT_MARK if kind == "alert" else ALARM_MARK,
            name="alert starts" if kind == "alert" else "alarm (then restart)",
            legendgroup=f"{kind}_mark",
            showlegend=first,
            customdata=marks["period"],
            hovertemplate=f"{kind} at course %{{x}} (%{{customdata}})<extra></extra>",
            **where,
        )


def cusum_chart(
    monitoring: ProviderMonitoring,
    title: str,
    subtitle: str,
    provider_ids: list[str] | None = None,
) -> go.Figure:
    """The CUSUM of each provider with enough courses (``provider_ids``: those, in that
    order; default every one), one panel each, two panels a row; one provider: one panel.
    A provider whose count the gate hid (complementary suppression) gets no panel: the
    length of its line is its count."""
    summary = monitoring.summary.set_index("provider_id", drop=False)
    enough = (summary["cusum_signal"] != "too_few") & summary["n_courses"].notna()
    drawn = summary[enough].index.tolist()
    ids = [p for p in (provider_ids or drawn) if p in drawn]
    cols = 1 if len(ids) <= 1 else COLUMNS
    rows = max(1, math.ceil(len(ids) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{p} · {SIGNAL_WORDS[summary.loc[p, 'cusum_signal']]}" for p in ids]
        if len(ids) > 1
        else None,
        vertical_spacing=min(0.12, 0.5 / rows),
        horizontal_spacing=0.08,
    )
    for i, provider in enumerate(ids):
        where = dict(row=i // cols + 1, col=i % cols + 1)
        _panel(
            fig,
            monitoring.paths[monitoring.paths["provider_id"] == provider],
            summary.loc[provider],
            monitoring.signals[monitoring.signals["provider_id"] == provider],
            where,
            first=i == 0,
        )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero")
    for col in range(1, cols + 1):  # axis titles once: under the last row, left of the first
        fig.update_xaxes(title_text="Course (in order of start)", row=rows, col=col)
    for row in range(1, rows + 1):
        fig.update_yaxes(title_text="CUSUM", row=row, col=1)
    height = max(base.FIGURE_HEIGHT, base.TOP_MARGIN + LEGEND_ROOM + PANEL_HEIGHT * rows)
    fig = base.base_layout(
        fig, title, subtitle, height=height, top_margin=base.TOP_MARGIN + LEGEND_ROOM
    )
    plot_height = height - base.TOP_MARGIN - LEGEND_ROOM - 10
    fig.update_layout(legend=dict(y=1 + (LEGEND_ROOM + 6) / plot_height))  # above the titles
    return fig
