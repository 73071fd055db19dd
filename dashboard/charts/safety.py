"""The Safety & screening page's figures and tables (issue 4; methods.md section 5).

Adverse events per 100 sessions and per course with exact Poisson intervals (Garwood 1936),
each group beside the whole clinic's rate (a dashed line), and the columns of the serious
event list and the screening exceptions.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts import base
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, present
from queries.stats.intervals import level_suffix

# rate column -> (n column, n meaning, axis title), one panel each, left to right
EVENT_PANELS = {
    "events_per_100_sessions": ("n_sessions", "sessions", "Events per 100 sessions"),
    "events_per_course": ("n_courses", "courses", "Events per course"),
}


def adverse_event_title(by: str) -> str:
    return f"Adverse events by {factor(by).label.lower()}"


def _rate(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.2f}" if value < 1 else f"{value:.1f}"


def adverse_event_chart(
    rates: pd.DataFrame, overall: pd.DataFrame, by: str, settings: Settings, policy: Policy
) -> go.Figure:
    """Dot plot per group: events per 100 sessions and per course with exact Poisson
    intervals; a dashed line marks the whole clinic's rate (same filters)."""
    sfx, level = level_suffix(settings.confidence_level), base.level_text(settings)
    cols = ["group", "n_courses", "n_sessions", "n_events"]
    for rate in EVENT_PANELS:
        cols += [rate, f"{rate}_ci_lower_{sfx}", f"{rate}_ci_upper_{sfx}"]
    frame, total = present(rates, cols, policy), present(overall, cols, policy)
    labels = [base.category_label(g, by) for g in frame["group"]]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04)
    for col, (rate, (n_col, n_meaning, axis)) in enumerate(EVENT_PANELS.items(), start=1):
        style = base.series_style(col - 1)
        lower, upper = frame[f"{rate}_ci_lower_{sfx}"], frame[f"{rate}_ci_upper_{sfx}"]
        fig.add_scatter(
            x=base.plain(frame[rate]),
            y=labels,
            name=axis,
            **base.marks_with_n(style, frame[n_col], "top right", size=10),
            error_x=base.error_bars(
                base.plain(upper - frame[rate]),
                base.plain(frame[rate] - lower),
                style.colour,
                thickness=base.INTERVAL_THICKNESS,
                width=4,
            ),
            customdata=[
                [_rate(r), _rate(a), _rate(b), base.count_text(e), base.count_text(n)]
                for r, a, b, e, n in zip(
                    frame[rate], lower, upper, frame["n_events"], frame[n_col], strict=True
                )
            ],
            hovertemplate=(
                f"%{{y}}: %{{customdata[0]}} {axis.lower()} ({level} CI "
                "%{customdata[1]}–%{customdata[2]})<br>%{customdata[3]} events in "
                f"%{{customdata[4]}} {n_meaning}<extra></extra>"
            ),
            showlegend=False,
            row=1,
            col=col,
        )
        if not total.empty and pd.notna(total[rate].iloc[0]):
            fig.add_vline(
                x=float(total[rate].iloc[0]),
                row=1,
                col=col,
                line=dict(color=base.NEUTRAL, dash="dash", width=1.2),
                annotation_text=f"whole clinic {_rate(total[rate].iloc[0])}",
                annotation_position="top right",
                annotation_font=dict(size=10),
            )
        fig.update_xaxes(title=axis, rangemode="tozero", row=1, col=col)
    # first group on top; an empty slot above it holds the labels of the dashed lines
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        range=[len(labels) - 0.5, -1.2],
        title=factor(by).label,
        ticklabelstandoff=10,
        row=1,
        col=1,
    )  # room for a dot at 0
    return base.base_layout(
        fig,
        adverse_event_title(by),
        f"all seriousness grades · {level} exact Poisson CI (Garwood) · n = "
        "sessions (left), courses (right) · dashed = every course in view",
        legend=None,
        height=max(base.FIGURE_HEIGHT, 150 + 55 * len(labels)),
    )


def adverse_event_columns(by: str, settings: Settings) -> dict[str, str]:
    return {
        "group": factor(by).label,
        "n_courses": "Courses",
        "n_sessions": "Sessions",
        "n_events": "Events",
        "n_serious_events": "Serious events",
        "events_per_100_sessions": "Events per 100 sessions",
        **base.interval_columns(settings, "events_per_100_sessions_", "per 100 sessions "),
        "serious_events_per_100_sessions": "Serious events per 100 sessions",
        **base.interval_columns(settings, "serious_events_per_100_sessions_", "serious "),
        "events_per_course": "Events per course",
        **base.interval_columns(settings, "events_per_course_", "per course "),
        "n_courses_with_event": "Courses with an event",
        "course_event_rate": "Share of courses with an event",
        **base.interval_columns(settings, "course_event_", "share "),
    }


# Which table columns are shares (shown as %); the Poisson rates are not.
ADVERSE_EVENT_PERCENT = ("course_event_",)

SERIOUS_EVENT_TABLE = {
    "course_id": "Course",
    "day": "Day",
    "event": "Event",
    "provider_id": "Provider",
    "session_number": "Session",
}

SCREENING_EXCEPTION_TABLE = {
    "course_id": "Course",
    "provider_id": "Provider",
    "contraindication": "Screening result",
    "n_sessions_completed": "Sessions given",
    "g6pd_tested": "G6PD tested",
}
