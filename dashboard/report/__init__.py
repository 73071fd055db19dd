"""The report for the quality meeting (issue 11): one self-contained HTML file, and a PDF of it.

``build`` gathers the sections from the analytics core through the one disclosure gate, in
the viewer's scope (methods.md section 6); ``document`` writes the HTML (plotly.js once,
print-friendly CSS); ``pdf`` prints it with Chromium; ``button`` is the app's download
button; ``python -m dashboard.report`` is what ``ozone-outcomes report`` runs. Nothing here
but ``button`` imports streamlit.
"""
