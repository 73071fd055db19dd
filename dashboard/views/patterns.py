"""Patterns: who responds, by severity, adherence, rehab pairing and provider.

Responder rates with Wilson intervals (methods.md sections 1-3), complete case next to ITT;
two heat maps cross severity with adherence and with rehab. Each chart has one caption
saying how to read it and which definition it uses; each table is downloadable as CSV.
"""

import streamlit as st

from dashboard import state, widgets
from dashboard.charts.rates import (
    rate_chart,
    rate_heatmap,
    rate_table_2d_columns,
    rate_table_columns,
)

ctx = state.page_context()
settings, policy = ctx.settings, ctx.policy

# Each chart's one-line caption: what it shows, which definition, how (not) to read it.
ONE_WAY = {
    "severity": "Responder rate (IMMPACT) by degeneration severity from none to end-stage; "
    "'unknown' means no severity was recorded. Descriptive, crude rates.",
    "adherence": "Responder rate (IMMPACT) by sessions completed vs planned. Descriptive: "
    "people who felt worse after session 1 may have quit, so few sessions can "
    "follow a poor early response as well as cause one.",
    "rehab": "Responder rate (IMMPACT) by rehab pairing. Association, not effect: who is "
    "referred to rehab differs (age, severity, motivation).",
    "provider": "Responder rate (IMMPACT) per provider, crude: not adjusted for case mix, so "
    "a provider treating harder cases looks worse here. Overlapping intervals "
    "are no evidence of a difference.",
}
TWO_WAY = {
    ("severity", "adherence"): "Complete-case responder rate (IMMPACT) per severity and "
    "adherence cell, with its n. Descriptive: adherence follows "
    "early response as well as shaping it.",
    ("severity", "rehab"): "Complete-case responder rate (IMMPACT) per severity and rehab "
    "cell, with its n. Association, not effect: who is referred to "
    "rehab differs within a severity class too.",
}

st.title("Patterns")
st.caption(widgets.responder_definition(settings))

# Rows of charts; column widths roughly follow the number of groups, so labels have room.
ROWS = ({"severity": 6, "adherence": 4}, {"rehab": 4, "provider": 9})

for row in ROWS:
    for column, by in zip(st.columns(list(row.values())), row, strict=True):
        with column:
            rates = ctx.rates(by)
            widgets.plot(rate_chart(rates, by, settings, policy))
            st.caption(ONE_WAY[by])
            widgets.table(
                rates,
                rate_table_columns(by, settings),
                policy,
                f"responders_by_{by}.csv",
                behind_chart=True,
            )

for column, (rows, cols) in zip(st.columns(2), TWO_WAY, strict=True):
    with column:
        cells = ctx.rates_2d(rows, cols)
        widgets.plot(rate_heatmap(cells, rows, cols, settings, policy))
        st.caption(TWO_WAY[rows, cols])
        widgets.table(
            cells,
            rate_table_2d_columns(rows, cols, settings),
            policy,
            f"responders_by_{rows}_and_{cols}.csv",
            behind_chart=True,
        )
