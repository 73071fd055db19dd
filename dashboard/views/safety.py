"""Safety & screening: adverse events per 100 sessions and per course by route and provider,
every serious event, and screening as a quality indicator (issue 4).

Definitions: methods.md section 3 (intervals) and section 5 (safety, screening). A provider
sees their own courses (the scope is a bound parameter in every query of the core) beside
the whole clinic's rate, an aggregate every viewer may see (methods.md section 6).
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts import safety
from queries.analytics import safety as safety_core

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
ctx.overview()  # no course in view at all: the router says so in one sentence

CAPTIONS = {
    "route": "Adverse events of every grade (flare events included) per 100 sessions given "
    "and per course, by route, with exact Poisson intervals (Garwood) and n. The "
    "dashed line is the whole clinic's rate under the same filters.",
    "provider": "The same per provider, crude: not adjusted for case mix or route. "
    "Overlapping intervals are no evidence of a difference.",
    "serious": "Every adverse event recorded as serious, one row per event, as entered "
    "(methods.md section 5); nothing is aggregated or hidden.",
    "screening": "Quality indicator (methods.md section 5): courses given without a "
    "contraindication screen, or given despite a contraindication, with Wilson "
    "intervals. G6PD testing among courses where the field was filled in.",
}

st.title("Safety & screening")
widgets.caption(widgets.scope_text(ctx.role, ctx.scope))

st.subheader("Adverse events")
for by in ("route", "provider"):
    with widgets.section():
        rates = widgets.require(ctx.run(safety_core.adverse_event_rates, by=by))
        overall = ctx.run(safety_core.clinic_adverse_event_rates)
        widgets.plot(safety.adverse_event_chart(rates, overall, by, settings, policy))
        widgets.caption(CAPTIONS[by])
        widgets.table(
            rates,
            safety.adverse_event_columns(by, settings),
            policy,
            f"adverse_events_by_{by}.csv",
            percent=safety.ADVERSE_EVENT_PERCENT,
            behind_chart=True,
        )

st.subheader("Serious adverse events")
with widgets.section():
    widgets.serious_event_list(ctx.run(safety_core.serious_events), policy)
    widgets.caption(CAPTIONS["serious"])

st.subheader("Screening")
with widgets.section():
    screening = ctx.run(safety_core.screening_summary)
    metrics = (  # label, rate, what n counts, how it is counted
        (
            "Given without a screen",
            screening.not_screened,
            "courses",
            "contraindication recorded as not_screened",
        ),
        (
            "Given despite a contraindication",
            screening.contraindicated,
            "courses",
            "a contraindication other than none or not_screened",
        ),
        (
            "G6PD tested",
            screening.g6pd_tested,
            "courses with the field filled in",
            f"{widgets.count(screening.n_g6pd_unknown)} courses left the field empty and are "
            "not counted.",
        ),
    )
    for column, (label, rate, n_meaning, note) in zip(
        st.columns(len(metrics)), metrics, strict=True
    ):
        with column:
            widgets.rate_metric(label, rate, n_meaning, settings, help=note)
    widgets.caption(CAPTIONS["screening"])
    widgets.say("**Courses to review** (not screened, or a contraindication)")
    widgets.table(
        ctx.run(safety_core.screening_exceptions),
        safety.SCREENING_EXCEPTION_TABLE,
        policy,
        "screening_exceptions.csv",
        percent=(),
    )
