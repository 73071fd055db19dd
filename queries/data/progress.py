"""A load's progress on the command line: each step's message, and in a terminal a bar with
the steps done, the time so far and the time left (tqdm; issue 10, "Load at the speed of
reading").

The loader reports its steps as one-line messages (:data:`queries.data.loading.Progress`);
this turns them into lines prefixed with "…" (what a log or a test reads) and, when the
stream is a terminal, a tqdm bar under them that counts the steps of
:func:`queries.data.loading.load_steps`.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm


class StepProgress:
    """A progress callback that prints every message and, in a terminal, advances a bar.

    Each message starts a step, so the message before it is counted done; :meth:`close`
    completes the bar on success (a load that found nothing to do skips the rest) or leaves
    it where the load stopped.
    """

    def __init__(self, total_steps: int, stream: TextIO | None = None, unit: str = "step"):
        self.stream = stream if stream is not None else sys.stderr
        self.started = 0
        self.bar: tqdm | None = None
        if self.stream.isatty():
            self.bar = tqdm(
                total=total_steps,
                file=self.stream,
                unit=unit,
                desc="load",
                bar_format="{desc} {n_fmt}/{total_fmt} {unit}s |{bar}| {elapsed} elapsed, "
                "{remaining} left",
                leave=True,
            )

    def __call__(self, message: str) -> None:
        line = f"… {message}"
        if self.bar is None:
            print(line, file=self.stream, flush=True)
            return
        if self.started:
            self.bar.update(1)
        self.bar.write(line, file=self.stream)
        self.started += 1

    def close(self, done: bool) -> None:
        """End the bar: filled when the load ``done``, else left at the step that failed."""
        if self.bar is None:
            return
        if done:
            self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()
