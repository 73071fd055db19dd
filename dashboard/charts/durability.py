"""How long a response lasts and who goes on to surgery (issue 4), on the Timeline page:
Kaplan-Meier curves of "still a responder" with the numbers at risk, and escalation to
surgery within 12 months by severity.

Definitions: methods.md section 5 (durability, escalation; Kaplan-Meier with log(-log)
intervals). Groups differ by colour and dash; the numbers at risk are written under the
curves; a group followed for too short a time gets no bar and says why.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from dashboard.charts.bars import BarAxes, bars_from, rate_bars
from queries.analytics.durability import Durability
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, count_text, format_interval, format_percent, present
from queries.stats.intervals import level_suffix

DASHES = ("solid", "dash", "dot", "dashdot")


def durability_title(by: str) -> str:
    return f"How long a response lasts, by {factor(by).label.lower()}"


def _hover_cells(n: object, survival: float, lower: float, upper: float) -> list[str]:
    """A step's hover: the number at risk, the share still responding and its interval."""
    return [base.count_text(n), format_percent(survival, n), format_interval(lower, upper, n)]


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
    level, by = base.level_text(settings), durability.by
    fig = base.with_count_panel(len(groups), "At risk")
    for i, group in enumerate(groups):
        rows = km[km["group"] == group]
        label, colour = base.category_label(group, by), base.series_style(i).colour
        for bound, fill in ((hi, None), (lo, "tonexty")):
            fig.add_scatter(
                x=rows["time"].tolist(),
                y=base.plain(rows[bound]),
                mode="lines",
                line=dict(width=0, shape="hv"),
                fill=fill,
                fillcolor=base.rgba(colour, 0.12),
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
            customdata=base.per_row(rows, ("n_at_risk", "survival", lo, hi), _hover_cells),
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
        base.add_count_row(fig, at["time"].tolist(), label, at["n_at_risk"].tolist())
    steps = np.diff(durability.at_risk_days)
    fig.update_xaxes(tick0=0, dtick=int(steps[0]) if steps.size else None)
    fig.update_xaxes(row=2, col=1, title=f"Days since the {settings.window().name} follow-up")
    fig.update_yaxes(row=1, col=1, title="Still a responder", range=[0, 1.05], tickformat=".0%")
    return base.base_layout(
        fig,
        durability_title(by),
        f"Kaplan-Meier among {count_text(durability.n_responders, policy)} responders · band = "
        f"{level} CI (log-log) · | = censored (last value, response kept)",
        height=base.height_with_count_panel(len(groups)),
    )


def escalation_chart(escalation: pd.DataFrame, settings: Settings, policy: Policy) -> go.Figure:
    """Cumulative incidence of escalation by the horizon per group, with its interval; a
    group whose follow-up ends before the horizon gets no bar and says why (a group whose
    counts the gate hid gets no bar either, and its n reads "n=–")."""
    sfx = level_suffix(settings.confidence_level)
    cols = (
        "cumulative_incidence",
        f"ci_lower_{sfx}",
        f"ci_upper_{sfx}",
        "n_escalated_within_horizon",
        "n_courses",
    )
    frame = present(escalation, ["group", *cols, "horizon_days"], policy)
    x = [base.tick_label(base.category_label(g, "severity")) for g in frame["group"]]
    too_short = followed_too_short(escalation).tolist()
    text = [
        f"{base.n_text(n)}<br>follow-up<br>too short" if short else base.n_text(n)
        for short, n in zip(too_short, frame["n_courses"], strict=True)
    ]
    bars = bars_from(frame, "Escalated", x, cols, base.series_style(0).colour)
    days = int(frame["horizon_days"].iloc[0])
    return rate_bars(
        [replace(bars, text=text)],
        "Escalation to surgery within 12 months, by degeneration severity",
        f"1 − Kaplan-Meier at day {days} · {base.level_text(settings)} CI (log-log) · n = courses",
        BarAxes(
            factor("severity").label, f"Escalated by day {days}", "courses escalated by the horizon"
        ),
        settings,
    )


def followed_too_short(escalation: pd.DataFrame) -> pd.Series:
    """The groups with no estimate at the horizon because no course of theirs was followed
    to it (none at risk there), not because the gate hid their counts."""
    at_risk = pd.to_numeric(escalation["n_at_risk_at_horizon"], errors="coerce").astype(float)
    return escalation["cumulative_incidence"].isna() & at_risk.eq(0)


def short_followup_text(escalation: pd.DataFrame) -> str | None:
    """One calm sentence naming the groups with no estimate at the horizon, if any."""
    short = escalation.loc[followed_too_short(escalation), "group"]
    if short.empty:
        return None
    names = ", ".join(base.category_label(g, "severity") for g in short)
    days = int(escalation["horizon_days"].iloc[0])
    return (
        f"No estimate yet for {names}: no course there has been followed to day "
        f"{days}, and a course seen for a shorter time is not counted as 'not "
        "escalated'."
    )


# The first columns of both tables of the curves (a row per group and day).
AT_RISK = {"group": "Group", "time": "Day", "n_at_risk": "At risk"}
AT_RISK_TABLE = {
    **AT_RISK,
    "n_events_so_far": "Responses lost so far",
    "n_censored_so_far": "Censored so far",
}


def km_table_columns(settings: Settings) -> dict[str, str]:
    return {
        **AT_RISK,
        "n_events": "Responses lost",
        "n_censored": "Censored",
        "survival": "Still a responder",
        **base.interval_columns(settings),
    }


def escalation_table_columns(settings: Settings) -> dict[str, str]:
    return {
        "group": factor("severity").label,
        "n_courses": "Courses",
        "n_escalated": "Escalated (any time)",
        "n_escalated_within_horizon": "Escalated within the horizon",
        "horizon_days": "Horizon (days)",
        "n_at_risk_at_horizon": "Followed to the horizon",
        "cumulative_incidence": "Escalated by the horizon (1 − KM)",
        **base.interval_columns(settings),
    }
