"""Timeline: how pain changes week by week, what follows an early flare, how long a response
lasts, and whether results drift from quarter to quarter (issue 4).

Definitions: methods.md section 1 (responder), 3 (intervals), 4 "Trend" (p-chart, or Laney's
p′ chart when the quarters vary more than binomially: each chart says which and why) and 5
(trajectory, early flare, quitting, durability, escalation). Each section draws on its own:
when the core finds nothing for one, it says so there and the others still draw.
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts import durability as dc
from dashboard.charts import flare as fc
from dashboard.charts import timeline as ct
from dashboard.charts import trends as tc
from queries.analytics.durability import durability_km, escalation_by_severity
from queries.analytics.flare import FlareSummary, flare_flow, flare_summary
from queries.analytics.rates import too_few_names, too_few_providers
from queries.analytics.trajectories import nrs_trajectory
from queries.analytics.trends import quarterly_pchart

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
ctx.overview()  # no course in view at all: the router says so in one sentence

# The trajectory's split, kept in the page address (?split=Rehab) so a view can be shared.
SPLIT_KEY = "split"
SPLITS = {
    "All": None,
    "Severity": "severity",
    "Adherence": "adherence",
    "Rehab": "rehab",
    "Provider": "provider",
}
CAPTIONS = ct.captions(settings)


def flare_ways(summary: FlareSummary) -> str:
    """How the early flares were found: by the NRS rise only, a flare event only, or both;
    the three counts together or not at all (they add up to the flares shown)."""
    ways = (summary.n_flare_nrs_only, summary.n_flare_event_only, summary.n_flare_both)
    if not widgets.all_shown(ways):
        return (
            "Found by the NRS rise only, by a flare event only, or by both; the split is not "
            f"shown, one of its counts is under {policy.min_cell_size}."
        )
    nrs, event, both = (widgets.count(n) for n in ways)
    return f"{nrs} by the NRS rise only, {event} by a flare event only, {both} by both."


# The three bar charts under the flow, left to right, with their captions.
FLARE_BARS = (
    (fc.flare_outcome_chart, "outcome"),
    (fc.flare_expectations_chart, "expectations"),
    (fc.quit_expectations_chart, "quit"),
)

st.title("Timeline")
widgets.caption(widgets.scope_text(ctx.role, ctx.scope))
trajectory, flare, durability, trends = st.tabs(
    ["Trajectory", "Flare and quitting", "Durability", "Trends"]
)

with trajectory:
    choice = st.segmented_control(
        "Split by", list(SPLITS), default="All", required=True, key=SPLIT_KEY, bind="query-params"
    )
    by = SPLITS.get(choice)
    with widgets.section():
        weekly = widgets.require(ctx.run(nrs_trajectory, by=by))
        widgets.plot(ct.trajectory_chart(weekly, by, settings, policy))
        widgets.caption(CAPTIONS["trajectory"])
        if by == "provider" and ctx.role == state.ROLE_DIRECTOR:
            few = ctx.run(too_few_providers)
            if note := too_few_names(few, settings.min_provider_courses):
                widgets.say(note, policy)
        widgets.table(
            weekly,
            ct.trajectory_columns(by, settings),
            policy,
            f"nrs_trajectory_by_{by or 'all'}.csv",
            percent=(),
            behind_chart=True,
        )

with flare, widgets.section():
    summary = ctx.run(flare_summary)
    incidence, quit_after, quit_without = st.columns(3)
    with incidence:
        widgets.rate_metric(
            "Early flare",
            summary.incidence,
            "courses with a session",
            settings,
            help=flare_ways(summary),
        )
    with quit_after:
        widgets.rate_metric(
            "Quit after a flare",
            summary.quit_after_flare,
            "flares",
            settings,
            help="Stopped after 1–2 sessions with more planned.",
        )
    with quit_without:
        widgets.rate_metric(
            "Stopped early without a flare",
            summary.early_quit_without_flare,
            "courses without a flare",
            settings,
            help="The same stop among courses with no flare: "
            "the comparison for 'quit after a flare'.",
        )
    widgets.caption(CAPTIONS["flare"])
    with widgets.section():
        widgets.plot(fc.flare_flow_chart(ctx.run(flare_flow), settings, policy))
        widgets.caption(CAPTIONS["flow"])
    for column, (chart, caption) in zip(st.columns(3), FLARE_BARS, strict=True):
        with column:
            widgets.plot(chart(summary, settings, policy))
            widgets.caption(CAPTIONS[caption])
    with st.expander("Numbers behind these charts"):
        widgets.table(
            summary.outcomes_by_expectations,
            fc.flare_outcome_columns(settings),
            policy,
            "flare_outcomes_by_expectations.csv",
        )
        widgets.table(
            summary.quit_by_expectations,
            fc.quit_table_columns(settings),
            policy,
            "quit_by_expectations.csv",
        )

with durability:
    with widgets.section():
        lasting = ctx.run(durability_km, by="rehab")
        widgets.plot(dc.durability_chart(lasting, settings, policy))
        widgets.caption(CAPTIONS["durability"])
        with st.expander(widgets.NUMBERS_BEHIND):  # two tables behind one chart
            widgets.table(
                lasting.at_risk, dc.AT_RISK_TABLE, policy, "durability_at_risk.csv", percent=()
            )
            widgets.table(
                lasting.km,
                dc.km_table_columns(settings),
                policy,
                "durability_kaplan_meier.csv",
                percent=("survival", "ci_"),
            )
    with widgets.section():
        escalation = ctx.run(escalation_by_severity)
        widgets.plot(dc.escalation_chart(escalation, settings, policy))
        if note := dc.short_followup_text(escalation):
            widgets.caption(note)
        widgets.caption(CAPTIONS["escalation"])
        widgets.table(
            escalation,
            dc.escalation_table_columns(settings),
            policy,
            "escalation_by_severity.csv",
            percent=("incidence", "ci_"),
            behind_chart=True,
        )

with trends:
    for measure in ("responder", "followup"):
        with widgets.section():
            pchart = ctx.run(quarterly_pchart, measure=measure)
            widgets.plot(tc.pchart_chart(pchart, settings, policy))
            widgets.caption(tc.pchart_caption(pchart))
            widgets.table(
                tc.shown_points(pchart, policy),
                tc.pchart_columns(pchart),
                policy,
                f"pchart_{measure}.csv",
                percent=tc.PCHART_PERCENT,
                behind_chart=True,
            )
