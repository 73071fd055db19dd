"""What a viewer can read on a page, and the checks of methods.md section 6 run on it.

Like ozone_testkit/screens.py it reads what AppTest drew, so it is the other test module
that imports streamlit (tests/test_architecture.py).

:func:`collect` turns an AppTest run into :class:`Item` s: every text (markdown, captions,
headings, alerts), metric (label, value, help, with the captions of its box), widget (label,
options, value), tab and expander label, table (its cells and column labels), download (the
CSV it would send, from :func:`captured_downloads`) and Plotly chart (titles, annotations,
axis titles and tick labels, and every point as its hover renders it, with its text label).
The checks read only those:

- :func:`foreign_ids`: a provider id other than the viewer's own, anywhere (the chart's whole
  JSON included: the browser gets all of it);
- :func:`small_counts`: a count from 1 to threshold - 1 shown as a count (a count column of a
  table or download, a bare-number metric, a chart value on a count axis, a number followed
  by a count word in a sentence, "n = 8", "prov_06 (8)"), or derived: a rate with its
  denominator (rate x n, or its complement, in 1..threshold - 1), the difference of two shown
  counts that nest (eligible - follow-up, follow-up - responders, "9 of 12"); and a rate
  shown where its denominator is hidden;
- :func:`data_shown`: anything of the clinic at all (for a viewer who must see none).

The count words and the nesting are those of methods.md section 6 (courses, eligible,
follow-up, responders, non-responders, events); :mod:`ozone_testkit.leak_rules` holds them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, SpecialBlock

from ozone_testkit import leak_rules as rules
from ozone_testkit.leak_charts import chart_items

TEXT_KINDS = ("markdown", "caption", "latex", "text", "title", "header", "subheader", "code")
ALERT_KINDS = ("info", "warning", "error", "success", "exception", "toast")
WIDGET_KINDS = (
    "selectbox",
    "multiselect",
    "radio",
    "button_group",
    "select_slider",
    "slider",
    "toggle",
    "checkbox",
    "text_input",
    "number_input",
    "button",
    "download_button",
)
DATA_KINDS = ("table", "download", "metric", "chart", "chart point")
BOX_SIZE = 4  # at most this many elements in a metric's bordered box
BARE_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


@dataclass(frozen=True, eq=False)
class Item:
    """One thing a viewer can read: ``kind`` (text, metric, widget, label, table, download,
    chart, chart point), ``where`` (its place on the page), ``text`` (what it says);
    ``frame``: a table's cells; ``rates``/``counts``: a chart point's shares (on a percent
    axis) and values on a count axis; ``raw``: all the browser gets (for ids only)."""

    page: str
    kind: str
    where: str
    text: str = ""
    frame: pd.DataFrame | None = None
    rates: tuple[float, ...] = ()
    counts: tuple[tuple[str, float], ...] = ()
    raw: str = ""
    sidebar: bool = False


@dataclass(frozen=True)
class Finding:
    """One leak: which check, on which page, in what, where, the text, and why."""

    check: str
    page: str
    kind: str
    where: str
    text: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.kind} at {self.where}"
        return f"[{self.page}] {self.check}: {self.detail} · {where} · {self.text[:200]!r}"


# --- downloads ----------------------------------------------------------------------------


@contextmanager
def captured_downloads() -> Iterator[dict[str, Callable[[], Any]]]:
    """While open, every download button's data (a callable, built on click, or the bytes)
    is recorded under the id its button carries (``deferred_file_id``, or the file's URL), so
    that :func:`collect` can read the file the viewer would get."""
    seen: dict[str, Callable[[], Any]] = {}
    add_deferred, add = MediaFileManager.add_deferred, MediaFileManager.add

    def deferred(self, data_callable, *args, **kwargs):
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        seen[file_id] = data_callable
        return file_id

    def eager(self, path_or_data, *args, **kwargs):
        url = add(self, path_or_data, *args, **kwargs)
        seen[url] = lambda: path_or_data
        return url

    with (
        patch.object(MediaFileManager, "add_deferred", deferred),
        patch.object(MediaFileManager, "add", eager),
    ):
        yield seen


def _download(node, downloads: dict[str, Callable[[], Any]] | None) -> str | None:
    if downloads is None:
        return None
    key = node.proto.deferred_file_id or node.proto.url
    data = downloads[key]() if key in downloads else None
    return data.decode("utf-8") if isinstance(data, bytes) else data


def _csv_frame(text: str) -> pd.DataFrame | None:
    try:
        return pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError):
        return None


# --- collecting ---------------------------------------------------------------------------


@dataclass
class _Walk:
    page: str
    downloads: dict[str, Callable[[], Any]] | None
    items: list[Item] = field(default_factory=list)

    def add(self, kind: str, where: str, text: str = "", sidebar: bool = False, **more) -> None:
        self.items.append(Item(self.page, kind, where, text, sidebar=sidebar, **more))

    def block(self, node: Block, where: str, sidebar: bool) -> None:
        label = getattr(node, "label", "") or ""
        if label:
            where = f"{where} › {node.type} {label!r}"
            self.add("label", where, label, sidebar)
        children = list(node.children.values())
        leaves = [c for c in children if not isinstance(c, Block)]
        metrics = [c for c in leaves if getattr(c, "type", "") == "metric"]
        boxed = bool(metrics) and len(leaves) <= BOX_SIZE and not isinstance(node, SpecialBlock)
        if boxed:  # a metric and the captions of its box: read together
            text = " · ".join(_text_of(c) for c in leaves)
            self.add("metric", where, text, sidebar, counts=_metric_counts(metrics))
        for child in children:
            if isinstance(child, Block):
                self.block(child, where, sidebar)
            elif not boxed:
                self.element(child, where, sidebar)

    def element(self, node, where: str, sidebar: bool) -> None:
        kind = getattr(node, "type", "")
        if kind in ("divider", "space"):
            return
        if kind == "metric":
            self.add("metric", where, _text_of(node), sidebar, counts=_metric_counts([node]))
            return
        if kind in ("dataframe", "table"):
            frame = node.value
            self.add("table", where, " · ".join(map(str, frame.columns)), sidebar, frame=frame)
        elif kind == "plotly_chart":
            for chart_kind, place, text, extra in chart_items(json.loads(node.proto.spec)):
                self.add(chart_kind, f"{where} › {place}", text, sidebar, **extra)
        elif kind == "download_button":
            self.add("widget", where, _text_of(node), sidebar)
            content = _download(node, self.downloads)
            if content is not None:
                name = node.proto.label
                self.add(
                    "download",
                    f"{where} › {name!r}",
                    "",
                    sidebar,
                    frame=_csv_frame(content),
                    raw=content,
                )
        elif kind in WIDGET_KINDS or kind in TEXT_KINDS or kind in ALERT_KINDS:
            self.add("widget" if kind in WIDGET_KINDS else "text", where, _text_of(node), sidebar)
        else:
            self.add("other", f"{where} › {kind}", "", sidebar, raw=str(getattr(node, "proto", "")))


def _metric_counts(metrics: list) -> tuple[tuple[str, float], ...]:
    """A metric whose value is a bare whole number shows a count."""
    return tuple(
        (f"metric {m.label!r}", float(m.value.replace(",", "")))
        for m in metrics
        if BARE_COUNT.fullmatch(m.value.strip())
    )


def _text_of(node) -> str:
    """What one element says: its value, label, options, help, as one string."""
    kind = getattr(node, "type", "")
    if kind == "metric":
        parts = [node.label, node.value, node.proto.delta, node.proto.help]
    elif kind == "exception":
        parts = [node.message]
    elif kind in WIDGET_KINDS:
        proto = node.proto
        options = [getattr(o, "content", o) for o in getattr(proto, "options", [])]
        value = getattr(node, "value", None) if kind not in ("button", "download_button") else None
        parts = [proto.label, *map(str, options), "" if value is None else str(value), proto.help]
    else:
        parts = [str(getattr(node, "value", ""))]
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def collect(
    at: AppTest, page: str = "", downloads: dict[str, Callable[[], Any]] | None = None
) -> list[Item]:
    """Everything a viewer can read after the run of ``at`` (sidebar first), as items of
    ``page``; with ``downloads`` (:func:`captured_downloads`) the files the download buttons
    would send too."""
    walk = _Walk(page, downloads)
    walk.block(at.sidebar, "sidebar", True)
    walk.block(at.main, "main", False)
    return walk.items


def run_script(source: str) -> list[Item]:
    """What a viewer reads on a page built by hand (Streamlit source): for testing the
    scanner itself, downloads included."""
    with captured_downloads() as downloads:
        at = AppTest.from_string(source).run()
        if at.exception:
            raise AssertionError([e.message for e in at.exception])
        return collect(at, "script", downloads)


# --- the checks ---------------------------------------------------------------------------


def provider_ids(database: Path) -> list[str]:
    """Every provider id of ``database`` (``queries/sql/meta/provider_ids.sql``)."""
    from queries.analytics import checks
    from queries.data import db

    con = db.connect(database, read_only=True)
    try:
        return checks.provider_ids(con)
    finally:
        con.close()


def _readable(item: Item) -> str:
    frame = "" if item.frame is None else item.frame.to_csv(index=False)
    return "\n".join((item.text, item.raw, frame))


def foreign_ids(items: Iterable[Item], ids: Iterable[str], allowed: str | None) -> list[Finding]:
    """Every item naming a provider of ``ids`` other than ``allowed`` (None: no id allowed)."""
    patterns = {
        pid: re.compile(rf"(?<![A-Za-z0-9_]){re.escape(pid)}(?![A-Za-z0-9_])")
        for pid in ids
        if pid != allowed
    }
    findings = []
    for item in items:
        readable = _readable(item)
        for pid, pattern in patterns.items():
            if (match := pattern.search(readable)) is not None:
                excerpt = readable[max(0, match.start() - 80) : match.end() + 80]
                findings.append(
                    Finding("foreign id", item.page, item.kind, item.where, excerpt, f"names {pid}")
                )
    return findings


def small_counts(items: Iterable[Item], threshold: int) -> list[Finding]:
    """Every count from 1 to ``threshold`` - 1 an item shows or gives away (module doc)."""
    findings = {}
    pages: dict[str, list[Item]] = {}
    for item in items:
        pages.setdefault(item.page, []).append(item)
        for check, detail, text in rules.item_leaks(item, threshold):
            found = Finding(check, item.page, item.kind, item.where, text, detail)
            findings.setdefault((check, item.page, item.kind, item.where, detail, text), found)
    for page, on_page in pages.items():
        for check, detail, text in rules.page_leaks(on_page, threshold):
            findings.setdefault(
                (check, page, detail), Finding(check, page, "metrics", "page", text, detail)
            )
    return list(findings.values())


def data_shown(items: Iterable[Item]) -> list[Item]:
    """Items that show anything of the clinic: a table, download, metric or chart, a widget
    of the sidebar, or a sentence with a count in it."""
    return [
        item
        for item in items
        if item.kind in DATA_KINDS
        or (item.sidebar and item.kind == "widget")
        or rules.text_counts(item.text)
    ]


def report(findings: list[Finding], limit: int = 80) -> str:
    """The findings one a line (the first ``limit``), for an assertion message."""
    lines = [str(f) for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more")
    return "\n".join(lines)
