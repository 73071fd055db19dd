"""A killed load leaves the database as it was, and the next load removes what it left
(issue 10, item 3): ``ozone-outcomes load`` runs in a process of its own and is killed with
SIGKILL right after it announces a step (building the new file, computing the marts,
recording the load); the database keeps its bytes, the dead load's new file stays beside it
(so the test sees there was something to clean), and the next load removes it and loads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ozone_testkit import ROOT
from ozone_testkit.extract_variants import sha
from queries.data import db
from queries.data.loading import load_folder
from sample_data.generator import generate_clinic, write_clinic

N_COURSES = 2000  # big enough that every step takes a moment, small enough for a test


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> tuple[Path, Path]:
    """Two synthetic extracts of N_COURSES courses (different seeds: the second replaces)."""
    root = tmp_path_factory.mktemp("extracts")
    first, second = root / "first", root / "second"
    write_clinic(generate_clinic(N_COURSES, seed=1), first)
    write_clinic(generate_clinic(N_COURSES, seed=2), second)
    return first, second


def scratch(db_path: Path) -> list[str]:
    """The names beside the database that are not the database itself."""
    return sorted(p.name for p in db_path.parent.iterdir() if p.name != db_path.name)


def count_courses(db_path: Path) -> tuple[int, int]:
    con = db.connect(db_path)
    try:
        cur = con.cursor()
        n = cur.execute("select count(*) from courses").fetchone()
        loads = cur.execute("select count(*) from load_history").fetchone()
    finally:
        con.close()
    assert n is not None and loads is not None
    return int(n[0]), int(loads[0])


# The CLI, stopped (SIGSTOP) by itself right after it announces the step named in argv[1]:
# the test then kills it at exactly that moment, however fast the machine.
STOP_AT_STEP = """
import os, signal, sys
from queries.data import progress
step, announce = sys.argv[1], progress.StepProgress.__call__
def stop_at(self, message):
    announce(self, message)
    if step in message:
        os.kill(os.getpid(), signal.SIGSTOP)
progress.StepProgress.__call__ = stop_at
from queries.cli import main
sys.exit(main(sys.argv[2:]))
"""


def start_load(folder: Path, db_path: Path, log: Path, step: str | None) -> subprocess.Popen:
    """``ozone-outcomes load FOLDER --db DB`` in a process of its own (stopping itself at
    ``step`` when one is named), its messages written to ``log``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OUTCOMES_")}
    load = ["load", str(folder), "--db", str(db_path)]
    args = ["-c", STOP_AT_STEP, step, *load] if step else ["-m", "queries.cli", *load]
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=clean, stdout=out, stderr=out
        )


def kill_load_at(folder: Path, db_path: Path, step: str) -> int:
    """Start a load, SIGKILL it the moment it announces ``step``; returns its pid."""
    log = db_path.parent.parent / "load.log"
    proc = start_load(folder, db_path, log, step)
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the load ended before {step!r}: {log.read_text()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert step in log.read_text()
    return proc.pid


@pytest.mark.parametrize(
    "step",
    ["writing courses", "computing severity", "recording the load"],
)
def test_a_killed_load_leaves_the_database_and_the_next_load_cleans_up(tmp_path, extracts, step):
    first, second = extracts
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "clinic.duckdb"
    load_folder(first, path)
    before, counts_before = sha(path), count_courses(path)

    pid = kill_load_at(second, path, step)

    assert sha(path) == before and count_courses(path) == counts_before
    left = scratch(path)
    assert f".clinic.duckdb.loading-{pid}" in left, left  # the dead load's half-built file

    again = load_folder(first, path)  # the extract loaded last: nothing to load, but clean
    assert again.status == "unchanged" and scratch(path) == [] and sha(path) == before
    report = load_folder(second, path)
    assert report.status == "loaded" and report.n_courses_in_extract == N_COURSES
    assert scratch(path) == []
    assert count_courses(path)[1] == counts_before[1] + 1


def test_a_load_killed_at_any_moment_leaves_the_old_or_the_new_database(tmp_path, extracts):
    """Killed after a delay (a fraction of a whole load's time): whatever it was doing, the
    database is either the old one, byte for byte, or (the load had finished) the new one."""
    first, second = extracts
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "clinic.duckdb"
    load_folder(first, path)
    before, counts_before = sha(path), count_courses(path)
    log = tmp_path / "load.log"
    started = time.monotonic()
    start_load(second, tmp_path / "whole.duckdb", log, None).wait(timeout=300)
    whole = time.monotonic() - started
    outcomes = set()
    for fraction in (0.2, 0.5, 0.8, 0.95):
        proc = start_load(second, path, log, None)
        time.sleep(whole * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if sha(path) == before:
            outcomes.add("old")
            assert count_courses(path) == counts_before
        else:  # killed after the swap (or not at all): the new database, whole
            outcomes.add("new")
            assert count_courses(path)[1] == counts_before[1] + 1, log.read_text()
            load_folder(first, path)  # back to the first extract for the next kill
            before, counts_before = sha(path), count_courses(path)
    assert "old" in outcomes  # at least one kill landed inside a load
    load_folder(first, path)
    load_folder(second, path)
    assert scratch(path) == []


def dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    return proc.pid


def test_only_the_scratch_of_dead_processes_is_removed(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "o.duckdb"
    path.write_bytes(b"database")
    dead, alive = dead_pid(), os.getppid()
    files = [
        f".o.duckdb.loading-{dead}",
        f".o.duckdb.loading-{dead}.wal",
        f".o.duckdb.reading-{dead}-3",
        f".o.duckdb.loading-{alive}",  # a load still running in another process
        f".o.duckdb.loading-{os.getpid()}.wal",  # this process's own
        f".other.duckdb.loading-{dead}",  # another database's
        "o.duckdb.loading-1",  # not a scratch name
    ]
    for name in files:
        (folder / name).write_bytes(b"x")
    spill = folder / f".o.duckdb.loading-{dead}.tmp"
    spill.mkdir()
    (spill / "block.bin").write_bytes(b"x")

    removed = db.remove_dead_scratch(path)

    assert sorted(p.name for p in removed) == sorted([*files[:3], spill.name])
    assert scratch(path) == sorted(files[3:])
    assert path.read_bytes() == b"database"
