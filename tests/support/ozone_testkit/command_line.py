"""Running ``ozone-outcomes`` as a clinic runs it: ``python -m queries.cli`` in a process of its
own, from the project folder, without the shell's ``OUTCOMES_*`` settings (only ``env``'s)."""

from __future__ import annotations

import os
import subprocess
import sys

from ozone_testkit import ROOT

TIMEOUT_S = 180


def ozone_outcomes(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``ozone-outcomes ARGS`` with ``stdin`` as its standard input; text output captured."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OUTCOMES_")}
    return subprocess.run(
        [sys.executable, "-m", "queries.cli", *args],
        cwd=ROOT,
        env=clean | (env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
