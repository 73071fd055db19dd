"""What a report is made of, and the writer that fills a section through the gate.

A :class:`Report` is a title, the lines that say whose courses and which filters, and its
:class:`Section` s; a section is a heading and blocks: :class:`Text`, :class:`Metrics` (the
headline boxes), :class:`Chart` (a figure of :mod:`dashboard.charts`) and :class:`Table` (a
frame as :func:`queries.disclosure.gate.present` gives it). :class:`Writer` builds one
section: every result comes from the runner (the core function through the gate, in the
viewer's scope and filters: methods.md section 6), every sentence through
:func:`~queries.disclosure.gate.redact`, and every note of what the gate hid is kept for
the "What was suppressed" section. A part the core cannot compute (``InsufficientData``)
becomes one calm sentence in place, and the other parts still draw, as on the pages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, hidden_note, present, redact

# run(core_function, **options) -> its result through the gate, in the report's scope
Runner = Callable[..., Any]
NO_MATCH = "No courses match these filters — widen the period."
PERCENT_COLUMNS = ("_rate", "ci_lower", "ci_upper")  # as on the pages (dashboard/widgets.py)


@dataclass(frozen=True)
class Text:
    """A sentence or a list (markdown-like: lines starting "- " are items); ``style``:
    "p", "caption" or "calm" (a part that could not be computed)."""

    text: str
    style: str = "p"


@dataclass(frozen=True)
class Metric:
    """One headline box: label, the value as shown, a note under it; ``count``: the value as
    a number when it is a shown count (for checks that read counts)."""

    label: str
    value: str
    note: str = ""
    count: int | None = None


@dataclass(frozen=True)
class Metrics:
    heading: str
    metrics: tuple[Metric, ...]


@dataclass(frozen=True)
class Chart:
    figure: go.Figure


@dataclass(frozen=True)
class Table:
    """A presented frame (labels as column names); ``percent``: the labels shown as %."""

    frame: pd.DataFrame
    percent: tuple[str, ...] = ()
    title: str = ""


Block = Text | Metrics | Chart | Table


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    title: str
    about: tuple[str, ...]  # whose courses, which filters, when, synthetic or not
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


@dataclass
class Context:
    """What every section is built with: the runner (through the gate), the settings, the
    audience's policy, the scope and filters, and the notes of what was hidden so far."""

    run: Runner
    settings: Settings
    policy: Policy
    scope: Scope
    filters: Filters
    notes: list[tuple[str, str]] = field(default_factory=list)  # (where, note)
    results: dict[tuple, Any] = field(default_factory=dict)  # each question asked once

    def ask(self, function: Callable[..., Any], **options: Any) -> Any:
        """``function`` through the runner, once per report (two sections asking the same
        question, or a part asking again what a failed part asked, get the same answer or
        the same ``InsufficientData``)."""
        key = (function.__module__, function.__qualname__, tuple(sorted(options.items())))
        if key not in self.results:
            try:
                self.results[key] = self.run(function, **options)
            except InsufficientData as exc:
                self.results[key] = exc
        found = self.results[key]
        if isinstance(found, InsufficientData):
            raise found
        return found

    def keep_notes(self, where: str, result: Any) -> None:
        """Keep every note of what the gate hid in ``result`` (its frames, at any depth)."""
        for note in hidden_notes(result):
            if (where, note) not in self.notes:
                self.notes.append((where, note))


def hidden_notes(result: Any) -> list[str]:
    """The gate's notes (``frame.attrs["disclosure_note"]``) of every frame in ``result``."""
    if isinstance(result, pd.DataFrame):
        note = hidden_note(result)
        return [note] if note else []
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return [
            n for f in dataclasses.fields(result) for n in hidden_notes(getattr(result, f.name))
        ]
    return []


class Writer:
    """Fills one section (module doc)."""

    def __init__(self, context: Context, key: str, title: str) -> None:
        self.context = context
        self.section = Section(key, title)
        self.part_name = title

    @property
    def policy(self) -> Policy:
        return self.context.policy

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def where(self) -> str:
        """The part being written, as the "What was suppressed" section names it."""
        if self.part_name == self.section.title:
            return self.section.title
        return f"{self.section.title}: {self.part_name}"

    def get(self, function: Callable[..., Any], **options: Any) -> Any:
        """``function`` of the core through the runner; the notes of what it hid kept."""
        result = self.context.ask(function, **options)
        self.context.keep_notes(self.where, result)
        return result

    def say(self, text: str | None, style: str = "p") -> None:
        if text:
            self.section.blocks.append(Text(redact(text, self.policy), style))

    def caption(self, text: str | None) -> None:
        self.say(text, "caption")

    def metrics(self, heading: str, metrics: list[Metric]) -> None:
        self.section.blocks.append(Metrics(heading, tuple(metrics)))

    def chart(self, figure: go.Figure) -> None:
        self.section.blocks.append(Chart(figure))

    def table(
        self,
        frame: pd.DataFrame,
        columns: Mapping[str, str],
        title: str = "",
        percent: tuple[str, ...] = PERCENT_COLUMNS,
    ) -> None:
        """``frame`` through :func:`present` with its labels; the gate's note under it and
        kept for the "What was suppressed" section."""
        shown = present(frame, columns, self.policy)
        self.section.blocks.append(
            Table(
                shown,
                tuple(label for name, label in columns.items() if any(p in name for p in percent)),
                title,
            )
        )
        if note := hidden_note(shown):
            self.caption(note)
            self.context.keep_notes(self.where, shown)

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        """One part of the section: ``InsufficientData`` says so in one sentence here."""
        self.part_name = name
        try:
            yield
        except InsufficientData as exc:
            self.say(f"{name}: {str(exc) or NO_MATCH}", "calm")
        finally:
            self.part_name = self.section.title
