"""The one sidebar of filters (period, site, indication, route), shared by every page.

Every widget is bound to the URL (``bind="query-params"``, the key is the parameter name),
so a view can be sent to a colleague: ``?years=2022&years=2024&site=site_a``. A value left
at its default is dropped from the URL; an empty selection means "all". Options are shown
as the data codes (``knee_oa``) on purpose: a bound widget writes its displayed text into
the URL, and codes keep a shared link valid when a label is reworded.
"""

from __future__ import annotations

import streamlit as st

from queries.core.factors import factor
from queries.core.scope import Filters

# URL parameter names of the filters (the widgets' keys); tests and links use them.
YEARS_KEY = "years"
SITE_KEY = "site"
INDICATION_KEY = "indication"
ROUTE_KEY = "route"
# The pick-any filters, top to bottom: URL key (= the factor and its ``filter_options``
# key), and what an empty selection says.
CHOICES = (
    (SITE_KEY, "All sites"),
    (INDICATION_KEY, "All indications"),
    (ROUTE_KEY, "All routes"),
)


def _years(options: list[int]) -> tuple[int | None, int | None]:
    """The start-year range; (None, None) while it spans every year (no restriction)."""
    if len(options) < 2:
        if options:
            st.caption(f"Every course started in {options[0]}.")
        return None, None
    first, last = options[0], options[-1]
    low, high = st.slider(
        "Course start year",
        min_value=first,
        max_value=last,
        value=(first, last),
        step=1,
        key=YEARS_KEY,
        bind="query-params",
    )
    return (None, None) if (low, high) == (first, last) else (low, high)


def render(options: dict[str, list]) -> Filters:
    """Draw the filters from the values in the data (``analytics.filter_options``)."""
    with st.sidebar:
        st.header("Filters")
        year_min, year_max = _years(options["start_year"])
        chosen = {
            key: tuple(
                st.multiselect(
                    factor(key).label,
                    options[key],
                    key=key,
                    bind="query-params",
                    placeholder=placeholder,
                )
            )
            for key, placeholder in CHOICES
        }
        st.caption("The filters live in the page address: copy it to share this view.")
    return Filters(
        year_min=year_min,
        year_max=year_max,
        site_ids=chosen[SITE_KEY],
        indications=chosen[INDICATION_KEY],
        routes=chosen[ROUTE_KEY],
    )
