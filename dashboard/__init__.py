"""The Streamlit dashboard: the only package that imports streamlit (docs/style.md).

``app.py`` is the one router (``st.navigation``, pages chosen by role); ``state.py`` holds
the cached connection and cached analytics calls; ``sidebar.py`` the one filter sidebar;
``charts.py`` every figure, metric and table; ``views/`` the thin page scripts (not
``pages/``: see app.py).
"""
