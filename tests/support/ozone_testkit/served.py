"""The app served for a browser test that chooses its own deployment: database, users file,
secrets, working directory.

tests/conftest.py's ``server`` serves one shared synthetic clinic; the sign-in and audit
tests need a server of their own (a users file, an ``[auth]`` section, a database a load
replaces between two runs), so :func:`serving` starts ``ozone-outcomes serve`` as the README
does, in ``folder``: Streamlit reads ``.streamlit/secrets.toml`` from its working directory
(ozone_testkit/oidc.py writes one there), and ``HOME`` is that folder too, so no secrets or
config of the machine's user leak in. Nothing ``OUTCOMES_*`` is inherited from the shell.

Also the helpers a test needs to read the served app in Chromium: the menu's page titles,
the password form, and the idle wait of docs/engineering.md ("A real browser in tests").
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ozone_testkit import accounts
from ozone_testkit.screens import IDLE

SERVER_START_S = 60
SERVER_STOP_S = 10
POLL_S = 0.2
LOG_TAIL_LINES = 40
MENU_LINK = '[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]'

# The menus of the two roles (dashboard/app.py ROLE_PAGES, product.md: a provider sees the
# pages marked P), in menu order.
PROVIDER_MENU = [
    "Overview",
    "Patterns",
    "My practice",
    "Timeline",
    "Safety & screening",
    "Cases like this",
]
DIRECTOR_MENU = [
    "Overview",
    "Patterns",
    "Providers",
    "My practice",
    "Timeline",
    "Safety & screening",
    "Cases like this",
    "Data",
    "Audit",
]
# What only a page with data draws (a signed-out or refused viewer sees none of them).
DATA_TEST_IDS = ("stSidebarNav", "stMetric", "stPlotlyChart", "stDataFrame", "stDownloadButton")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 (a server that is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_up(proc: subprocess.Popen, url: str, log: Path, what: str) -> None:
    """Poll ``url`` until it answers; fail with the log's tail when the process exits or
    takes longer than ``SERVER_START_S``."""
    deadline = time.monotonic() + SERVER_START_S
    while not answers(url):
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not up after {SERVER_START_S} s:\n{log_tail(log)}")
        time.sleep(POLL_S)


def stop(proc: subprocess.Popen) -> None:
    """Stop the process this module started (SIGTERM, then SIGKILL after a wait)."""
    proc.terminate()
    try:
        proc.wait(timeout=SERVER_STOP_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(command: list[str], *, cwd: Path, env: dict, log: Path, url: str, what: str):
    """Run ``command`` (output to ``log``, never a pipe) until the block ends; enter once
    ``url`` answers."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_until_up(proc, url, log, what)
        yield proc
    finally:
        stop(proc)


def deployment_env(folder: Path, **outcomes: str | Path) -> dict[str, str]:
    """The shell's environment without any ``OUTCOMES_*`` or test-account variable, with
    ``HOME`` = ``folder`` and the ``OUTCOMES_*`` settings given (``db=...`` sets
    ``OUTCOMES_DB``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OUTCOMES_") and k != accounts.USER_VAR
    }
    env["HOME"] = str(folder)
    env.update({f"OUTCOMES_{name.upper()}": str(value) for name, value in outcomes.items()})
    return env


@contextlib.contextmanager
def serving(
    folder: Path, database: Path, port: int | None = None, **outcomes: str | Path
) -> Iterator[str]:
    """``ozone-outcomes serve --db DATABASE`` on 127.0.0.1:``port`` (a free one if None),
    run in ``folder`` (where ``.streamlit/secrets.toml`` is read) with the ``OUTCOMES_*``
    settings given (``users=path``: ``OUTCOMES_USERS``); yields its base URL once
    ``/_stcore/health`` answers, stops it when the block ends."""
    port = port or free_port()
    command = [sys.executable, "-m", "queries.cli", "serve", "--db", str(database)]
    command += ["--port", str(port), "--address", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    log = folder / f"streamlit-{port}.log"
    env = deployment_env(folder, **outcomes)
    with running(command, cwd=folder, env=env, log=log, url=f"{url}/_stcore/health", what="app"):
        yield url


# --- reading the served app in Chromium -----------------------------------------------------


def settle(page) -> None:
    """Wait until the script is idle (after a click it may still say notRunning before the
    rerun starts: wait for something to change first, then for this)."""
    page.wait_for_selector(IDLE)


def menu(page) -> list[str]:
    """The page titles of the sidebar menu, in order (the icon's ligature left out)."""
    return [
        link.locator("span[label]").get_attribute("label") for link in page.locator(MENU_LINK).all()
    ]


def data_elements(page) -> dict[str, int]:
    """How many of each data-bearing element (``DATA_TEST_IDS``) the page draws."""
    return {tid: page.locator(f'[data-testid="{tid}"]').count() for tid in DATA_TEST_IDS}


def sign_in_with_password(page, email: str, password: str) -> None:
    """Fill the local sign-in form (dashboard/auth.py: "Email", "Password", "Sign in")."""
    form = page.locator('[data-testid="stForm"]')
    form.get_by_role("textbox", name="Email").fill(email)
    form.get_by_role("textbox", name="Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
