"""Overview: the headline numbers of the courses in view, every rate with its interval and n.

Definitions: methods.md section 1 (responder, eligible, follow-up, complete case vs ITT,
not yet due), section 3 (Wilson intervals), section 5 (adverse events per 100 sessions).
Every count and sentence passes the small-cell gate (section 6): a count from 1 to 10 reads
"fewer than 11", a rate that would give one away is not shown (:mod:`dashboard.widgets`).
"""

import streamlit as st

from dashboard import state, widgets

ctx = state.page_context()
settings = ctx.settings
st.title("Overview")
ov = ctx.overview()

# The boxes of one page, through the gate together: none can be worked out from the others.
shown, hidden = widgets.gated_counts(ov.counts())
sessions = widgets.HIDDEN if shown["n_sessions"] is None else widgets.count(shown["n_sessions"])
events_note = (
    f"events hidden, in {sessions} sessions"
    if shown["n_adverse_events"] is None
    else f"{widgets.count(shown['n_adverse_events'])} events in {sessions} sessions"
)

st.subheader("Courses")
courses, patients, eligible, no_baseline, low_baseline, not_due = st.columns(6)
with courses:
    widgets.count_metric("Courses", shown["n_courses"], f"sessions delivered: {sessions}")
with patients:
    widgets.count_metric("Patients", shown["n_patients"])
with eligible:
    widgets.count_metric(
        "Eligible", shown["n_eligible"], f"baseline NRS pain ≥ {settings.min_baseline:g}"
    )
with no_baseline:
    widgets.count_metric(
        "No baseline",
        shown["n_no_baseline"],
        "no pain score on or before day 0",
        help="Left out of responder rates (methods.md section 1).",
    )
with low_baseline:
    widgets.count_metric(
        "Low baseline",
        shown["n_low_baseline"],
        f"baseline below {settings.min_baseline:g}: no room to improve",
        help="Left out of responder rates (methods.md section 1).",
    )
with not_due:
    widgets.count_metric(
        "Not yet due",
        shown["n_not_yet_due"],
        f"{settings.window().name} window not closed by the extract",
        help="Counted on its own, in no other box (methods.md section 1); a course "
        "without observed_days counts as due.",
    )
if hidden:
    widgets.caption(hidden)
if ov.n_not_yet_due:
    widgets.caption(widgets.not_yet_due(shown["n_not_yet_due"], settings))

window = settings.window()
st.subheader(f"Response at {window.name} (day {window.first_day}–{window.last_day})")
widgets.caption(widgets.responder_definition(settings))
followup, complete_case, itt, substantial = st.columns(4)
with followup:
    widgets.rate_metric(
        "Follow-up completeness",
        ov.followup,
        "eligible with a follow-up value",
        settings,
        help="Eligible courses with a pain score in the window.",
        gated=(shown["n_followup"], shown["n_eligible"]),
    )
with complete_case:
    widgets.rate_metric(
        "Responders, complete case",
        ov.responder_complete_case,
        "eligible with follow-up",
        settings,
        help="Responders among eligible courses with a follow-up value.",
        gated=(shown["n_responders"], shown["n_followup"]),
    )
with itt:
    widgets.rate_metric(
        "Responders, ITT",
        ov.responder_itt,
        "eligible",
        settings,
        help="Responders among all eligible courses; a missing follow-up "
        "counts as no response, so this is the lower bound.",
        gated=(shown["n_responders"], shown["n_eligible"]),
    )
with substantial:
    share = f"{settings.substantial_min_drop_fraction * 100:g} %"
    widgets.rate_metric(
        f"Substantial (≥ {share} less pain)",
        ov.substantial,
        "eligible with follow-up",
        settings,
        help="Pain down by at least half, among eligible courses with follow-up (complete case).",
        gated=(shown["n_substantial_responders"], shown["n_followup"]),
    )

st.subheader("Safety")
events, serious = st.columns(2)
with events:
    widgets.event_rate_metric(
        "Adverse events per 100 sessions",
        ov.adverse_events_per_100_sessions,
        ov.adverse_events_per_100_sessions_lower,
        ov.adverse_events_per_100_sessions_upper,
        events_note,
        settings,
        help="Exact Poisson interval (Garwood), methods.md section 5.",
        events=ov.n_adverse_events,
        hide=shown["n_adverse_events"] is None or shown["n_sessions"] is None,
    )
with serious:
    widgets.count_metric(
        "Serious adverse events",
        shown["n_serious_adverse_events"],
        "included in the events per 100 sessions",
    )
