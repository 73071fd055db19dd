"""Overview: the headline numbers of the courses in view, every rate with its interval and n.

Definitions: methods.md section 1 (responder, eligible, follow-up, complete case vs ITT,
not yet due), section 3 (Wilson intervals), section 5 (adverse events per 100 sessions).
"""

import streamlit as st

from dashboard import state, widgets

ctx = state.page_context()
settings = ctx.settings
st.title("Overview")
ov = ctx.overview()

st.subheader("Courses")
courses, patients, eligible, no_baseline, low_baseline, not_due = st.columns(6)
with courses:
    widgets.count_metric("Courses", ov.n_courses, f"{ov.n_sessions:,} sessions delivered")
with patients:
    widgets.count_metric("Patients", ov.n_patients)
with eligible:
    widgets.count_metric(
        "Eligible", ov.n_eligible, f"baseline NRS pain ≥ {settings.min_baseline:g}"
    )
with no_baseline:
    widgets.count_metric(
        "No baseline",
        ov.n_no_baseline,
        "no pain score on or before day 0",
        help="Left out of responder rates (methods.md section 1).",
    )
with low_baseline:
    widgets.count_metric(
        "Low baseline",
        ov.n_low_baseline,
        f"baseline below {settings.min_baseline:g}: no room to improve",
        help="Left out of responder rates (methods.md section 1).",
    )
with not_due:
    widgets.count_metric(
        "Not yet due",
        ov.n_not_yet_due,
        f"{settings.window().name} window not closed by the extract",
        help="Counted on its own, in no other box (methods.md section 1); a course "
        "without observed_days counts as due.",
    )
if ov.n_not_yet_due:
    st.caption(widgets.not_yet_due(ov.n_not_yet_due, settings))

window = settings.window()
st.subheader(f"Response at {window.name} (day {window.first_day}–{window.last_day})")
st.caption(widgets.responder_definition(settings))
followup, complete_case, itt, substantial = st.columns(4)
with followup:
    widgets.rate_metric(
        "Follow-up completeness",
        ov.followup,
        "eligible with a follow-up value",
        settings,
        help="Eligible courses with a pain score in the window.",
    )
with complete_case:
    widgets.rate_metric(
        "Responders, complete case",
        ov.responder_complete_case,
        "eligible with follow-up",
        settings,
        help="Responders among eligible courses with a follow-up value.",
    )
with itt:
    widgets.rate_metric(
        "Responders, ITT",
        ov.responder_itt,
        "eligible",
        settings,
        help="Responders among all eligible courses; a missing follow-up "
        "counts as no response, so this is the lower bound.",
    )
with substantial:
    share = f"{settings.substantial_min_drop_fraction * 100:g} %"
    widgets.rate_metric(
        f"Substantial (≥ {share} less pain)",
        ov.substantial,
        "eligible with follow-up",
        settings,
        help="Pain down by at least half, among eligible courses with follow-up (complete case).",
    )

st.subheader("Safety")
events, serious = st.columns(2)
with events:
    widgets.event_rate_metric(
        "Adverse events per 100 sessions",
        ov.adverse_events_per_100_sessions,
        ov.adverse_events_per_100_sessions_lower,
        ov.adverse_events_per_100_sessions_upper,
        f"{ov.n_adverse_events:,} events in {ov.n_sessions:,} sessions",
        settings,
        help="Exact Poisson interval (Garwood), methods.md section 5.",
    )
with serious:
    widgets.count_metric(
        "Serious adverse events",
        ov.n_serious_adverse_events,
        "included in the events per 100 sessions",
    )
