"""The app's "Download the report (HTML)" button, in the sidebar of every page.

The report is built only when the button is clicked (``st.download_button(data=callable)``:
Streamlit runs the callable when the file is asked for), so no page gets slower. It is built
from the page context: the viewer's role, scope, filters and policy, and the pages' cached
core results through the gate (``PageContext.run``: a provider's report holds their own
courses only, methods.md section 6). The HTML is cached like every result, on everything it
depends on (data version, settings, role, scope, filters, policy; never who asked or from
which page), and only the line saying when and for whom it was built is written per
download. Each download is recorded in the audit log (action ``report``, the signed-in
email) before it is sent.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import UTC, datetime

import streamlit as st

from dashboard.report.build import build_report, built_line
from dashboard.report.document import render
from dashboard.state import PageContext

LABEL = "Download the report (HTML)"
FILE_NAME = "ozone-outcomes-report.html"
KEY = "download_report"
HELP = (
    "Every page's figures for these filters in one file for the quality meeting: opens "
    "offline, prints one section a page. Built when you click (it can take a little while)."
)
CACHED_AT = datetime(1970, 1, 1, tzinfo=UTC)  # the built line of the cached HTML, replaced


@st.cache_data(max_entries=32, show_spinner=False)
def cached_report(context: PageContext) -> str:
    """The report's HTML for ``context`` (no user, page or log: see :func:`report_html`)."""
    report = build_report(
        context.run,
        settings=context.settings,
        scope=context.scope,
        filters=context.filters,
        load_history=context.load_history(),
        synthetic=context.synthetic,
        at=CACHED_AT,
    )
    return render(report)


def report_html(context: PageContext) -> bytes:
    """The report of ``context`` as HTML bytes, built for its viewer now and recorded in the
    audit log first."""
    shared = cached_report(replace(context, user="", page="", audit_log=None))
    page = shared.replace(
        html.escape(built_line("", CACHED_AT)),
        html.escape(built_line(context.user, datetime.now(UTC))),
        1,
    )
    context.audit("report", what=FILE_NAME)
    return page.encode("utf-8")


def download_button(context: PageContext) -> None:
    """The button, in the sidebar under the filters."""
    with st.sidebar:
        st.download_button(
            LABEL,
            data=lambda: report_html(context),
            file_name=FILE_NAME,
            mime="text/html",
            key=KEY,
            on_click="ignore",
            icon=":material/summarize:",
            help=HELP,
        )
