"""Every page, for both roles, on every awkward extract (issue 9, point 1): no exception, no
error box, and what cannot be computed said in one calm sentence.

The extracts are those of ozone_testkit/awkward_extracts.py (the fixture clinic transformed
one way each), loaded by the real loader; the app runs in AppTest (ozone_testkit/screens.py)
against each database, as the director and as provider P_A (a provider in every extract).
The pages each role sees are read from dashboard/menu.py's ``ROLE_PAGES``, so a new page is
covered without touching this file.
"""

from __future__ import annotations

import pytest

from dashboard.menu import ROLE_PAGES
from ozone_testkit import accounts, awkward_extracts
from ozone_testkit.awkward_extracts import NAMES
from ozone_testkit.screens import start_app, texts
from queries.stats.design import NOT_RECORDED

DEPLOYMENT_VARS = ("OUTCOMES_MIN_CELL", "OUTCOMES_ROUND_TO")
PROVIDER = "P_A"
NOT_COMPARABLE = "Not enough courses with follow-up to compare providers."


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory):
    """(extract, role) -> what every page of the role showed on it (:func:`visit`), each pair
    visited once per module, when a test first asks for it."""
    databases = awkward_extracts.load_all(tmp_path_factory.mktemp("awkward_pages"))
    seen: dict[tuple[str, str], dict[str, dict]] = {}

    def screens_of(name: str, role: str) -> dict[str, dict]:
        if (name, role) not in seen:
            with pytest.MonkeyPatch.context() as monkeypatch:
                use(monkeypatch, databases[name], role)
                seen[name, role] = visit(ROLE_PAGES[role])
        return seen[name, role]

    return screens_of


def use(monkeypatch: pytest.MonkeyPatch, database, role: str) -> None:
    """The app reads ``database`` as ``role`` (the provider: P_A), default threshold."""
    for var in DEPLOYMENT_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OUTCOMES_DB", str(database))
    if role == "provider":
        accounts.as_provider(monkeypatch, PROVIDER)


def visit(pages: tuple[str, ...]) -> dict[str, dict]:
    """Every page run in one app session (the first is the home page): page -> what it
    showed (exceptions, error boxes, info sentences, captions, title)."""
    at = start_app()
    seen = {}
    for i, page in enumerate(pages):
        if i:
            at.switch_page(f"views/{page}.py").run()
        seen[page] = {
            "exceptions": [e.message for e in at.exception],
            "errors": [e.value for e in at.error],
            "infos": [e.value for e in at.info],
            "captions": texts(at, "caption"),
            "title": at.title[0].value if at.title else "",
        }
    return seen


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
@pytest.mark.parametrize("name", NAMES)
def test_every_page_runs_and_speaks_calmly(screens, name, role):
    seen = screens(name, role)
    problems = {
        page: (s["exceptions"], s["errors"])
        for page, s in seen.items()
        if s["exceptions"] or s["errors"] or not s["title"]
    }
    assert problems == {}, problems
    for page, s in seen.items():  # anything not computed: a sentence, never a trace
        for info in s["infos"]:
            calm = info.endswith(".") and "Traceback" not in info and "Error" not in info
            assert calm, (page, info)


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_no_follow_up_yet_says_providers_cannot_be_compared(screens, role):
    seen = screens("no_followup_yet", role)
    for page in {"providers", "my_practice"} & set(seen):
        assert NOT_COMPARABLE in seen[page]["infos"], (page, seen[page]["infos"])


@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_the_pages_say_which_covariates_the_model_used(screens, role):
    seen = screens("symptom_months_never_recorded", role)
    for page in {"providers", "my_practice"} & set(seen):
        captions = seen[page]["captions"]
        assert "Expected responders allow for degeneration severity" in captions, page
        assert "not for age band (50-59 on every course)" in captions, page
        assert f"months of symptoms ({NOT_RECORDED})" in captions, page


def test_no_severity_recorded_is_said_on_the_providers_page(screens):
    captions = screens("no_severity_recorded", "director")["providers"]["captions"]
    assert "degeneration severity (unknown on every course)" in captions
