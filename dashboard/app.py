"""The one router: settings, database, role -> the pages this role may open, one sidebar.

Run with ``ozone-outcomes serve`` or ``streamlit run dashboard/app.py``. Every run: read the
settings, resolve the database (the synthetic clinic is built on first start when none is
configured), find who is looking (``auth.viewer``: sign-in, the users file, or the synthetic
demo; nobody signed in sees the sign-in page and nothing else), take their role and scope,
build the navigation from the role's pages (dashboard/menu.py: a page not in the list cannot
be reached), draw the filter sidebar and the report's download button, label synthetic data,
then run the page, and record the view in the audit log (methods.md section 6). The core's
``InsufficientData`` becomes one calm sentence here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from dashboard import auth, sidebar, state
from dashboard.menu import PAGE_BY_TITLE, PAGES, ROLE_PAGES
from dashboard.report.button import download_button as report_button
from queries.access.audit import AuditLogError
from queries.core.errors import InsufficientData
from queries.core.settings import Settings
from queries.data.bootstrap import DatabaseMissing
from queries.data.db import SchemaOutdated
from queries.disclosure.gate import Policy

# Not "pages/": a folder of that name beside the entry script switches Streamlit into its
# legacy multipage mode, which runs a page file without this router on the first run of a
# server process (a deep link to /patterns then fails) and on every AppTest rerun.
PAGES_DIR = Path(__file__).resolve().parent / "views"

SYNTHETIC_LABEL = (
    "**Synthetic data** — a made-up clinic with planted effects, generated to "
    "show what the app does (sample_data/README.md). No real patients: do not "
    "quote these numbers."
)


def pages_for(role: str) -> list[StreamlitPage]:
    """The role's pages; a page not in this list cannot be reached by its URL either.

    Streamlit serves the default page at the root only (its ``url_path`` becomes ""), so a
    shared ``/overview?site=...`` would say "Page not found": the home page is also listed
    once more, hidden from the menu, at its own address. The two differ in ``url_path`` (the
    page's identity in Streamlit), run the same file and have the same title.
    """
    home, *rest = ROLE_PAGES[role]
    return [
        page(home, default=True),
        *(page(key) for key in rest),
        page(home, visibility="hidden"),
    ]


def page(
    key: str, default: bool = False, visibility: Literal["visible", "hidden"] = "visible"
) -> StreamlitPage:
    """The page ``key`` of :data:`PAGES` at ``/key`` with "-" for "_" (``default``: the home
    page, at the root)."""
    title, icon = PAGES[key]
    return st.Page(
        PAGES_DIR / f"{key}.py",
        title=title,
        icon=f":material/{icon}:",
        url_path="" if default else key.replace("_", "-"),
        default=default,
        visibility=visibility,
    )


def record_view(context: state.PageContext) -> None:
    """Record the view of the page that just ran (methods.md section 6); say so calmly if the
    audit log cannot be written."""
    try:
        context.audit("view")
    except (AuditLogError, OSError) as exc:
        st.error(
            f"This view could not be written to the audit log ({exc}). Tell whoever runs "
            "the app: views and exports must be logged."
        )


def why_not(exc: InsufficientData) -> str:
    """The one calm sentence for a page the core could not compute: "widen the filters" when
    no course matches them, else the core's own reason ("Not enough courses with follow-up
    to compare providers.")."""
    try:
        state.page_context().overview()  # raises when no course matches the filters
    except InsufficientData:
        return state.NO_MATCH
    return str(exc) or state.NO_MATCH


st.set_page_config(page_title="Ozone Outcomes", page_icon=":material/monitoring:", layout="wide")
try:
    settings = Settings.from_env()
    path = state.database(settings)
except (ValueError, DatabaseMissing, SchemaOutdated) as exc:
    st.error(f"The app cannot start: {exc}")
    st.stop()

data = state.DataVersion.of(path)
viewer = auth.viewer(
    settings, state.only_synthetic(data, settings), lambda: state.provider_ids(data, settings)
)
role, scope = viewer.role, viewer.scope
navigation = st.navigation(pages_for(role))
filters = sidebar.render(state.filter_options(data, scope, settings))
synthetic = state.is_synthetic(data, settings)
if synthetic:
    st.sidebar.warning("Synthetic data", icon=":material/science:")
    st.warning(SYNTHETIC_LABEL, icon=":material/science:")

state.set_page_context(
    state.PageContext(
        settings=settings,
        data=data,
        role=role,
        scope=scope,
        filters=filters,
        policy=Policy.for_audience(role, settings),
        synthetic=synthetic,
        user=viewer.label,
        page=PAGE_BY_TITLE[navigation.title],
        audit_log=settings.audit_log_for(path),
    )
)
report_button(state.page_context())  # built only when clicked: no page gets slower
try:
    navigation.run()
except InsufficientData as exc:
    st.info(why_not(exc), icon=":material/filter_alt_off:")
finally:  # also after st.stop() or an interrupted run: what was drawn was seen
    record_view(state.page_context())
