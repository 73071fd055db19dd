"""Patterns: who responds, by severity, adherence, rehab pairing and provider.

Responder rates with Wilson intervals (methods.md sections 1-3), complete case next to ITT,
courses not yet due left out of every rate and counted (section 1); two heat maps cross
severity with adherence and with rehab; beside adherence, the landmark view at day 21
(section 2). A switch (kept in the address, ?definition=...) chooses the responder definition
every chart uses: NRS pain (IMMPACT, the primary), ODI or OMERACT-OARSI (section 1); an
extract without the instrument gets one calm sentence. Each chart has one caption saying how
to read it and which definition it uses; each table is downloadable as CSV.
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts import definitions as dc
from dashboard.charts.rates import rate_chart, rate_heatmap
from queries.analytics.landmark import landmark_rates
from queries.analytics.rates import n_not_yet_due, too_few_sentence
from queries.analytics.secondary import definition_rates, definition_rates_2d
from queries.core.responders import IMMPACT

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy

# Each chart's one-line caption: what it shows, which definition, how (not) to read it.
ONE_WAY = {
    "severity": "Responder rate ({definition}) by degeneration severity from none to end-stage; "
    "'unknown' means no severity was recorded. Descriptive, crude rates.",
    "adherence": "Responder rate ({definition}) by sessions completed vs planned. Descriptive: "
    "people who felt worse after session 1 may have quit, so few sessions can "
    "follow a poor early response as well as cause one.",
    "rehab": "Responder rate ({definition}) by rehab pairing. Association, not effect: who is "
    "referred to rehab differs (age, severity, motivation).",
    "provider": "Responder rate ({definition}) per provider, crude: not adjusted for case mix, so "
    "a provider treating harder cases looks worse here. Overlapping intervals "
    "are no evidence of a difference.",
}
TWO_WAY = {
    ("severity", "adherence"): "Complete-case responder rate ({definition}) per severity and "
    "adherence cell, with its n. Descriptive: adherence follows "
    "early response as well as shaping it.",
    ("severity", "rehab"): "Complete-case responder rate ({definition}) per severity and rehab "
    "cell, with its n. Association, not effect: who is referred to "
    "rehab differs within a severity class too.",
}

st.title("Patterns")
# The responder definition every chart uses, kept in the page address (?definition=ODI ...).
DEFINITION_KEY = "definition"
choice = st.segmented_control(
    "Responder definition",
    list(dc.DEFINITION_CHOICES),
    default=dc.PRIMARY_LABEL,
    required=True,
    key=DEFINITION_KEY,
    bind="query-params",
)
definition = dc.DEFINITION_CHOICES.get(choice, IMMPACT)
name = dc.short_name(definition)
widgets.caption(
    widgets.responder_definition(settings)
    if definition == IMMPACT
    else dc.definition_caption(definition, settings)
)
not_due = ctx.run(n_not_yet_due)
if not_due:
    widgets.caption(widgets.not_yet_due(not_due, settings))

# Rows of charts; column widths roughly follow the number of groups, so labels have room.
# The landmark view (LANDMARK) stands beside the adherence comparison it qualifies.
LANDMARK = "landmark"
ROWS = ({"severity": 6, "rehab": 4}, {"adherence": 4, LANDMARK: 4}, {"provider": 1})
SUFFIX = "" if definition == IMMPACT else f"_{definition}"  # CSV names say the definition

for row in ROWS:
    for column, by in zip(st.columns(list(row.values())), row, strict=True):
        with column:
            if by == LANDMARK:
                with widgets.section():
                    landmark = ctx.run(landmark_rates, definition=definition)
                    widgets.plot(
                        rate_chart(
                            landmark.rates,
                            "landmark_adherence",
                            settings,
                            policy,
                            dc.landmark_title(landmark),
                            name,
                        )
                    )
                    widgets.caption(dc.landmark_caption(landmark, policy))
                    widgets.table(
                        landmark.rates,
                        dc.landmark_columns(landmark, settings),
                        policy,
                        f"responders_by_landmark_adherence{SUFFIX}.csv",
                        behind_chart=True,
                    )
                continue
            rates = widgets.require(ctx.run(definition_rates, definition=definition, by=by))
            widgets.plot(
                rate_chart(rates, by, settings, policy, dc.rate_title(by, definition), name)
            )
            widgets.caption(ONE_WAY[by].format(definition=name))
            if by == "provider" and (
                note := too_few_sentence(rates, settings.min_provider_courses)
            ):
                widgets.say(note, policy)
            widgets.table(
                rates,
                dc.table_columns(by, definition, settings),
                policy,
                f"responders_by_{by}{SUFFIX}.csv",
                behind_chart=True,
            )

for column, (rows, cols) in zip(st.columns(2), TWO_WAY, strict=True):
    with column:
        cells = widgets.require(
            ctx.run(definition_rates_2d, definition=definition, rows=rows, cols=cols)
        )
        title = dc.heatmap_title(rows, cols, definition)
        widgets.plot(rate_heatmap(cells, rows, cols, settings, policy, title, name))
        widgets.caption(TWO_WAY[rows, cols].format(definition=name))
        widgets.table(
            cells,
            dc.table_2d_columns(rows, cols, definition, settings),
            policy,
            f"responders_by_{rows}_and_{cols}{SUFFIX}.csv",
            behind_chart=True,
        )
