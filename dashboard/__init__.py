"""The Streamlit dashboard: the only package that imports streamlit (docs/style.md).

``app.py`` is the one router (``st.navigation``, pages chosen by role); ``state.py`` holds
the cached connection and cached analytics calls; ``sidebar.py`` the one filter sidebar;
``charts/`` every figure (pure builders, one palette, one layout); ``widgets.py`` what pages
draw with streamlit (figures, metrics, tables with downloads, sections); ``views/`` the thin
page scripts (not ``pages/``: see app.py).
"""
