"""Audit: who viewed which page with which filters, and who exported what (methods.md
section 6: "Every view and export is audit-logged").

A director's page (dashboard/app.py ROLE_PAGES). It reads the audit log, a JSON Lines file of
its own beside the database (``<db>.audit.jsonl``) or at ``OUTCOMES_AUDIT_LOG``, which a
load never touches; the app only appends to it (queries/access/audit.py) and this page only
reads it. Newest first, with a filter by action.
"""

import streamlit as st

from dashboard import state, widgets
from queries.access.audit import ACTIONS, AuditLogError

ctx = state.page_context()
ALL = "all"
COLUMNS = {
    "at": "At (UTC)",
    "user": "User",
    "role": "Role",
    "action": "Action",
    "page": "Page (export: page/file)",
    "filters": "Scope and filters",
    "rows": "Rows exported",
}

st.title("Audit")
widgets.caption(
    "Every page view, every CSV download and every report built (here or by "
    f"the report command), newest first, from {ctx.audit_log}. "
    "The app only appends to this file and cannot change or delete a line; it survives "
    "restarts and loads. The user is the signed-in email (the synthetic demo, which opens "
    "without sign-in, is logged as the demo). The command line prints the same log: "
    "ozone-outcomes audit."
)
action = st.segmented_control(
    "Action", [ALL, *ACTIONS], default=ALL, key="action", bind="query-params"
)
try:
    events = ctx.audit_events(None if action in (None, ALL) else action)
except AuditLogError as exc:
    st.warning(f"The audit log cannot be read: {exc}", icon=":material/warning:")
    st.stop()
if events.empty:
    st.info("Nothing recorded yet for this choice.", icon=":material/history:")
    st.stop()
widgets.caption(f"{len(events):,} log entries shown (this view is recorded once the page has run).")
widgets.table(events, COLUMNS, ctx.policy, "audit_log.csv")
