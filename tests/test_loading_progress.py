"""The load's progress (issue 10, item 1): every step announced, the step count the CLI's bar
uses is the number of steps a load announces, and in a terminal the bar counts steps done."""

from __future__ import annotations

import copy
import io

from ozone_testkit import fixture_clinic
from queries.data.loading import load_folder, load_steps
from queries.data.progress import StepProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_load_announces_as_many_steps_as_the_bar_counts(tmp_path):
    path = tmp_path / "data" / "clinic.duckdb"
    first: list[str] = []
    load_folder(fixture_clinic.write(tmp_path / "first"), path, progress=first.append)
    data = copy.deepcopy(fixture_clinic.rows())
    data["courses"].append({**data["courses"][0], "course_id": "brand_new"})
    again: list[str] = []
    load_folder(fixture_clinic.write(tmp_path / "newer", data), path, progress=again.append)
    assert len(first) == load_steps(replacing=False)
    assert len(again) == load_steps(replacing=True)
    assert again[1] == "copying the courses this extract does not replace"
    assert first[-1] == again[-1] == "recording the load and writing the new database to disk"


def test_outside_a_terminal_each_step_is_one_line():
    out = io.StringIO()
    progress = StepProgress(4, stream=out)
    for message in ("reading", "writing"):
        progress(message)
    progress.close(done=True)
    assert out.getvalue() == "… reading\n… writing\n"


def last_bar(text: str) -> str:
    return [part for part in text.replace("\n", "\r").split("\r") if "steps |" in part][-1]


def test_in_a_terminal_the_bar_counts_the_steps_done():
    out = Terminal()
    progress = StepProgress(4, stream=out)
    for message in ("reading", "writing", "computing"):
        progress(message)
    assert last_bar(out.getvalue()).startswith("load 2/4 steps")  # computing is under way
    progress.close(done=False)
    assert last_bar(out.getvalue()).startswith("load 2/4 steps")  # left where it stopped
    assert "… computing" in out.getvalue()

    out = Terminal()
    progress = StepProgress(4, stream=out)
    progress("reading")  # the extract was loaded last: nothing more to do
    progress.close(done=True)
    assert last_bar(out.getvalue()).startswith("load 4/4 steps")
