"""A load while the served app is being read in Chromium (issue 10, item 3: "a load while
people use the app never blocks or breaks a page; the next page view after a load shows the
new data").

The app serves the fixture clinic (13 courses; a database of real courses, so the director
signs in with a password) with the small-cell gate off (``OUTCOMES_MIN_CELL=1``), so the
Overview's "Courses" box shows the count itself. ``ozone-outcomes load`` then adds the
fixture timeline clinic (22 courses, no course id in common: a load keeps the courses an
extract does not hold, README "Loading your own data"), so the database ends with 35.

To be sure pages are read *while* the load runs, whatever the speed of the machine, the
loader is paused (SIGSTOP) once it says it is computing the marts: its new file is open
read-write and the old one attached, not yet swapped in. Every page of the director's menu
is then opened and must render without an exception or error message, the Overview still
showing 13. The loader is resumed while the browser keeps moving between pages; once it has
finished, the next page view (the Overview, through the menu: a password sign-in lives in the
browser session, so no reload) shows 35, and the server's log holds no traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ozone_testkit import accounts, fixture_clinic, fixture_timeline
from ozone_testkit.served import (
    DIRECTOR_MENU,
    deployment_env,
    free_port,
    log_tail,
    serving,
    settle,
    sign_in_with_password,
)
from queries.data.loading import load_folder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="pausing a load needs POSIX"),
]

N_BEFORE = len(fixture_clinic.COURSES)  # 13
N_AFTER = N_BEFORE + len(fixture_timeline.COURSES)  # 35: no course id in common
MID_LOAD = "… computing severity, adherence and outcomes"  # the loader's progress line
LOAD_TIMEOUT_S = 120
POLL_S = 0.02
# what a page shows when something went wrong: a traceback box, or an error message
ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def test_pages_read_during_a_load_and_the_next_view_shows_the_new_data(
    chromium, page, tmp_path: Path
):
    first = {c.course_id for c in fixture_clinic.COURSES}
    assert not first & {c.course_id for c in fixture_timeline.COURSES}  # N_AFTER holds
    database = tmp_path / "clinic.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "first_extract"), database)
    second = fixture_timeline.write(tmp_path / "second_extract")
    users = tmp_path / "users.toml"
    accounts.write_users(users, password=accounts.PASSWORD)
    port = free_port()
    server_log = tmp_path / f"streamlit-{port}.log"  # where served.serving logs

    with serving(tmp_path, database, port, users=users, min_cell=1) as url:
        page.goto(url)
        sign_in_with_password(page, accounts.DIRECTOR, accounts.PASSWORD)
        page.get_by_text(f"Signed in as {accounts.DIRECTOR}").wait_for()
        shown = _view(page, "Overview", first_view=True)
        assert _courses(page) == N_BEFORE
        inode_before = database.stat().st_ino

        with _loading(tmp_path, second, database) as (loader, loader_log):
            _wait_for_line(loader, loader_log, MID_LOAD)
            os.kill(loader.pid, signal.SIGSTOP)
            try:
                # paused mid-way: its new file beside the database, the old one not replaced
                assert (tmp_path / f".{database.name}.loading-{loader.pid}").exists()
                for title in ["Patterns", "Overview", *DIRECTOR_MENU[2:]]:  # every page
                    shown = _view(page, title)
                    if title == "Overview":
                        assert _courses(page) == N_BEFORE  # readers keep the data as it was
                assert database.stat().st_ino == inode_before
            finally:
                os.kill(loader.pid, signal.SIGCONT)
            give_up = time.monotonic() + LOAD_TIMEOUT_S  # a hung load fails, not loops
            while loader.poll() is None and time.monotonic() < give_up:
                shown = _view(page, _next_page(shown, skip="Overview"))  # until it finished
            loader.wait(timeout=LOAD_TIMEOUT_S)
            assert loader.returncode == 0, log_tail(loader_log)
            said = loader_log.read_text(encoding="utf-8")
            assert f"{N_AFTER} courses in the database now" in said, said
        assert database.stat().st_ino != inode_before  # the load swapped in a new file

        # the next page view after the load: the Overview, through the menu (no reload)
        assert shown != "Overview"
        _view(page, "Overview")
        assert _courses(page) == N_AFTER
        assert page.get_by_text(f"Signed in as {accounts.DIRECTOR}").count() == 1
    log = server_log.read_text(errors="replace")
    assert "Traceback" not in log and "Error" not in log, log_tail(server_log)


def _view(page, title: str, first_view: bool = False) -> str:
    """Open the page ``title`` through the sidebar menu (the sign-in's landing page when
    ``first_view``), wait for its title and the idle script; checked to show no error."""
    if not first_view:
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    settle(page)
    errors = page.locator(ERROR)
    assert errors.count() == 0, f"{title}: {errors.all_inner_texts()}"
    return title


def _next_page(current: str, skip: str) -> str:
    """The menu's page after ``current`` (wrapping round), never ``skip``."""
    cycle = [t for t in DIRECTOR_MENU if t != skip]
    return cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else cycle[0]


def _courses(page) -> int:
    """The Overview's "Courses" box, a plain count with the small-cell gate off."""
    box = page.locator('[data-testid="stMetric"]').filter(has_text="Courses")
    return int(box.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))


@contextlib.contextmanager
def _loading(folder: Path, extract: Path, database: Path):
    """``ozone-outcomes load EXTRACT --db DATABASE`` started in the background (its output to
    a file, never a pipe); yields (process, log); stopped if still running at the end."""
    log = folder / "load.log"
    command = [sys.executable, "-m", "queries.cli", "load", str(extract), "--db", str(database)]
    with log.open("w") as out:
        loader = subprocess.Popen(
            command,
            cwd=folder,
            env=deployment_env(folder),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield loader, log
    finally:
        if loader.poll() is None:
            os.kill(loader.pid, signal.SIGCONT)
            loader.kill()
            loader.wait()


def _wait_for_line(loader: subprocess.Popen, log: Path, line: str) -> None:
    """Poll the loader's log until it prints ``line``; fail if it ends (or hangs) first."""
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while line not in log.read_text(encoding="utf-8", errors="replace"):
        if loader.poll() is not None:
            pytest.fail(f"the load ended before it said {line!r}:\n{log_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"the load did not say {line!r} in {LOAD_TIMEOUT_S} s:\n{log_tail(log)}")
        time.sleep(POLL_S)
