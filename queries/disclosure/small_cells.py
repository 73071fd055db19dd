"""The small-cell rules (methods.md section 6, CMS cell-size policy) a result can declare.

A result dataclass of the core declares which of its frames carry counts subject to hiding,
in the field's metadata (:func:`declares`)::

    groups: pd.DataFrame = field(metadata=declares(SmallGroups(denominator="n_followup")))

and :func:`queries.disclosure.gate.disclose` applies the declared rule with the viewer's
threshold (``Policy.min_cell_size``), then the full cell-by-cell rule every frame gets
(:func:`queries.disclosure.cells.suppress`), which keeps what the declared rule hid hidden.

- :class:`ShowAll`: the frame is not data about people (a funnel's limit curve): it passes
  as it is, without the full rule either.

- :class:`SmallGroups`: a clinic-then-groups table; a group under the threshold keeps its row
  but loses its counts and rates, with complementary suppression (:func:`hide_small_groups`).
- :class:`SmallRows`: rows (weeks of a trajectory) under the threshold keep their key columns
  and lose their numbers (:func:`hide_small_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from queries.core.errors import InsufficientData
from queries.core.scope import CLINIC

RULE = "disclosure_rule"  # the key of a dataclass field's metadata that holds its rule
HIDDEN_COUNTS = ("n_courses", "n_eligible", "n_followup", "n_responders")
COMPLEMENT_NOTE = "hidden too, so that a smaller group cannot be worked out from the total"


class Rule(Protocol):
    """What the gate does to one frame for a threshold."""

    def apply(self, frame: pd.DataFrame, min_cell_size: int) -> pd.DataFrame: ...


@dataclass(frozen=True)
class ShowAll:
    """No hiding, for a frame that counts no one (a grid of a limit curve): returned as it
    is (the same object); the gate applies no other rule to it."""

    def apply(self, frame: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
        return frame


@dataclass(frozen=True)
class SmallGroups:
    """Hide groups whose ``denominator`` is under the threshold (:func:`hide_small_groups`)."""

    denominator: str = "n_followup"

    def apply(self, frame: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
        return hide_small_groups(frame, min_cell_size, self.denominator)


@dataclass(frozen=True)
class SmallRows:
    """Hide the numbers of rows whose ``count`` is under the threshold, keeping the ``keep``
    columns (:func:`hide_small_rows`); ``when_all_hidden`` (with ``{min_cell_size}``) is the
    :class:`InsufficientData` message when no row is left to show."""

    count: str
    keep: tuple[str, ...]
    when_all_hidden: str

    def apply(self, frame: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
        out = hide_small_rows(frame, min_cell_size, self.count, self.keep)
        if out["is_hidden"].all():
            raise InsufficientData(self.when_all_hidden.format(min_cell_size=min_cell_size))
        return out


def declares(rule: Rule) -> dict[str, Rule]:
    """The metadata of a dataclass field whose frame the gate passes through ``rule``."""
    return {RULE: rule}


def declared_rule(metadata: Mapping[str, Any]) -> Rule | None:
    """The rule a dataclass field declares, or None."""
    return metadata.get(RULE)


def hidden_note(min_cell_size: int) -> str:
    """What a hidden group shows instead of its numbers."""
    return f"fewer than {min_cell_size} courses with follow-up — hidden"


def _complement(
    size: np.ndarray, small: np.ndarray, groups: np.ndarray, min_cell_size: int
) -> np.ndarray:
    """Complementary suppression: while the hidden groups could be worked out from the
    clinic's total (one hidden group, or hidden groups whose total is under the threshold),
    the shown group with the smallest denominator is hidden too."""
    complement = np.zeros(len(size), dtype=bool)
    while True:
        hidden_groups = (small | complement) & groups
        total = size[hidden_groups].sum()
        recoverable = hidden_groups.sum() == 1 or 0 < total < min_cell_size
        shown_groups = groups & ~(small | complement)
        if not hidden_groups.any() or not recoverable or not shown_groups.any():
            return complement
        complement[int(np.argmin(np.where(shown_groups, size, np.inf)))] = True


def hide_small_groups(
    frame: pd.DataFrame, min_cell_size: int, denominator: str = "n_followup"
) -> pd.DataFrame:
    """Small-cell hiding of a clinic-then-groups table (methods.md section 6).

    A row whose ``denominator`` is below ``min_cell_size`` keeps its group name; its counts
    (:data:`HIDDEN_COUNTS`) and every rate and interval become missing, ``is_hidden`` is True
    and ``note`` says why. Complementary suppression: while the clinic row is shown and the
    hidden groups could be worked out from it (one hidden group, or hidden groups whose
    total is below ``min_cell_size``: total minus the shown groups), the shown group with the
    smallest ``denominator`` is hidden as well (its ``note`` says so). Shown rows have an
    empty ``note``. A threshold of 1 hides nothing.
    """
    out = frame.copy()
    for col in HIDDEN_COUNTS:
        if col in out.columns:
            out[col] = out[col].astype("Int64")
    size = out[denominator].fillna(0).to_numpy(dtype=float)
    small = (size < min_cell_size) & (min_cell_size > 1)
    groups = (out["group"] != CLINIC).to_numpy()
    clinic_shown = bool((~groups & ~small).any())
    complement = (
        _complement(size, small, groups, min_cell_size)
        if clinic_shown
        else np.zeros(len(out), dtype=bool)
    )
    hidden = small | complement
    value_columns = [
        c
        for c in out.columns
        if c in HIDDEN_COUNTS or c.endswith("_rate") or "_ci_" in c or c.startswith("ci_")
    ]
    out.loc[hidden, value_columns] = pd.NA
    out["is_hidden"] = hidden
    out["note"] = np.where(
        small, hidden_note(min_cell_size), np.where(complement, COMPLEMENT_NOTE, "")
    )
    return out


def hide_small_rows(
    frame: pd.DataFrame, min_cell_size: int, count: str, keep: tuple[str, ...]
) -> pd.DataFrame:
    """Rows whose ``count`` is below ``min_cell_size`` keep their ``keep`` columns; every
    other column becomes missing and ``is_hidden`` is True (``count`` as nullable Int64)."""
    out = frame.copy()
    out[count] = out[count].astype("Int64")
    hidden = (out[count].fillna(0) < min_cell_size).to_numpy(dtype=bool)
    out.loc[hidden, [c for c in out.columns if c not in keep]] = pd.NA
    out["is_hidden"] = hidden
    return out.reset_index(drop=True)


def _floor_counts(values: pd.Series, min_cell_size: int) -> pd.Series:
    """Counts rounded down to a multiple of the threshold, missing under it (0 stays 0)."""
    counts = values.astype("Int64")
    floored = (counts // min_cell_size) * min_cell_size
    return floored.mask((counts > 0) & (counts < min_cell_size))


@dataclass(frozen=True)
class SurvivalSteps:
    """A Kaplan-Meier table that gives no small count back (methods.md section 6).

    The drop of a curve at one step, read with the number at risk, is the number of events
    there (d = n × (1 − S(t)/S(t−))), often 1. So, per ``group``: a step is shown only once
    at least ``min_cell_size`` events have happened since the last step shown (the curve's
    value there is exact; the steps between are merged into it, their events summed), the
    tail with fewer events left is not drawn; the number at risk and the cumulative counts
    are rounded down to a multiple of the threshold (missing under it), and the censored
    counts between steps are hidden (the at-risk difference would give them back). The
    rounding OpenSAFELY's Kaplan-Meier outputs use, with the threshold as the unit.
    ``kind``: "steps" (the curve, one row per time) or "at_risk" (counts at fixed days).
    """

    kind: str = "steps"
    rewrites_counts: ClassVar[bool] = True  # the gate keeps the rounded counts it shows

    def apply(self, frame: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
        if min_cell_size <= 1 or frame.empty:
            return frame
        if self.kind == "at_risk":
            out = frame.copy()
            for column in ("n_at_risk", "n_events_so_far", "n_censored_so_far"):
                if column in out.columns:
                    out[column] = _floor_counts(out[column], min_cell_size)
            return out
        parts = []
        keys = frame["group"] if "group" in frame.columns else pd.Series(0, index=frame.index)
        for _, rows in frame.groupby(keys, sort=False):
            parts.append(_merged_steps(rows.reset_index(drop=True), min_cell_size))
        out = pd.concat(parts, ignore_index=True)
        out["n_at_risk"] = _floor_counts(out["n_at_risk"], min_cell_size)
        if "n_censored" in out.columns:
            out["n_censored"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
        return out


def _merged_steps(rows: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
    """The rows of one curve where a step is shown: the first (time 0) and each row at which
    the events since the last shown step reach ``min_cell_size`` (its ``n_events`` their sum)."""
    events = rows["n_events"].fillna(0).to_numpy(dtype=float)
    keep, since = [0], 0.0
    summed = [events[0]]
    for i in range(1, len(rows)):
        since += events[i]
        if since >= min_cell_size:
            keep.append(i)
            summed.append(since)
            since = 0.0
    out = rows.iloc[keep].copy()
    out["n_events"] = pd.array(summed, dtype="Int64")
    out["n_events"] = out["n_events"].mask(
        (out["n_events"] > 0) & (out["n_events"] < min_cell_size)
    )
    return out
