"""What the pages draw with Streamlit, the same way on every page: a figure, a metric, a table
with its CSV download, a section that says calmly when there is nothing to show, and the
shared sentences (the responder definition, whose courses a page shows).

Figures are built by :mod:`dashboard.charts` (pure); tables and downloads pass through
:func:`queries.disclosure.gate.present` like every figure, and show the gate's note of what
it hid. Every sentence a page writes goes through :func:`say` or :func:`caption`, which pass it
through :func:`queries.disclosure.gate.redact` (a count from 1 to threshold-1 becomes "fewer
than N"); a single count is written with :func:`count` and a metric shows a hidden count or
a rate that would give one away as hidden (methods.md section 6). Each takes the policy of
the page context unless given one (My practice's preview passes the provider's).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import headline
from dashboard.charts.base import PLOTLY_CONFIG
from dashboard.charts.safety import SERIOUS_EVENT_TABLE
from dashboard.state import NO_MATCH, ROLE_PROVIDER, page_context
from queries.core.errors import InsufficientData
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.disclosure.gate import (
    Policy,
    count_text,
    disclose,
    hidden_note,
    present,
    redact,
    shown_count,
    to_csv,
)
from queries.stats.intervals import ProportionInterval

# Columns whose name contains one of these are shares, shown as whole percentages.
PERCENT_COLUMNS = ("_rate", "ci_lower", "ci_upper")
NUMBERS_BEHIND = "Numbers behind this chart"  # the expander of a chart's table
HIDDEN = headline.HIDDEN  # a count the gate hid so that a small one cannot be worked out


# --- sentences through the gate -----------------------------------------------------------


def _policy(policy: Policy | None) -> Policy:
    """The policy given, else the page context's."""
    return page_context().policy if policy is None else policy


def count(n: int | float | None, policy: Policy | None = None) -> str:
    """One count as a sentence may write it: '1,240', 'fewer than 11' when hidden."""
    return count_text(n, _policy(policy))


def say(text: str, policy: Policy | None = None) -> None:
    """A sentence (markdown) with its counts from 1 to threshold-1 hidden."""
    st.markdown(redact(text, _policy(policy)))


def caption(text: str, policy: Policy | None = None) -> None:
    """A caption with its counts from 1 to threshold-1 hidden."""
    st.caption(redact(text, _policy(policy)))


def all_shown(counts: tuple[int | float, ...], policy: Policy | None = None) -> bool:
    """Whether none of ``counts`` is a count from 1 to threshold-1: counts that add up to a
    shown whole are shown together or not at all (complementary hiding)."""
    shown = _policy(policy)
    return not any(n and shown_count(n, shown) is None for n in counts)


def part_count(part: int, whole: int, policy: Policy | None = None) -> str:
    """A count that is part of a shown whole: the count, or "not shown" when it or the rest
    (whole - part) is from 1 to threshold-1 (the whole would give one from the other)."""
    if not all_shown((part, whole - part), policy):
        return "not shown"
    return count(part, policy)


def versus(first: tuple[int, str], second: tuple[int, str], policy: Policy | None = None) -> str:
    """'6 non-responders vs 20 responders' (counts and what they count), or both words
    without the counts when either is from 1 to threshold-1."""
    shown = _policy(policy)
    (a, a_words), (b, b_words) = first, second
    if not all_shown((a, b), shown):
        return (
            f"{a_words.capitalize()} vs {b_words} (the counts are not shown: one is under "
            f"{shown.min_cell_size})"
        )
    return f"{count(a, shown)} {a_words} vs {count(b, shown)} {b_words}"


def gated_counts(
    counts: dict[str, int], policy: Policy | None = None
) -> tuple[dict[str, int | None], str | None]:
    """Counts a page shows side by side (the Overview's boxes), through the gate as one row,
    so that none can be worked out from the others (courses = not yet due + no baseline +
    low baseline + eligible ...: methods.md section 6): each as shown (None: hidden, being
    small or giving a small one away), and the gate's note of what it hid."""
    frame = disclose(pd.DataFrame([counts]), _policy(policy))
    row = frame.iloc[0]
    shown = {k: None if pd.isna(row[k]) else int(row[k]) for k in counts}
    return shown, hidden_note(frame)


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


def not_yet_due(n_not_yet_due: int | None, settings: Settings, policy: Policy | None = None) -> str:
    """What "not yet due" means, with how many (methods.md section 1 "Not yet due"; a count
    under the threshold as "fewer than N", one the gate hid on the page, None, as "some")."""
    w = settings.window()
    shown = "some" if n_not_yet_due is None else count(n_not_yet_due, policy)
    courses = "1 course is" if shown == "1" else f"{shown} courses are"
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


def _boxed_metric(
    label: str, value: str, note: str | None, help: str | None, policy: Policy
) -> None:
    """A metric in a bordered box, with an optional note under it: every metric's look; the
    note and the help through the gate."""
    with st.container(border=True):
        st.metric(label, value, help=None if help is None else redact(help, policy))
        if note:
            st.caption(redact(note, policy))


def count_metric(
    label: str,
    value: int | None,
    note: str | None = None,
    help: str | None = None,
    policy: Policy | None = None,
) -> None:
    """A count in a bordered box, with an optional note under it; a count from 1 to
    threshold-1 reads "fewer than N", one the gate hid (None, :func:`gated_counts`) "hidden"."""
    shown = _policy(policy)
    _boxed_metric(label, headline.count_value(value, shown), note, help, shown)


def rate_metric(
    label: str,
    interval: ProportionInterval,
    n_meaning: str,
    settings: Settings,
    help: str | None = None,
    policy: Policy | None = None,
    gated: tuple[int | None, int | None] | None = None,
) -> None:
    """A rate, its interval and its n: '67 %' / '95 % CI 35–88 % · 6 of 9 with follow-up';
    where the rate would give away a count under the threshold (its denominator under it, or
    its numerator or the rest: :func:`queries.disclosure.gate.rate_shown`), only the n.
    ``gated``: its numerator and denominator as :func:`gated_counts` shows them on the same
    page (None: hidden there, so hidden here too, and the rate with it)."""
    shown = _policy(policy)
    box = headline.rate_box(interval, n_meaning, settings, shown, gated)
    _boxed_metric(label, box.value, box.note, help, shown)


def event_rate_metric(
    label: str,
    rate: float,
    lower: float,
    upper: float,
    note: str,
    settings: Settings,
    help: str | None = None,
    events: int | None = None,
    policy: Policy | None = None,
    hide: bool = False,
) -> None:
    """An event rate per 100 units with its (exact Poisson) interval; not shown when its
    ``events`` are a count from 1 to threshold-1 (the rate times the units gives them back),
    or with ``hide`` (its counts hidden on the page: :func:`gated_counts`)."""
    shown = _policy(policy)
    hide = hide or headline.gives_small_count_away(events, shown)
    box = headline.event_rate_box(rate, lower, upper, note, settings, hide)
    _boxed_metric(label, box.value, box.note, help, shown)


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
    ``behind_chart``: the numbers of the chart above, in a closed expander under it. The
    gate's note of what it hid (:func:`queries.disclosure.gate.hidden_note`) is a caption
    under the table (under the chart, outside the expander, for ``behind_chart``).
    """
    shown = present(frame, columns, policy)
    note = hidden_note(shown)
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

    if note and behind_chart:
        st.caption(note)
    with st.expander(NUMBERS_BEHIND) if behind_chart else nullcontext():
        st.dataframe(shown, hide_index=True, column_config=config)
        if note and not behind_chart:
            st.caption(note)
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
    n_events, n_courses = count(len(events), policy), count(events["course_id"].nunique(), policy)
    say(f"**{n_events}** serious events in **{n_courses}** courses.", policy)
    table(events, SERIOUS_EVENT_TABLE, policy, "serious_events.csv", percent=())
