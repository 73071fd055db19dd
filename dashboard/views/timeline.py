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
from queries.analytics.flare import FlareSummary, flare_summary
from queries.analytics.rates import too_few_names, too_few_providers
from queries.analytics.trajectories import nrs_trajectory
from queries.analytics.trends import quarterly_pchart

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy
ctx.overview()  # no course in view at all: the router says so in one sentence

CAPTIONS = ct.captions(settings)
QUIT_NOTE = "Stopped after 1–2 sessions with more planned."


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


st.title("Timeline")
widgets.caption(widgets.scope_text(ctx.role, ctx.scope))
trajectory, flare, durability, trends = st.tabs(
    ["Trajectory", "Flare and quitting", "Durability", "Trends"]
)

with trajectory:
    # the split (ct.SPLITS) is kept in the page address (?split=Rehab), so it can be shared
    choice = st.segmented_control(
        "Split by", list(ct.SPLITS), default="All", required=True, key="split", bind="query-params"
    )
    by = ct.SPLITS.get(choice)
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
    metrics = (  # label, rate, what n counts, how it is counted
        ("Early flare", summary.incidence, "courses with a session", flare_ways(summary)),
        ("Quit after a flare", summary.quit_after_flare, "flares", QUIT_NOTE),
        (
            "Stopped early without a flare",
            summary.early_quit_without_flare,
            "courses without a flare",
            "The same stop among courses with no flare: the comparison for 'quit after a flare'.",
        ),
    )
    for column, (label, rate, n_meaning, note) in zip(st.columns(3), metrics, strict=True):
        with column:
            widgets.rate_metric(label, rate, n_meaning, settings, help=note)
    widgets.caption(CAPTIONS["flare"])
    with widgets.section():
        widgets.plot(fc.flare_flow_chart(summary.flow, settings, policy))
        widgets.caption(CAPTIONS["flow"])
    for column, (chart, caption) in zip(st.columns(3), fc.FLARE_BARS, strict=True):
        with column:
            widgets.plot(chart(summary, settings, policy))
            widgets.caption(CAPTIONS[caption])
    with st.expander("Numbers behind these charts"):
        for frame, columns, name in (
            (
                summary.outcomes_by_expectations,
                fc.flare_outcome_columns(settings),
                "flare_outcomes",
            ),
            (summary.quit_by_expectations, fc.quit_table_columns(settings), "quit"),
        ):
            widgets.table(frame, columns, policy, f"{name}_by_expectations.csv")

with durability:
    with widgets.section():
        lasting = ctx.run(durability_km, by="rehab")
        widgets.plot(dc.durability_chart(lasting, settings, policy))
        widgets.caption(CAPTIONS["durability"])
        with st.expander(widgets.NUMBERS_BEHIND):  # two tables behind one chart
            for frame, columns, name, percent in (
                (lasting.at_risk, dc.AT_RISK_TABLE, "at_risk", ()),
                (lasting.km, dc.km_table_columns(settings), "kaplan_meier", ("survival", "ci_")),
            ):
                widgets.table(frame, columns, policy, f"durability_{name}.csv", percent=percent)
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
