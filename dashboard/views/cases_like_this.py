"""Cases like this: how similar courses went, for the patient in front of you (issue 3).

Pick indication, severity, age band and rehab plan ("any" leaves one open; the choice lives
in the page address). The clinic's similar courses, and for a director each provider's,
with the responder rate and its interval; the typical pain trajectory of similar courses.
Small groups are hidden by the disclosure gate, as the core's results declare (methods.md
section 6).
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts import providers as cp
from dashboard.charts.timeline import trajectory_chart
from dashboard.widgets import section
from queries.analytics import cases
from queries.analytics.rates import too_few_sentence
from queries.core.factors import factor

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
min_cell = policy.min_cell_size

# Pickers: label, URL key (distinct from the sidebar's keys), choices in natural order.
PICKERS = (
    ("Indication", "like_indication", factor("indication").levels),
    ("Severity", "like_severity", factor("severity").levels),
    ("Age band", "like_age_band", factor("age_band").levels),
    ("Rehab plan", "like_rehab", factor("rehab").levels),
)

st.title("Cases like this")
widgets.caption(
    "Pick what you know about the patient; “any” leaves a factor open. The choice is "
    "kept in the page address, so the view can be shared."
)
picked = [
    column.selectbox(label, [cases.ANY, *choices], key=key, bind="query-params")
    for column, (label, key, choices) in zip(st.columns(len(PICKERS)), PICKERS, strict=True)
]
profile = cases.case_profile(*picked)

rows = ctx.run(cases.cases_like_this, profile=profile).groups
if rows.empty:
    st.info(
        "No course in the clinic matches this case — set one of the pickers to “any”.",
        icon=":material/filter_alt_off:",
    )
    st.stop()

whose = "the clinic and each provider" if ctx.role == state.ROLE_DIRECTOR else "the clinic and you"
st.subheader("How similar courses went")
widgets.plot(
    cp.rates_beside_clinic(rows, settings, policy, f"Responders among similar courses: {whose}")
)
widgets.caption(
    f"{widgets.responder_definition(settings)} Groups with fewer than {min_cell} "
    "courses with follow-up are hidden, with one more where the total would give "
    "them away."
)
if note := too_few_sentence(rows, settings.min_provider_courses):
    widgets.say(note, policy)
widgets.table(rows, cp.rates_columns(settings), policy, "cases_like_this.csv")

st.subheader("Typical pain trajectory of similar courses")
with section():
    weeks = ctx.run(cases.trajectory_like_this, profile=profile).weeks
    widgets.plot(trajectory_chart(weeks, None, settings, policy))
    scope = "the clinic's" if ctx.scope.is_clinic else "your own"
    widgets.caption(
        f"Mean change in NRS pain from baseline among {scope} similar courses with a "
        "baseline, week by week, with a t interval; below 0 = less pain. Weeks with "
        f"fewer than {min_cell} courses are hidden (–). Descriptive: who is still "
        "measured changes over time."
    )
