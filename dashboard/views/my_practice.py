"""My practice: one provider's own courses beside the clinic's (issue 3, methods.md 4 and 6).

A provider sees their own scope; a director picks a provider and previews exactly what that
provider sees (``ctx.as_provider``). Other providers appear only as unlabelled points on the
funnel: the core blanks their ids, the funnel view drops their hover and small volumes.
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts import associations as ca
from dashboard.charts import funnel
from dashboard.charts import monitoring as cm
from dashboard.charts import providers as cp
from dashboard.charts.base import level_text
from dashboard.widgets import section
from queries.analytics import cases, monitoring, nonresponders, providers
from queries.stats import casemix

ctx = state.page_context()
settings = ctx.settings

st.title("My practice")
if ctx.role == state.ROLE_DIRECTOR:
    ids = state.provider_ids(ctx.data, settings)  # not a second comparison: ids only
    chosen = st.selectbox("Provider to preview", ids, key="preview_provider", bind="query-params")
    widgets.caption(
        f"You are seeing what {chosen} sees on this page: their own courses, the "
        "clinic as a whole, other providers only as unnamed points."
    )
    mine = ctx.as_provider(chosen)
else:
    mine = ctx
policy = mine.policy
min_cell = policy.min_cell_size
widgets.caption(widgets.responder_definition(settings))

st.subheader("My outcomes beside the clinic")
rates = mine.run(cases.cases_like_this, profile=cases.CaseProfile()).groups
chart, numbers = st.columns([2, 3])
with chart:
    widgets.plot(
        cp.rates_beside_clinic(rates, settings, policy, "My responder rate beside the whole clinic")
    )
with numbers:
    widgets.caption(
        f"Complete case (eligible courses with a {settings.window().name} value) and "
        f"ITT (a missing value counts as no response) with "
        f"{level_text(settings)} Wilson intervals; n = denominator. Fewer than "
        f"{min_cell} courses with follow-up are hidden."
    )
    widgets.table(rates, cp.rates_columns(settings), policy, "my_outcomes.csv")

st.subheader("Where I sit on the funnel")
comparison = mine.run(providers.compare_providers)
for column, view, title in zip(
    st.columns(2),
    (comparison.crude_view, comparison.adjusted_view),
    (
        "My responder rate among all providers, crude",
        "My O/E among all providers, adjusted for case mix",
    ),
    strict=True,
):
    with column:
        widgets.plot(
            funnel.funnel_chart(
                view,
                settings,
                title,
                f"Other providers unnamed · {funnel.limits_text(view.result)}",
                self_view=True,
            )
        )
        widgets.say(funnel.overdispersion_note(view.result), policy)
        if note := funnel.peer_note(view):
            widgets.caption(note, policy)
        if note := funnel.not_enough_note(view, settings.min_provider_courses):
            widgets.say(note, policy)
widgets.caption(
    "Left: crude responder rate against courses with follow-up. Right: observed over "
    "expected responders given the patients' case mix (1 = as expected). Inside the "
    "limits = consistent with the clinic by chance. " + casemix.covariate_sentence(comparison.model)
)

st.subheader("My courses over time")
with section():
    watch = comparison.monitoring  # my own line only, never a peer's
    widgets.say(cm.signal_list(watch, own=True), policy)
    widgets.plot(
        cm.cusum_chart(
            watch,
            "My CUSUM of non-response",
            cm.SUBTITLE,
            monitoring.lines_to_draw(watch),
        )
    )
    widgets.caption(cm.method_text(watch), policy)

st.subheader("My case mix and process beside the clinic")
practice = mine.run(providers.case_mix_and_process)
for pair in (cp.CASE_MIX_FACTORS[:2], cp.CASE_MIX_FACTORS[2:]):
    for column, mixed in zip(st.columns(2), pair, strict=True):
        with column:
            widgets.plot(
                cp.case_mix_chart(practice.mix, mixed.column, policy, f"{mixed.short_label} mix")
            )
widgets.caption(
    "Share of courses by each case-mix factor, mine beside the whole clinic's. "
    "Harder cases lower a crude rate; the adjusted funnel allows for them."
)
left, right = st.columns([2, 3])
with left:
    widgets.plot(
        cp.baseline_pain_chart(
            practice.baseline_pain, settings, policy, "My patients' baseline pain"
        )
    )
with right:
    widgets.plot(cp.process_chart(practice.process, settings, policy))
widgets.caption(
    "Baseline pain: mean NRS with a t interval. Process: completed all planned "
    "sessions, paired with rehab, follow-up complete, screening documented, each with "
    "its Wilson interval and n; dotted line = whole clinic."
)

st.subheader("What my non-responders have in common")
with section():
    profile = mine.run(nonresponders.nonresponder_profile)
    widgets.say("\n".join(f"- {line}" for line in profile.findings), policy)
    widgets.plot(ca.std_difference_chart(profile.differences, "My non-responders vs my responders"))
    split = widgets.versus(
        (profile.n_nonresponders, "non-responders"), (profile.n_responders, "responders"), policy
    )
    widgets.caption(
        f"{split} among my courses with follow-up; standardised differences "
        "(Austin 2009), largest first. Description, not cause.",
        policy,
    )
