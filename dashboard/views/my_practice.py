"""My practice: one provider's own courses beside the clinic's (issue 3, methods.md 4 and 6).

A provider sees their own scope; a director picks a provider and previews exactly what that
provider sees (``ctx.as_provider``). Other providers appear only as unlabelled points on the
funnel: the core blanks their ids, the funnel view drops their hover and small volumes.
"""

import streamlit as st

from dashboard import charts, state
from dashboard import charts_providers as cp
from dashboard.charts_timeline import section
from queries.analytics import provider_views as views
from queries.analytics.providers import CaseProfile
from queries.analytics import providers

ctx = state.page_context()
settings = ctx.settings
min_cell, level = settings.min_cell_size, settings.confidence_level

st.title("My practice")
if ctx.role == state.ROLE_DIRECTOR:
    ids = ctx.run(providers.compare_providers).table["provider_id"].tolist()
    chosen = st.selectbox("Provider to preview", ids, key="preview_provider",
                          bind="query-params")
    st.caption(f"You are seeing what {chosen} sees on this page: their own courses, the "
               "clinic as a whole, other providers only as unnamed points.")
    mine = ctx.as_provider(chosen)
else:
    mine = ctx
policy = mine.policy
st.caption(charts.responder_definition(settings))

st.subheader("My outcomes beside the clinic")
rates = views.hide_small_groups(mine.run(providers.cases_like_this, profile=CaseProfile()),
                                min_cell)
chart, numbers = st.columns([2, 3])
with chart:
    charts.plot(cp.rates_beside_clinic(rates, settings, policy,
                                       "My responder rate beside the whole clinic"))
with numbers:
    st.caption(f"Complete case (eligible courses with a {settings.window().name} value) and "
               f"ITT (a missing value counts as no response) with "
               f"{charts.level_text(settings)} Wilson intervals; n = denominator. Fewer than "
               f"{min_cell} courses with follow-up are hidden.")
    charts.table(rates, cp.rates_columns(settings), policy, "my_outcomes.csv")

st.subheader("Where I sit on the funnel")
comparison = mine.run(providers.compare_providers)
for column, result, title in zip(
        st.columns(2), (comparison.crude, comparison.adjusted),
        ("My responder rate among all providers, crude",
         "My O/E among all providers, adjusted for case mix")):
    with column:
        view = views.funnel_view(result, level)
        charts.plot(cp.funnel_chart(view, settings, title, "Other providers unnamed · "
                                    f"{cp.limits_text(result)}", self_view=True))
        st.markdown(cp.overdispersion_note(result))
        if note := cp.not_enough_note(view, settings.min_provider_courses):
            st.markdown(note)
st.caption("Left: crude responder rate against courses with follow-up. Right: observed over "
           "expected responders given the patients' case mix (1 = as expected). Inside the "
           "limits = consistent with the clinic by chance.")

st.subheader("My case mix and process beside the clinic")
mix = mine.run(providers.case_mix)
process = mine.run(providers.process_indicators)
for pair in (("severity_class", "indication"), ("route", "age_band")):
    for column, factor in zip(st.columns(2), pair):
        with column:
            charts.plot(cp.case_mix_chart(mix, factor, policy,
                                          f"{cp.CASE_MIX_NAMES[factor]} mix"))
st.caption("Share of courses by each case-mix factor, mine beside the whole clinic's. "
           "Harder cases lower a crude rate; the adjusted funnel allows for them.")
left, right = st.columns([2, 3])
with left:
    charts.plot(cp.baseline_pain_chart(views.baseline_pain(process, level), settings, policy,
                                       "My patients' baseline pain"))
with right:
    charts.plot(cp.process_chart(process, settings, policy))
st.caption("Baseline pain: mean NRS with a t interval. Process: completed all planned "
           "sessions, paired with rehab, follow-up complete, screening documented, each with "
           "its Wilson interval and n; dotted line = whole clinic.")

st.subheader("What my non-responders have in common")
with section():
    profile = mine.run(providers.nonresponder_profile)
    st.markdown("\n".join(f"- {line}" for line in profile.findings))
    charts.plot(cp.std_difference_chart(profile.differences,
                                        "My non-responders vs my responders"))
    st.caption(f"{profile.n_nonresponders:,} non-responders vs {profile.n_responders:,} "
               "responders among my courses with follow-up; standardised differences "
               "(Austin 2009), largest first. Description, not cause.")
