"""What the pages draw with Streamlit, the same way on every page: a figure, a metric, a table
with its CSV download, a section that says calmly when there is nothing to show, and the
shared sentences (the responder definition, whose courses a page shows).

Figures are built by :mod:`dashboard.charts` (pure); tables and downloads pass through
:func:`queries.disclosure.gate.present` like every figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.charts.base import PLOTLY_CONFIG, level_text
from dashboard.charts.safety import SERIOUS_EVENT_TABLE
from dashboard.state import NO_MATCH, ROLE_PROVIDER, page_context
from queries.core.errors import InsufficientData
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, format_interval, format_percent, present, to_csv
from queries.stats.intervals import ProportionInterval

# Columns whose name contains one of these are shares, shown as whole percentages.
PERCENT_COLUMNS = ("_rate", "ci_lower", "ci_upper")
NUMBERS_BEHIND = "Numbers behind this chart"  # the expander of a chart's table


# --- shared sentences ---------------------------------------------------------------------


def responder_definition(settings: Settings) -> str:
    """The primary outcome in one sentence (methods.md section 1)."""
    w = settings.window()
    return (
        f"Responder (IMMPACT, Dworkin 2008): NRS pain down ≥ "
        f"{settings.responder_min_drop_points:g} points and ≥ "
        f"{settings.responder_min_drop_fraction * 100:g} % from baseline at the {w.name} "
        f"follow-up (day {w.first_day}–{w.last_day}); eligible = baseline ≥ "
        f"{settings.min_baseline:g}. Complete case counts the courses with a follow-up "
        "value; ITT counts a missing follow-up as no response (a lower bound)."
    )


def not_yet_due(n_not_yet_due: int, settings: Settings) -> str:
    """What "not yet due" means, with how many (methods.md section 1 "Not yet due")."""
    w = settings.window()
    courses = "1 course is" if n_not_yet_due == 1 else f"{n_not_yet_due:,} courses are"
    return (
        f"Not yet due: {courses} too recent for the {w.name} follow-up (its window, day "
        f"{w.first_day}–{w.last_day}, had not closed when the extract was taken: "
        "observed_days), so they are left out of eligible, follow-up and every responder rate."
    )


def scope_text(role: str, scope: Scope) -> str:
    """Whose courses a page shows."""
    if role == ROLE_PROVIDER:
        return f"Your own courses only (provider {scope.provider_id}), in the sidebar's filters."
    return "Every course of the clinic in the sidebar's filters."


# --- sections -----------------------------------------------------------------------------


@contextmanager
def section() -> Iterator[None]:
    """One section of a page: when the core finds nothing to show (``InsufficientData``),
    say so calmly in place and let the page's other sections draw."""
    try:
        yield
    except InsufficientData as exc:
        st.info(str(exc) or NO_MATCH, icon=":material/filter_alt_off:")


def require(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame, or ``InsufficientData`` when it has no rows (for :func:`section`)."""
    if frame.empty:
        raise InsufficientData(NO_MATCH)
    return frame


# --- figures and metrics ------------------------------------------------------------------


def plot(fig: go.Figure) -> None:
    """Draw a figure at the width of its column, with the app's own look."""
    st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG)


def _boxed_metric(label: str, value: str, note: str | None, help: str | None) -> None:
    """A metric in a bordered box, with an optional note under it: every metric's look."""
    with st.container(border=True):
        st.metric(label, value, help=help)
        if note:
            st.caption(note)


def count_metric(label: str, value: int, note: str | None = None, help: str | None = None) -> None:
    """A count in a bordered box, with an optional note under it."""
    _boxed_metric(label, f"{value:,}", note, help)


def rate_metric(
    label: str,
    interval: ProportionInterval,
    n_meaning: str,
    settings: Settings,
    help: str | None = None,
) -> None:
    """A rate, its interval and its n: '67 %' / '95 % CI 35–88 % · 6 of 9 with follow-up'."""
    bounds = format_interval(interval.lower, interval.upper, interval.n)
    _boxed_metric(
        label,
        format_percent(interval.rate, interval.n),
        f"{level_text(settings)} CI {bounds} · {interval.successes:,} of {interval.n:,} "
        f"{n_meaning}",
        help,
    )


def event_rate_metric(
    label: str,
    rate: float,
    lower: float,
    upper: float,
    note: str,
    settings: Settings,
    help: str | None = None,
) -> None:
    """An event rate per 100 units with its (exact Poisson) interval."""
    bounds = "–" if pd.isna(lower) else f"{lower:.1f}–{upper:.1f}"
    value = "–" if pd.isna(rate) else f"{rate:.1f}"
    _boxed_metric(label, value, f"{level_text(settings)} CI {bounds} · {note}", help)


# --- tables -------------------------------------------------------------------------------


def table(
    frame: pd.DataFrame,
    columns: dict[str, str],
    policy: Policy,
    file_name: str,
    percent: tuple[str, ...] = PERCENT_COLUMNS,
    behind_chart: bool = False,
) -> None:
    """Show ``frame`` through ``present`` and offer the same table as a CSV download.

    Columns whose name contains one of ``percent`` are shown as whole percentages (the CSV
    keeps the fractions at full precision). The CSV is built when it is downloaded, and the
    download is recorded in the audit log first (``PageContext.audit``: an export, its rows).
    ``behind_chart``: the numbers of the chart above, in a closed expander under it.
    """
    shown = present(frame, columns, policy)
    config = {
        label: st.column_config.NumberColumn(format="percent", step=0.01)
        for name, label in columns.items()
        if any(p in name for p in percent)
    }
    ctx = page_context()

    def export() -> bytes:
        """The CSV, built on click and recorded as an export first (no log line, no file)."""
        ctx.audit("export", rows=len(shown), what=file_name)
        return to_csv(shown)

    with st.expander(NUMBERS_BEHIND) if behind_chart else nullcontext():
        st.dataframe(shown, hide_index=True, column_config=config)
        st.download_button(
            "Download CSV",
            data=export,
            file_name=file_name,
            mime="text/csv",
            key=f"download_{file_name}",
            on_click="ignore",
            icon=":material/download:",
        )


def serious_event_list(events: pd.DataFrame, policy: Policy) -> None:
    """How many serious events in how many courses, then every one of them (with a CSV
    download); a calm sentence instead when there is none."""
    if events.empty:
        st.info(
            "No serious adverse event is recorded for the courses in view.", icon=":material/check:"
        )
        return
    st.markdown(
        f"**{len(events):,}** serious events in **{events['course_id'].nunique():,}** courses."
    )
    table(events, SERIOUS_EVENT_TABLE, policy, "serious_events.csv", percent=())
