"""Providers (director only): a fair comparison, for the quality meeting (issue 3).

Funnels of responder rate, crude and adjusted for case mix, with the overdispersion note;
the case-mix model's discrimination and calibration; shrunken rates; each provider's CUSUM
over time; case mix and process beside the clinic; what non-responders have in common; what
goes with response.
Definitions: methods.md section 4. No rank numbers anywhere (Goldstein & Spiegelhalter 1996).
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts import associations as ca
from dashboard.charts import funnel
from dashboard.charts import monitoring as cm
from dashboard.charts import providers as cp
from dashboard.widgets import section
from queries.analytics import monitoring, nonresponders, providers
from queries.analytics.providers import PROVIDER_TABLE_COLUMNS
from queries.core.scope import CLINIC
from queries.stats import casemix

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
min_n = settings.min_provider_courses

st.title("Providers")
widgets.caption(widgets.responder_definition(settings))
comparison = ctx.run(providers.compare_providers)
crude, adjusted = comparison.crude_view, comparison.adjusted_view
allows_for = casemix.covariate_sentence(comparison.model)  # methods.md 4: which were used

st.subheader("Responder rate per provider")
for column, view, (title, subtitle, caption) in zip(
    st.columns(2), (crude, adjusted), funnel.DIRECTOR_FUNNELS, strict=True
):
    with column:
        widgets.plot(
            funnel.funnel_chart(
                view, settings, title, f"{subtitle} · {funnel.limits_text(view.result)}"
            )
        )
        widgets.caption(caption if view is crude else f"{caption} {allows_for}")
        widgets.say(funnel.overdispersion_note(view.result))
if note := funnel.not_enough_note(crude, min_n):
    widgets.say(note)
with st.expander("Provider table (the columns of the `providers` command)"):
    widgets.table(comparison.table, {c: c for c in PROVIDER_TABLE_COLUMNS}, policy, "providers.csv")
    widgets.caption(funnel.flags_caption(comparison.crude, min_n))

st.subheader("How good is the case-mix model?")
model = comparison.model
fit, calibration = st.columns([1, 2])
with fit:
    widgets.count_metric(
        "Courses in the model",
        model.n,
        f"responders: {widgets.part_count(model.n_events, model.n)}",
    )
    with st.container(border=True):
        st.metric("C-statistic", f"{model.c_statistic:.2f}", help=cp.C_STATISTIC_HELP)
        widgets.caption(cp.C_STATISTIC_NOTE)
    widgets.caption(allows_for)
with calibration:
    widgets.plot(ca.calibration_chart(model.calibration, settings))
    widgets.caption(cp.CALIBRATION_CAPTION)
with st.expander("Calibration table"):
    widgets.table(
        model.calibration, ca.calibration_columns(settings), policy, "casemix_calibration.csv"
    )

st.subheader("Shrunken responder rates")
with section():
    widgets.plot(
        funnel.caterpillar_chart(
            providers.shrunken_view(comparison.shrunken, min_n),
            settings,
            "Responder rate per provider, shrunken",
        )
    )
    widgets.caption(cp.SHRUNKEN_CAPTION + funnel.shrinkage_note(comparison.shrunken))

st.subheader("Each provider over time")
with section():
    watch = comparison.monitoring
    lines = monitoring.lines_to_draw(watch)
    widgets.plot(cm.cusum_chart(watch, "CUSUM of non-response per provider", cm.SUBTITLE, lines))
    widgets.caption(cm.method_text(watch))
    widgets.say(cm.signal_list(watch))
    widgets.table(watch.summary, cm.SUMMARY_LABELS, policy, "provider_cusum.csv", behind_chart=True)

st.subheader("Case mix of each provider beside the clinic")
practice = ctx.run(providers.case_mix_and_process)
*factor_tabs, pain_tab = st.tabs([*(f.short_label for f in cp.CASE_MIX_FACTORS), "Baseline pain"])
for tab, mixed in zip(factor_tabs, cp.CASE_MIX_FACTORS, strict=True):
    name = mixed.short_label
    with tab:
        widgets.plot(
            cp.case_mix_chart(practice.mix, mixed.column, policy, f"{name} mix by provider")
        )
        widgets.caption(cp.case_mix_caption(name))
with pain_tab:
    widgets.plot(cp.baseline_pain_chart(practice.baseline_pain, settings, policy))
    widgets.caption(cp.BASELINE_PAIN_CAPTION)

st.subheader("Process")
widgets.plot(cp.process_chart(practice.process, settings, policy))
widgets.caption(cp.process_caption(settings))

st.subheader("What non-responders have in common")
ids = comparison.table["provider_id"].tolist()
who = st.selectbox(
    "For",
    [CLINIC, *ids],
    key="nonresponders_of",
    bind="query-params",
    help="The whole clinic, or one provider's courses.",
)
with section():
    source = ctx if who == CLINIC else ctx.as_provider(who)
    profile = source.run(nonresponders.nonresponder_profile)
    widgets.say("\n".join(f"- {line}" for line in profile.findings))
    widgets.plot(
        ca.std_difference_chart(
            profile.differences, f"Non-responders vs responders: {cp.group_label(who)}"
        )
    )
    split = widgets.versus(
        (profile.n_nonresponders, "non-responders"), (profile.n_responders, "responders")
    )
    widgets.caption(cp.NONRESPONDER_CAPTION.format(split=split))

st.subheader("What goes with response")
with section():
    odds = nonresponders.estimable_odds_ratios(ctx.run(nonresponders.response_associations))
    widgets.plot(ca.forest_chart(odds, settings))
    widgets.caption(cp.ODDS_RATIO_CAPTION)
