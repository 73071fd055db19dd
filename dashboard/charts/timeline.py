"""The pain trajectory of the Timeline page (issue 4), also drawn on Cases like this: mean
change in pain by week since the first session, with its interval, per group.

Definitions: methods.md section 3 (t intervals) and section 5 (trajectory, early flare).
Series differ by colour and by marker; the baseline and the flare window are drawn as a line
and a shaded band; the n of every point is written under the chart (courses per week).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, present
from queries.stats.intervals import level_suffix
from queries.stats.trajectory import ALL_COURSES, TRAJECTORY_WEEKS

FLARE_SHADE = base.OKABE_ITO["reddish_purple"]
BAND_ALPHA = 0.14  # an interval band, behind its line
# The Timeline trajectory's splits: the control's labels and their grouping keys.
SPLITS = {
    "All": None,
    "Severity": "severity",
    "Adherence": "adherence",
    "Rehab": "rehab",
    "Provider": "provider",
}


def _group_label(group: object, by: str | None) -> str:
    return "All courses" if by is None or group == ALL_COURSES else base.category_label(group, by)


def trajectory_title(by: str | None) -> str:
    """Title of the trajectory chart split ``by`` (None = all courses together)."""
    base = "Mean change in pain (NRS 0–10) by week since the first session"
    return base if by is None else f"{base}, by {factor(by).label.lower()}"


def _week_position(day: float) -> float:
    """Where a day falls on the evenly spaced week axis (between the weeks' slots)."""
    return float(np.interp(day / 7, TRAJECTORY_WEEKS, range(len(TRAJECTORY_WEEKS))))


def _points(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:+.1f}"


def _hover_cells(n: object, mean: float, lower: float, upper: float) -> list[str]:
    """A week's hover: its n, the mean change and its interval, in points."""
    return [base.count_text(n), _points(mean), _points(lower), _points(upper)]


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
    level = base.level_text(settings)
    fig = base.with_count_panel(len(groups), "Courses (n)")
    for i, group in enumerate(groups):
        rows = frame[frame["group"] == group]
        label, style = _group_label(group, by), base.series_style(i)
        band = rows[rows[lo].notna() & rows[hi].notna()]
        fig.add_scatter(
            x=[*band["week"], *band["week"][::-1]],
            y=[*band[hi], *band[lo][::-1]],
            fill="toself",
            fillcolor=base.rgba(style.colour, BAND_ALPHA),
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
            y=base.plain(rows["mean_change"]),
            name=label,
            legendgroup=label,
            mode="lines+markers",
            line=dict(color=style.colour, width=2),
            marker=dict(color=style.colour, size=8, symbol=style.symbol),
            customdata=base.per_row(rows, ("n_courses", "mean_change", lo, hi), _hover_cells),
            hovertemplate=(
                f"{label}, week %{{x}}<br>mean change %{{customdata[1]}} points "
                f"({level} CI %{{customdata[2]}} to %{{customdata[3]}})"
                "<br>n = %{customdata[0]} courses<extra></extra>"
            ),
            row=1,
            col=1,
        )
        base.add_count_row(fig, rows["week"].tolist(), label, rows["n_courses"].tolist())
    fig.add_vrect(
        x0=_week_position(settings.flare_first_day),
        x1=_week_position(settings.flare_last_day),
        row=1,
        col=1,
        fillcolor=base.rgba(FLARE_SHADE, 0.12),
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
        line=dict(color=base.NEUTRAL, width=1, dash="dot"),
        annotation_text="baseline",
        annotation_position="bottom right",
        annotation_font=dict(size=10, color=base.NEUTRAL),
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
    return base.base_layout(
        fig,
        trajectory_title(by),
        f"{level} t interval (band) · baseline = last value on or before day 0 "
        "· n = courses with a value that week",
        height=base.height_with_count_panel(len(groups)),
    )


def trajectory_columns(by: str | None, settings: Settings) -> dict[str, str]:
    return {
        "group": factor(by).label if by else "Group",
        "week": "Week",
        "n_courses": "Courses with a value",
        "mean_change": "Mean change (points)",
        **base.interval_columns(settings),
    }


def captions(settings: Settings) -> dict[str, str]:
    """The Timeline page's caption under each chart, by chart ("trajectory", "flare", "flow",
    "outcome", "expectations", "quit", "durability", "escalation"), with the settings'
    flare window and rise (methods.md section 5)."""
    flare_days = f"day {settings.flare_first_day}–{settings.flare_last_day}"
    return {
        "trajectory": "Mean change in NRS pain from baseline at each week, with its t interval "
        "and the number of courses measured that week; below 0 = less pain. Courses measured "
        "late differ from those who stopped early, so later weeks describe the courses still "
        f"followed. Shaded: the early-flare window ({flare_days}).",
        "flare": f"Early flare (methods.md section 5): NRS on {flare_days} at least "
        f"{settings.flare_min_rise:g} point above baseline, or a post_injection_flare "
        "event. Quit = stopped after 1–2 sessions with more planned.",
        "flow": "Read left to right: courses with a session, whether they flared, whether they "
        "went on or stopped after 1–2 sessions, and their outcome. 'Not eligible' = no "
        "baseline or a baseline below the minimum (left out of responder rates).",
        "outcome": "Responder rate (IMMPACT, complete case; n = courses with follow-up) of "
        "each path with its Wilson interval. Descriptive: people who quit differ from those "
        "who go on, so this is not the effect of continuing.",
        "expectations": "The same split within each expectations group; a bar with n=0 has "
        "no course. Descriptive, crude rates.",
        "quit": "Share who stopped after 1–2 sessions with more planned, after a flare vs "
        "without one (n = courses with / without a flare), per expectations group, with "
        "Wilson intervals.",
        "durability": "Among responders at the primary follow-up: the share still "
        "responding, day by day after it; a response is lost at the first later value that "
        "is no longer a response (IMMPACT). Numbers at risk under the curves, rounded down to "
        "a multiple of the small-cell threshold; a step is drawn once that many responses "
        "were lost (methods.md section 6). Association, not effect: who is referred to rehab "
        "differs.",
        "escalation": "Share escalated to surgery (or other invasive care) within 12 months, "
        "as 1 − Kaplan-Meier so that courses seen for less than a year are not counted as "
        "'not escalated'. Crude, by severity.",
    }
