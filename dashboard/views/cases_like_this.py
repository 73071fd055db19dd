"""Cases like this: how similar courses went, for the patient in front of you (issue 3).

Pick indication, severity, age band and rehab plan ("any" leaves one open; the choice lives
in the page address). The clinic's similar courses, and for a director each provider's,
with the responder rate and its interval; the typical pain trajectory of similar courses.
Small groups are hidden by ``queries.analytics.provider_views`` (methods.md section 6).
"""

import streamlit as st

from dashboard import charts, state
from dashboard import charts_providers as cp
from dashboard.charts_timeline import section, trajectory_chart
from queries.analytics import provider_views as views
from queries.data.contract import AGE_BANDS, INDICATIONS, REHAB, SEVERITY_CLASSES
from queries.analytics import providers
from queries.analytics import timeline

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
min_cell = settings.min_cell_size

# Pickers: label, URL key (distinct from the sidebar's keys), choices in natural order.
PICKERS = (
    ("Indication", "like_indication", INDICATIONS),
    ("Severity", "like_severity", SEVERITY_CLASSES),
    ("Age band", "like_age_band", AGE_BANDS),
    ("Rehab plan", "like_rehab", REHAB),
)

st.title("Cases like this")
st.caption("Pick what you know about the patient; “any” leaves a factor open. The choice is "
           "kept in the page address, so the view can be shared.")
picked = [column.selectbox(label, [views.ANY, *choices], key=key, bind="query-params")
          for column, (label, key, choices) in zip(st.columns(len(PICKERS)), PICKERS)]
profile = views.case_profile(*picked)

rows = views.hide_small_groups(ctx.run(providers.cases_like_this, profile=profile),
                               min_cell)
if rows.empty:
    st.info("No course in the clinic matches this case — set one of the pickers to “any”.",
            icon=":material/filter_alt_off:")
    st.stop()

whose = "the clinic and each provider" if ctx.role == state.ROLE_DIRECTOR else \
    "the clinic and you"
st.subheader("How similar courses went")
charts.plot(cp.rates_beside_clinic(rows, settings, policy,
                                   f"Responders among similar courses: {whose}"))
st.caption(f"{charts.responder_definition(settings)} Groups with fewer than {min_cell} "
           "courses with follow-up are hidden, with one more where the total would give "
           "them away.")
charts.table(rows, cp.rates_columns(settings), policy, "cases_like_this.csv")

st.subheader("Typical pain trajectory of similar courses")
with section():
    weeks = views.trajectory_like_this(ctx.run(timeline.nrs_changes),
                                       ctx.run(providers.course_factors), profile, min_cell,
                                       settings.confidence_level)
    charts.plot(trajectory_chart(weeks, None, settings, policy))
    scope = "the clinic's" if ctx.scope.is_clinic else "your own"
    st.caption(f"Mean change in NRS pain from baseline among {scope} similar courses with a "
               "baseline, week by week, with a t interval; below 0 = less pain. Weeks with "
               f"fewer than {min_cell} courses are hidden (–). Descriptive: who is still "
               "measured changes over time.")
