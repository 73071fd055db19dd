"""The full small-cell rule of methods.md section 6 (CMS cell-size policy), cell by cell.

:func:`suppress` applies it to one frame with a threshold ``t`` and a rounding base ``r``:

1. **Small cells**: every count (:func:`queries.disclosure.counts.count_columns`) from 1 to
   t-1 is hidden (0 is shown), and so is every cell a declared rule already hid.
2. **Complementary suppression**, until nothing more can be worked out. Each *relation* says
   that some shown cells add up to (or fit inside) another:

   - within a row, a count and every count it nests in (follow-up within eligible within
     courses: eligible - follow-up is a count too) and the disjoint parts of a count
     (courses = not yet due + no baseline + low baseline + eligible);
   - within a column, the rows that differ in one key (:data:`~queries.disclosure.counts.
     PARTITION_KEYS`) and agree in the others: they add up to the total row (``group ==
     "clinic"``) when there is one, else to a total shown elsewhere (the clinic's figures),
     which is assumed public (fail closed).

   An exact relation (the parts add up to the total) gives a hidden count away when it
   holds one hidden cell alone (the others give it back), or when its total is shown and
   its hidden parts add up to 1..t-1; a relation with a remainder that is no column
   (follow-up within eligible) when the total less the shown parts is from 1 to t-1. Then
   one more cell is hidden: in a column the shown part with the smallest count above 0
   (the total when none is left); in a row the count the fewest shown figures rest on
   (:func:`queries.disclosure.figures.weights`), then the smallest; a cell that would be
   left alone in another relation with nothing beside it to hide comes last.
3. **Statistics** (:func:`queries.disclosure.figures.statistic_masks`): a rate, mean or
   limit and its interval is hidden where a denominator is under t or hidden, or where its
   numerator is hidden (a rate times a shown denominator gives the numerator back).
4. **Rounding** (``r > 1``, OpenSAFELY): every shown count is rounded to the nearest multiple
   of r, never below the smallest multiple of r at or above t (so no shown count falls in
   1..t-1); a total row whose parts are all shown and add up to it is the sum of the rounded
   parts. Rates stay those of the true counts.

Frames that list courses (a ``course_id`` column) count no one in a cell and pass as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from queries.core.scope import CLINIC
from queries.disclosure import counts as registry
from queries.disclosure.counts import PARTITIONS
from queries.disclosure.figures import note_text, rounded, statistic_masks, weights

ATTRS_NOTE = "disclosure_note"  # frame.attrs key: one sentence saying what was hidden
ATTRS_SUMMARY = "disclosure"  # frame.attrs key: what the gate did (threshold, cells hidden)
MIRRORS = {"x": "n"}  # a column that repeats a count (a funnel's x): shown as the count is

Cell = tuple[int, int]  # (row, count column)


@dataclass(frozen=True)
class Relation:
    """Cells ``parts`` add up to (exact) or fit inside ``total``; ``total`` None: a total
    shown elsewhere (the parts partition it exactly)."""

    total: Cell | None
    parts: tuple[Cell, ...]
    exact: bool
    in_row: bool = False  # counts of one row (no total row to round from its parts)


@dataclass
class Cells:
    """The count cells of a frame: true values (NaN = none), which are hidden, and the
    weight of each column (how many shown figures rest on it: the cheaper to hide, the
    lighter)."""

    values: np.ndarray
    hidden: np.ndarray
    threshold: int
    weights: tuple[int, ...]
    relations_of: dict[Cell, list[Relation]] = field(default_factory=dict)

    def shown(self, cell: Cell) -> bool:
        return not self.hidden[cell] and not math.isnan(self.values[cell])

    def positive(self, cell: Cell) -> bool:
        return self.shown(cell) and self.values[cell] > 0

    def stuck(self, cell: Cell, current: Relation) -> bool:
        """Whether hiding ``cell`` would leave it alone in another exact relation with no
        other count to hide beside it (it could be worked out there)."""
        for rel in self.relations_of.get(cell, []):
            if rel is current or not rel.exact:
                continue
            others = [m for m in (*rel.parts, rel.total) if m is not None and m != cell]
            if not any(self.positive(m) or self.hidden[m] for m in others):
                return True
        return False

    def cheapest(self, cells: Iterable[Cell], current: Relation) -> Cell | None:
        """The shown cell (count above 0) to hide next: one that would not be alone in
        another relation, then within a row the one the fewest figures rest on, then the
        smallest count."""
        candidates = [c for c in cells if self.positive(c)]
        if not candidates:
            return None

        def cost(c: Cell) -> tuple[float, ...]:
            weight = float(self.weights[c[1]]) if current.in_row else 0.0
            stuck = float(self.stuck(c, current))
            return (stuck, weight, float(self.values[c]), float(c[0]), float(c[1]))

        return min(candidates, key=cost)

    def is_small(self, value: float) -> bool:
        """A count from 1 to threshold - 1 (counts are whole numbers)."""
        return 0.5 <= value < self.threshold - 0.5

    def gives_away(self, rel: Relation) -> Cell | None:
        """The cell to hide so that ``rel`` gives no hidden count away, or None.

        Exact relations (the parts add up to the total): one hidden cell alone is worked out
        from the others, so a second one is hidden; with the total shown, hidden parts whose
        sum is from 1 to t-1 get one more. A relation with a remainder that is not a column
        (follow-up within eligible): the total minus the shown parts must not be from 1 to
        t-1."""
        members = [*rel.parts, *([rel.total] if rel.total is not None else [])]
        exact = rel.exact and not any(math.isnan(self.values[c]) for c in members)
        shown_parts = [p for p in rel.parts if self.shown(p)]
        hidden_parts = [p for p in rel.parts if not self.shown(p)]
        total_shown = rel.total is None or self.shown(rel.total)
        choices = shown_parts + ([rel.total] if rel.in_row and rel.total is not None else [])

        def another() -> Cell | None:
            pick = self.cheapest(choices, rel)
            if pick is None and rel.total is not None and self.shown(rel.total):
                return rel.total
            return pick

        if exact:
            unknown = len(hidden_parts) + (0 if total_shown else 1)
            if unknown == 1:
                return another()
            hidden_sum = sum(self.values[p] for p in hidden_parts)
            return another() if total_shown and hidden_parts and self.is_small(hidden_sum) else None
        if rel.total is None or not total_shown:
            return None
        derived = self.values[rel.total] - sum(self.values[p] for p in shown_parts)
        return another() if self.is_small(derived) else None


def _row_relations(columns: list[str], n_rows: int) -> list[Relation]:
    """Within each row: every count inside each count it nests in, and partitions."""
    present = set(columns)
    index = {c: j for j, c in enumerate(columns)}
    pairs = [(index[a], index[c]) for c in columns for a in registry.ancestors(c, present)]
    partitions = []
    for total, parts, whole in PARTITIONS:
        have = [index[p] for p in parts if p in present]
        if total in present and len(have) >= 2:
            partitions.append((index[total], have, whole and len(have) == len(parts)))
    out = []
    for i in range(n_rows):
        out += [Relation((i, a), ((i, c),), False, True) for a, c in pairs]
        out += [Relation((i, t), tuple((i, p) for p in ps), ex, True) for t, ps, ex in partitions]
    return out


def _lines(frame: pd.DataFrame) -> list[tuple[int | None, list[int]]]:
    """Rows that add up to a total: (the total row or None for one shown elsewhere, rows)."""
    if any(k in frame.columns for k in registry.NO_TOTALS_KEYS):
        return []
    partition, strata = registry.key_columns(frame)
    keys = frame[partition + strata].astype(object).where(frame[partition + strata].notna(), "")
    lines: list[tuple[int | None, list[int]]] = []
    for key in partition:
        others = [k for k in partition + strata if k != key]
        if others:
            strata_rows = [list(v) for v in keys.groupby(others, sort=False).indices.values()]
        else:
            strata_rows = [list(range(len(frame)))]
        for rows in strata_rows:
            totals = [i for i in rows if key == "group" and keys["group"].iat[i] == CLINIC]
            members = [i for i in rows if i not in totals]
            if len(totals) == 1 and members:
                lines.append((totals[0], members))
            elif not totals and members:
                lines.append((None, members))
    return lines


def _column_relations(frame: pd.DataFrame, values: np.ndarray, n_counts: int) -> list[Relation]:
    out = []
    for total, members in _lines(frame):
        for j in range(n_counts):
            parts = tuple((i, j) for i in members)
            if total is None:
                out.append(Relation(None, parts, True))
                continue
            column = values[:, j]
            exact = bool(np.isclose(np.nansum(column[members]), column[total]))
            out.append(Relation((total, j), parts, exact))
    return out


def _complement(cells: Cells, relations: list[Relation]) -> None:
    """Hide cells until no relation gives a hidden count away (a worklist over relations)."""
    for rel in relations:
        for member in (*rel.parts, *([rel.total] if rel.total is not None else [])):
            cells.relations_of.setdefault(member, []).append(rel)
    work = list(relations)
    while work:
        rel = work.pop()
        cell = cells.gives_away(rel)
        if cell is None:
            continue
        cells.hidden[cell] = True
        work.append(rel)
        work.extend(cells.relations_of.get(cell, []))


def _round_cells(
    frame: pd.DataFrame, cells: Cells, relations: list[Relation], r: int
) -> np.ndarray:
    shown = ~cells.hidden & ~np.isnan(cells.values)
    out = np.where(shown, cells.values, np.nan)
    if r <= 1:
        return out
    t = cells.threshold
    out = np.vectorize(lambda v: v if math.isnan(v) else rounded(v, t, r), otypes=[float])(out)
    for rel in relations:  # totals from the rounded cells (methods.md section 6)
        if rel.total is None or not rel.exact or rel.in_row:
            continue
        if shown[rel.total] and all(shown[p] for p in rel.parts):
            out[rel.total] = sum(out[p] for p in rel.parts)
    return out


def _as_column(original: pd.Series, shown: np.ndarray) -> pd.Series:
    """The shown counts as a column: nullable integers for an integer count, else floats."""
    if pd.api.types.is_integer_dtype(original.dtype):
        values = pd.array([None if math.isnan(v) else int(v) for v in shown], dtype="Int64")
        return pd.Series(values, index=original.index, name=original.name)
    return pd.Series(shown, index=original.index, name=original.name, dtype=float)


def _already_gated(frame: pd.DataFrame, columns: list[str], t: int, r: int) -> bool:
    """Whether ``frame`` came out of :func:`suppress` with this threshold and rounding and has
    no count column it did not gate (a second pass would treat rounded counts as true)."""
    summary = frame.attrs.get(ATTRS_SUMMARY)
    if not isinstance(summary, dict):
        return False
    gated = set(summary.get("columns", ()))
    same = (summary.get("min_cell_size"), summary.get("round_to")) == (t, r)
    return same and set(columns) <= gated


def suppress(
    frame: pd.DataFrame,
    min_cell_size: int,
    round_to: int = 1,
    truth: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``frame`` with the full small-cell rule applied (module docstring); the same object
    when nothing is hidden or rounded (and for a threshold of 1).

    ``truth``: the frame before a declared rule hid some of its cells (same rows, in order):
    the cells the rule hid are hidden here too, and the true counts come from ``truth``.
    The result carries ``attrs["disclosure_note"]`` (:func:`note_text`) and
    ``attrs["disclosure"]`` (threshold, rounding, cells hidden) when anything changed.
    """
    t, r = int(min_cell_size), max(int(round_to), 1)
    if t <= 1 or frame.empty or registry.COURSE_ROWS in frame.columns:
        return frame
    columns = registry.count_columns(frame)
    if not columns or _already_gated(frame, columns, t, r):
        return frame
    source = truth if truth is not None and len(truth) == len(frame) else frame
    values = np.column_stack(
        [pd.to_numeric(source[c], errors="coerce").to_numpy(dtype=float) for c in columns]
    )
    now = np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in columns]
    )
    seeded = np.isnan(now) & ~np.isnan(values)
    small = (values > 0) & (values < t)
    cells = Cells(values, small | seeded, t, weights(frame, columns))
    relations = _row_relations(columns, len(frame)) + _column_relations(frame, values, len(columns))
    _complement(cells, relations)
    shown = _round_cells(frame, cells, relations, r)
    masks = statistic_masks(frame, columns, values, cells.hidden, t)

    out = frame.copy()
    changed = False
    for j, column in enumerate(columns):
        before = now[:, j]
        if np.array_equal(before, shown[:, j], equal_nan=True):
            continue
        out[column] = _as_column(frame[column], shown[:, j])
        changed = True
    n_statistics = 0
    for column, hide in masks.items():
        present = pd.to_numeric(frame[column], errors="coerce").notna().to_numpy()
        hide = hide & present
        if hide.any():
            out[column] = pd.to_numeric(frame[column], errors="coerce").astype(float).mask(hide)
            n_statistics += int(hide.sum())
            changed = True
    for mirror, count in MIRRORS.items():
        if mirror not in out.columns or count not in columns:
            continue
        j = columns.index(count)
        mirrored = pd.to_numeric(frame[mirror], errors="coerce").to_numpy(dtype=float)
        moved = not np.array_equal(now[:, j], shown[:, j], equal_nan=True)
        if moved and np.allclose(mirrored, values[:, j], equal_nan=True):
            out[mirror] = shown[:, j]
    if not changed:
        return frame
    n_hidden = int((cells.hidden & (small | seeded)).sum())
    n_complementary = int((cells.hidden & ~(small | seeded) & ~np.isnan(values)).sum())
    out.attrs[ATTRS_SUMMARY] = {
        "min_cell_size": t,
        "round_to": r,
        "columns": tuple(columns),
        "hidden": n_hidden,
        "complementary": n_complementary,
        "statistics": n_statistics,
    }
    note = note_text(n_hidden, n_complementary, n_statistics, t, r)
    if note is not None:
        out.attrs[ATTRS_NOTE] = note
    else:
        out.attrs.pop(ATTRS_NOTE, None)
    return out
