"""The report as one self-contained HTML file: opens offline, charts interactive, prints well.

plotly.js is written once, inline in the head (``plotly.offline.get_plotlyjs()``); each chart
is its figure's JSON in a ``<script type="application/json">`` and is drawn by one small
script at the end, which sets ``window.reportReady`` once every chart is drawn (the PDF
printer waits for it) and marks a chart it could not draw. Nothing is fetched: no script,
style sheet, font or image from anywhere. The print style sheet starts every section on a
new page and keeps a chart, a table and the headline boxes each on one page.
"""

from __future__ import annotations

import html
import json
import math
import re
from numbers import Number

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from dashboard.charts.base import PLOTLY_CONFIG
from dashboard.report.model import Chart, Metrics, Report, Table, Text

CHART_CONFIG = {**PLOTLY_CONFIG, "responsive": True}
MISSING = "–"  # a cell the gate hid, or a rate with no denominator

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  max-width: 1100px; margin: 0 auto; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.about p { margin: .15rem 0; color: var(--muted); }
.synthetic { border-left: 4px solid #E69F00; padding: .3rem .6rem; background: #fff8e6; }
nav ol { columns: 2; color: var(--muted); }
.caption { color: var(--muted); font-size: .9rem; }
.calm { border-left: 4px solid #56B4E9; padding: .3rem .6rem; background: #f0f7fc; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: .6rem; margin: .4rem 0 1rem; }
.metric { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.metric .label { font-size: .85rem; color: var(--muted); }
.metric .value { font-size: 1.5rem; font-weight: 600; }
.metric .note { font-size: .8rem; color: var(--muted); }
.chart { width: 100%; min-height: 320px; margin: .6rem 0; }
.chart.failed::after { content: "This chart could not be drawn."; color: #D55E00; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0 .8rem; }
th, td { border: 1px solid var(--line); padding: .2rem .45rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
.table-wrap { overflow-x: auto; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  section.report-section { break-before: page; }
  section.report-section:first-of-type { break-before: auto; }
  .chart, .metrics, table, .metric { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .table-wrap { overflow: visible; }
}
"""

DRAW = """
(function () {
  const config = %s;
  const specs = [...document.querySelectorAll('script[type="application/json"][data-chart]')];
  const drawn = specs.map(function (spec) {
    const div = document.getElementById(spec.dataset.chart);
    try {
      const fig = JSON.parse(spec.textContent);
      return Plotly.newPlot(div, fig.data, fig.layout, config)
        .then(function () { div.dataset.drawn = "true"; })
        .catch(function () { div.classList.add("failed"); });
    } catch (e) {
      div.classList.add("failed");
      return Promise.resolve();
    }
  });
  Promise.all(drawn).then(function () { window.reportReady = true; });
})();
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


_STRONG = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """A line escaped, with the page's Markdown emphasis (``**bold**``, ```code```) kept as
    HTML: the core's sentences are written for ``st.markdown``."""
    escaped = _esc(text)
    return _CODE.sub(r"<code>\1</code>", _STRONG.sub(r"<strong>\1</strong>", escaped))


def _paragraphs(text: Text) -> str:
    """A text block: consecutive "- " lines become a list, other lines paragraphs."""
    css = "" if text.style == "p" else f' class="{text.style}"'
    out, items = [], []
    for line in text.text.splitlines():
        if line.startswith("- "):
            items.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if items:
            out.append(f"<ul{css}>{''.join(items)}</ul>")
            items = []
        if line.strip():
            out.append(f"<p{css}>{_inline(line)}</p>")
    if items:
        out.append(f"<ul{css}>{''.join(items)}</ul>")
    return "\n".join(out)


def _metrics(block: Metrics) -> str:
    boxes = "".join(
        '<div class="metric">'
        f'<div class="label">{_esc(m.label)}</div><div class="value">{_esc(m.value)}</div>'
        + (f'<div class="note">{_esc(m.note)}</div>' if m.note else "")
        + "</div>"
        for m in block.metrics
    )
    return f'<h3>{_esc(block.heading)}</h3>\n<div class="metrics">{boxes}</div>'


def cell_text(value: object, percent: bool) -> str:
    """One table cell as shown: a share as a whole percentage, a count with thousands
    separators, other numbers to two decimals, a hidden or empty cell as '–'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Number) and not isinstance(value, bool):
        number = float(value)  # type: ignore[arg-type]
        if percent:
            return f"{number * 100:.0f} %"
        if math.isfinite(number) and number.is_integer():
            return f"{int(number):,}"
        return f"{number:.2f}"
    return str(value)


def _table(block: Table) -> str:
    frame = block.frame
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, values, strict=True):
            numeric = isinstance(value, Number) and not isinstance(value, bool)
            css = ' class="num"' if numeric else ""
            cells.append(f"<td{css}>{_esc(cell_text(value, column in block.percent))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"<caption>{_esc(block.title)}</caption>" if block.title else ""
    return (
        f'<div class="table-wrap"><table>{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _chart(figure: go.Figure, number: int) -> str:
    """A chart's place and its figure as JSON ("</" escaped: it cannot end the script)."""
    chart_id = f"chart-{number}"
    spec = figure.to_json().replace("</", "<\\/")
    height = figure.layout.height or 450
    return (
        f'<div class="chart" id="{chart_id}" style="height:{int(height)}px"></div>\n'
        f'<script type="application/json" data-chart="{chart_id}">{spec}</script>'
    )


def render(report: Report) -> str:
    """The whole report as one HTML document (module doc)."""
    body, charts = [], 0
    for section in report.sections:
        parts = [
            f'<section class="report-section" id="{section.key}">',
            f"<h2>{_esc(section.title)}</h2>",
        ]
        for block in section.blocks:
            if isinstance(block, Text):
                parts.append(_paragraphs(block))
            elif isinstance(block, Metrics):
                parts.append(_metrics(block))
            elif isinstance(block, Table):
                parts.append(_table(block))
            elif isinstance(block, Chart):
                charts += 1
                parts.append(_chart(block.figure, charts))
        parts.append("</section>")
        body.append("\n".join(parts))
    about = "".join(
        f'<p class="synthetic">{_esc(line)}</p>'
        if line.startswith("Synthetic")
        else f"<p>{_esc(line)}</p>"
        for line in report.about
    )
    contents = "".join(f'<li><a href="#{s.key}">{_esc(s.title)}</a></li>' for s in report.sections)
    return "\n".join(
        (
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_esc(report.title)}</title>",
            f"<style>{CSS}</style>",
            f"<script>{plotly.offline.get_plotlyjs()}</script>",
            "</head><body>",
            f'<header><h1>{_esc(report.title)}</h1><div class="about">{about}</div></header>',
            f"<nav><h2>Contents</h2><ol>{contents}</ol></nav>",
            *body,
            f"<script>{DRAW % json.dumps(CHART_CONFIG)}</script>",
            "</body></html>",
        )
    )
