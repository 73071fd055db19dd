"""Providers (director only): a fair comparison, for the quality meeting (issue 3).

Funnels of responder rate, crude and adjusted for case mix, with the overdispersion note;
the case-mix model's discrimination and calibration; shrunken rates; case mix and process
beside the clinic; what non-responders have in common; what goes with response.
Definitions: methods.md section 4. No rank numbers anywhere (Goldstein & Spiegelhalter 1996).
"""

import streamlit as st

from dashboard import charts, state
from dashboard import charts_providers as cp
from dashboard.charts_timeline import section
from queries.analytics import provider_views as views
from queries.analytics.providers import PROVIDER_TABLE_COLUMNS
from queries.analytics import providers

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
min_n, level = settings.min_provider_courses, settings.confidence_level

FUNNELS = (
    ("Responder rate by provider, crude", "Responder rate vs courses with follow-up",
     ("Each point is a provider: its complete-case responder rate (IMMPACT) against its "
      "courses with follow-up. Crude: a provider taking harder cases sits lower here. Inside "
      "the limits = consistent with the clinic rate (dotted) by chance.")),
    ("Responders by provider, adjusted for case mix", "Observed / expected vs expected",
     ("Observed over expected responders (O/E), the expected count from a logistic model of "
      "the patients' case mix (severity, baseline pain, age band, sex, indication, route, "
      "symptom months), never of the provider's own choices. 1 = as expected.")),
)

st.title("Providers")
st.caption(charts.responder_definition(settings))
comparison = ctx.run(providers.compare_providers)
crude, adjusted = (views.funnel_view(comparison.crude, level),
                   views.funnel_view(comparison.adjusted, level))

st.subheader("Responder rate per provider")
for column, view, (title, subtitle, caption) in zip(st.columns(2), (crude, adjusted),
                                                    FUNNELS):
    with column:
        charts.plot(cp.funnel_chart(view, settings, title,
                                    f"{subtitle} · {cp.limits_text(view.result)}"))
        st.caption(caption)
        st.markdown(cp.overdispersion_note(view.result))
if note := cp.not_enough_note(crude, min_n):
    st.markdown(note)
with st.expander("Provider table (the columns of the `providers` command)"):
    charts.table(comparison.table, {c: c for c in PROVIDER_TABLE_COLUMNS}, policy,
                 "providers.csv")
    st.caption("Flags: within, low/high_alert (outside 95 %), low/high_alarm (outside "
               f"99.8 %), too_few (under {min_n} courses with follow-up). Listed by id.")

st.subheader("How good is the case-mix model?")
model = comparison.model
fit, calibration = st.columns([1, 2])
with fit:
    charts.count_metric("Courses in the model", model.n, f"{model.n_events:,} responders")
    with st.container(border=True):
        st.metric("C-statistic", f"{model.c_statistic:.2f}",
                  help="Chance that a responder got a higher predicted probability than a "
                       "non-responder: 0.5 = no better than a coin, 1 = perfect.")
        st.caption("Measured on the same courses the model was fitted on, so a little "
                   "optimistic.")
with calibration:
    charts.plot(cp.calibration_chart(model.calibration, settings))
    st.caption("Each point is a tenth of the courses by predicted chance of response; on the "
               "dotted diagonal the model's expectation matches what happened. Measured on "
               "the data the model was fitted on.")
with st.expander("Calibration table"):
    charts.table(model.calibration, cp.calibration_columns(settings), policy,
                 "casemix_calibration.csv")

st.subheader("Shrunken responder rates")
with section():
    charts.plot(cp.caterpillar_chart(views.shrunken_view(comparison.shrunken, min_n),
                                     settings, "Responder rate per provider, shrunken"))
    st.caption("Each provider's rate pulled towards the clinic rate, the more the fewer its "
               "courses (empirical Bayes), with its interval; hollow = crude rate. Listed by "
               "id, not by rate: overlapping intervals mean an order would mislead.")

st.subheader("Case mix of each provider beside the clinic")
mix = ctx.run(providers.case_mix)
process = ctx.run(providers.process_indicators)
*factor_tabs, pain_tab = st.tabs([*cp.CASE_MIX_NAMES.values(), "Baseline pain"])
for tab, (factor, name) in zip(factor_tabs, cp.CASE_MIX_NAMES.items()):
    with tab:
        charts.plot(cp.case_mix_chart(mix, factor, policy, f"{name} mix by provider"))
        st.caption(f"Share of each provider's courses by {name.lower()}; compare each bar "
                   "with the whole clinic's on top. Case mix explains part of a crude rate.")
with pain_tab:
    charts.plot(cp.baseline_pain_chart(views.baseline_pain(process, level), settings, policy))
    st.caption("Mean baseline NRS pain of each provider's courses with a t interval; the "
               "case-mix model allows for it (more pain: more room to improve, harder cases).")

st.subheader("Process")
charts.plot(cp.process_chart(process, settings, policy))
st.caption("Sessions: courses completing all planned sessions; rehab: any rehab plan; "
           f"follow-up: eligible courses with a {settings.window().name} value; screening: "
           "contraindication screening documented. Each with its Wilson interval; n in the "
           "axis and the hover.")

st.subheader("What non-responders have in common")
ids = comparison.table["provider_id"].tolist()
who = st.selectbox("For", [views.CLINIC, *ids], key="nonresponders_of", bind="query-params",
                   help="The whole clinic, or one provider's courses.")
with section():
    source = ctx if who == views.CLINIC else ctx.as_provider(who)
    profile = source.run(providers.nonresponder_profile)
    st.markdown("\n".join(f"- {line}" for line in profile.findings))
    charts.plot(cp.std_difference_chart(
        profile.differences, f"Non-responders vs responders: {cp.group_label(who)}"))
    st.caption(f"{profile.n_nonresponders:,} non-responders vs {profile.n_responders:,} "
               "responders with follow-up; each factor level's standardised difference "
               "(Austin 2009), largest first. Description, not cause.")

st.subheader("What goes with response")
with section():
    odds = views.estimable_odds_ratios(ctx.run(providers.response_associations))
    charts.plot(cp.forest_chart(odds, settings))
    st.caption("Association, not effect: odds ratios from one model of all these factors "
               "together; sessions and rehab follow early response and who is referred, so "
               "they describe, they do not prove what works.")
