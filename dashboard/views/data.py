"""Data: where the numbers come from — loads, table sizes and the data checks.

Each load is recorded with its source, whether it was synthetic, and every file with its
row count and SHA-256, so a figure can be traced to the exact extract. Data checks are
queries returning the rows that need a look (zero rows = pass; docs/style.md "SQL").
"""

import streamlit as st

from dashboard import state, widgets

ctx = state.page_context()
policy = ctx.policy

LOAD_COLUMNS = {
    "load_id": "Load",
    "loaded_at": "Loaded at (UTC)",
    "source_folder": "Source",
    "source_format": "Format",
    "is_synthetic": "Synthetic",
    "file_name": "File",
    "n_rows": "Rows",
    "sha256": "SHA-256",
    "n_courses_in_extract": "Courses in extract",
    "n_courses_added": "Courses added",
    "n_courses_replaced": "Courses replaced",
    "n_courses_after": "Courses after load",
}
TABLE_COLUMNS = {"table_name": "Table", "n_rows": "Rows"}
CHECK_COLUMNS = {
    "check": "Check",
    "description": "What it looks for",
    "n_flagged": "Rows flagged",
    "status": "Status",
}

st.title("Data")

st.subheader("Loads")
history = ctx.load_history()
widgets.caption(
    "Every load into this database, newest first, one row per file: where it came "
    "from, whether it was synthetic, and each file's rows and SHA-256 fingerprint."
)
widgets.table(history, LOAD_COLUMNS, policy, "load_history.csv")
if not history.empty:
    widgets.caption(
        f"Outcome definition of the latest load: {history['responder_definition'].iat[0]}"
    )

st.subheader("Rows per table")
widgets.caption("How many rows each table of the data contract holds now.")
widgets.table(ctx.table_row_counts(), TABLE_COLUMNS, policy, "table_row_counts.csv")

st.subheader("Data checks")
widgets.caption(
    "Each check counts the rows that need a look; 'review' means at least one row "
    "was flagged, 'pass' means none. Checks cover the whole database, not the filters."
)
widgets.table(ctx.data_checks(), CHECK_COLUMNS, policy, "data_checks.csv")
