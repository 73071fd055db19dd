"""Driving the app and reading what it shows, for the page tests and the browser tests.

In-process: Streamlit's AppTest runs dashboard/app.py (``start_app``, ``open_app``) and the
readers below take what a page rendered (metrics, texts, Plotly specs by title, traces).
In Chromium (Playwright, sync API): ``open_page`` waits for the page's title and for the app
to be idle (``data-test-script-state="notRunning"``), as Streamlit's own browser tests do
(docs/engineering.md "A real browser in tests"). The fixtures that serve the app and start
the browser are in tests/conftest.py.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from ozone_testkit import ROOT, accounts

APP = ROOT / "dashboard" / "app.py"
APP_TIMEOUT_S = 60  # a first run builds the marts and draws every chart
HOME = "overview"  # the page the router opens at the root
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def start_app(query_params: dict | None = None, user: dict | None = None) -> AppTest:
    """The app after its first run at the root (with ``query_params`` in the address), signed
    in as ``user`` (``AppTest.user``; default: the test's account, ``accounts.current_user``:
    the director unless the test chose another)."""
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S)
    at.query_params.update(query_params or {})
    at.user = accounts.current_user() if user is None else user
    return at.run()


def open_app(
    page: str = HOME, query_params: dict | None = None, user: dict | None = None
) -> AppTest:
    """The app switched to ``views/<page>.py``, checked to have run without an exception."""
    at = start_app(query_params, user)
    if page != HOME:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Metric values by label."""
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by title."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"]["title"]["text"]: s for s in specs}


def trace(spec: dict, name: str) -> dict[str, float | None]:
    """x -> y of the trace called ``name``."""
    (found,) = [t for t in spec["data"] if t["name"] == name]
    return dict(zip(found["x"], found["y"], strict=True))


def texts(at: AppTest, kind: str) -> str:
    """Every element of one kind (``"caption"``, ``"markdown"``, ...) as one string."""
    return " ".join(e.value for e in getattr(at, kind))


def open_page(page, url: str, title: str) -> None:
    """Go to ``url`` in the browser and wait until the page's title is drawn and the script
    is idle."""
    page.goto(url)
    page.get_by_role("heading", name=title, exact=True).wait_for()
    page.wait_for_selector(IDLE)
