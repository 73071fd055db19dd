"""A Plotly spec as a viewer reads it, for :mod:`ozone_testkit.leaks`: the title and
subtitle, annotations, axis and legend titles, every tick label, and every point of every
trace as its hover renders it (``hovertemplate`` filled in from the point's x, y, z, text,
customdata, label, value, as plotly.js does) together with the text written beside it.

Each point also carries its shares (values on an axis formatted as a percentage) and its
values on a count axis (an axis whose title is a count: "Courses with follow-up"), so that a
rate drawn with its n can be checked. The whole JSON (the browser gets all of it) goes with
the chart's title item, for the id check.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from ozone_testkit.leak_rules import count_kind

Entry = tuple[str, str, str, dict[str, Any]]  # kind, place, text, extra fields of the Item
PLACEHOLDER = re.compile(r"%\{([^}|:]+)(?::([^}]*))?(?:\|[^}]*)?\}")
TAG = re.compile(r"<[^>]+>")
POINT_FIELDS = ("x", "y", "z", "text", "hovertext", "customdata", "labels", "values")


def values(array: Any) -> Any:
    """A spec array as (nested) lists: decodes ``{"dtype", "bdata", "shape"}``."""
    if isinstance(array, dict) and "bdata" in array:
        flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        if "shape" in array:
            flat = flat.reshape([int(s) for s in str(array["shape"]).split(",")])
        return flat.tolist()
    return array


def plain(text: Any) -> str:
    """Chart text as read: line breaks as " · ", tags dropped, ``<extra>`` left out."""
    text = re.sub(r"<extra>.*?</extra>", "", str(text), flags=re.S)
    return TAG.sub("", re.sub(r"<br\s*/?>", " · ", text)).replace("&nbsp;", " ")


def _format(value: Any, spec: str | None) -> str:
    """``value`` as plotly.js writes it with the d3 format ``spec`` (the usual ones)."""
    if value is None:
        return ""
    if not spec or not isinstance(value, int | float):
        return str(value)
    try:
        if spec.endswith("%"):
            return format(value, spec.replace(",", ""))
        if spec.endswith("d") or spec == ",":
            return format(round(value), "," if "," in spec else "d")
        return format(value, spec)
    except ValueError:
        return str(value)


def _lookup(point: dict[str, Any], name: str) -> Any:
    name = name.strip()
    if name.startswith("fullData."):
        name = name.removeprefix("fullData.")
    match = re.fullmatch(r"(\w+(?:\.\w+)?)\[(\d+)\]", name)
    if match:
        seq = point.get(match.group(1))
        index = int(match.group(2))
        return seq[index] if isinstance(seq, list) and index < len(seq) else None
    return point.get(name)


def render(template: str, point: dict[str, Any]) -> str:
    """A hover or text template filled in for one point."""
    return PLACEHOLDER.sub(lambda m: _format(_lookup(point, m.group(1)), m.group(2)), template)


def _at(array: Any, *index: int) -> Any:
    for i in index:
        if not isinstance(array, list):
            return array  # a scalar is every point's value
        array = array[i] if i < len(array) else None
    return array


def _axis(layout: dict, ref: str | None, letter: str) -> dict:
    suffix = (ref or letter)[1:]
    return layout.get(f"{letter}axis{suffix}", {}) or {}


def _axis_title(axis: dict) -> str:
    title = axis.get("title")
    return str(title.get("text", "")) if isinstance(title, dict) else str(title or "")


def _points(trace: dict) -> Iterator[dict[str, Any]]:
    """Every point of a trace as the variables its templates may use."""
    fields = {f: values(trace[f]) for f in POINT_FIELDS if f in trace}
    if trace.get("type") == "heatmap":
        for i, row in enumerate(fields.get("z") or []):
            for j in range(len(row)):
                point = {f: _at(v, i, j) for f, v in fields.items() if f not in ("x", "y")}
                yield point | {"x": _at(fields.get("x"), j), "y": _at(fields.get("y"), i)}
        return
    lengths = [len(v) for v in fields.values() if isinstance(v, list)]
    for i in range(max(lengths, default=0)):
        point = {f: _at(v, i) for f, v in fields.items()}
        point["label"], point["value"] = point.get("labels"), point.get("values")
        yield point


def _sankey(trace: dict, title: str) -> Iterator[Entry]:
    node, link = trace.get("node", {}), trace.get("link", {})
    labels = [str(v) for v in values(node.get("label", []))]
    for i, label in enumerate(labels):
        text = render(node.get("hovertemplate") or "%{label}", {"label": label})
        yield "chart point", f"chart {title!r} › node {i}", plain(text), {}
    sources, targets = values(link.get("source", [])), values(link.get("target", []))
    flows, custom = values(link.get("value", [])), values(link.get("customdata", []))
    for i, flow in enumerate(flows):
        point = {
            "value": flow,
            "customdata": _at(custom, i),
            "source.label": _at(labels, _at(sources, i)),
            "target.label": _at(labels, _at(targets, i)),
        }
        text = render(link.get("hovertemplate") or "%{value}", point)
        counts = (("link width", float(flow)),) if isinstance(flow, int | float) else ()
        yield "chart point", f"chart {title!r} › link {i}", plain(text), {"counts": counts}
    yield from _worked_out(labels, sources, targets, flows, title)


def _worked_out(
    labels: list[str], sources: list, targets: list, flows: list, title: str
) -> Iterator[Entry]:
    """Hidden flows of a flow diagram worked out as a reader would, step after step: what
    enters a node leaves it, and a node's label may state its total ("Flare: 30"); where one
    of those sums misses exactly one flow, that flow is known (an entry with it as a count)."""
    known = [f if isinstance(f, int | float) else None for f in flows]
    totals = [re.search(r":\s*(\d[\d,]*)\s*$", label) for label in labels]
    found = True
    while found:
        found = False
        for i, label in enumerate(labels):
            into = [j for j, t in enumerate(targets) if t == i]
            out = [j for j, s in enumerate(sources) if s == i]
            total = float(totals[i].group(1).replace(",", "")) if totals[i] else None
            equations = [(into, out)] if into and out else []
            equations += [(side, []) for side in (into, out) if side and total is not None]
            for left, right in equations:
                missing = [j for j in left + right if known[j] is None]
                if len(missing) != 1:
                    continue
                j = missing[0]
                sums = [sum(known[k] or 0 for k in side) for side in (left, right)]
                if not right:
                    sums[1] = total or 0
                known[j] = abs(sums[0] - sums[1])
                found = True
                place = f"chart {title!r} › link {j} (a hidden flow worked out at node {i})"
                text = f"{label}: a hidden flow of {known[j]:g}"
                yield "chart point", place, text, {"counts": (("worked-out flow", known[j]),)}


def _trace(trace: dict, layout: dict, title: str, t: int) -> Iterator[Entry]:
    """The points of one (non-sankey) trace as entries."""
    name = str(trace.get("name") or "")
    place = f"chart {title!r} › trace {t} {name!r}"
    if name and trace.get("showlegend", True) is not False:
        yield "chart", f"{place} › name", plain(name), {}
    axes = {
        letter: _axis(layout, trace.get(f"{letter}axis"), letter)
        for letter in ("x", "y")
        if trace.get("type") not in ("pie", "sankey")
    }
    if str(trace.get("mode", "")) == "lines":  # a reference line or limit: no point's values
        axes = {}
    percent = {k for k, a in axes.items() if "%" in str(a.get("tickformat", ""))}
    counting = {k: _axis_title(a) for k, a in axes.items() if count_kind(_axis_title(a))}
    hover, texttemplate = trace.get("hovertemplate"), trace.get("texttemplate")
    skip_hover = str(trace.get("hoverinfo", "")) in ("skip", "none")
    for i, point in enumerate(_points(trace)):
        template = _at(values(hover), i) if isinstance(hover, list | dict) else hover
        if skip_hover:
            shown = ""
        elif template:
            shown = render(str(template), point | {"name": name})
        else:
            shown = " · ".join(
                str(point[f]) for f in ("x", "y", "text", "hovertext") if point.get(f) is not None
            )
        label = render(texttemplate, point) if texttemplate else point.get("text")
        text = " · ".join(plain(s) for s in (shown, label) if s not in (None, ""))
        rates = tuple(float(point[k]) for k in percent if isinstance(point.get(k), int | float))
        counts = tuple(
            (axis_title, float(point[k]))
            for k, axis_title in counting.items()
            if isinstance(point.get(k), int | float)
        )
        if text or counts or rates:
            yield "chart point", f"{place} › point {i}", text, {"rates": rates, "counts": counts}


def chart_items(spec: dict) -> Iterator[Entry]:
    """What a viewer reads of one Plotly chart (module doc)."""
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
    heading = layout.get("title", {}) or {}
    title = plain(heading.get("text", "")) if isinstance(heading, dict) else plain(heading)
    subtitle = (
        plain((heading.get("subtitle") or {}).get("text", "")) if isinstance(heading, dict) else ""
    )
    raw = json.dumps({"data": spec.get("data", []), "layout": layout})
    yield "chart", f"chart {title!r}", " · ".join(s for s in (title, subtitle) if s), {"raw": raw}
    for i, note in enumerate(layout.get("annotations", []) or []):
        yield "chart", f"chart {title!r} › annotation {i}", plain(note.get("text", "")), {}
    for key, axis in layout.items():
        if not re.fullmatch(r"[xy]axis\d*", key) or not isinstance(axis, dict):
            continue
        if axis_title := _axis_title(axis):
            yield "chart", f"chart {title!r} › {key} title", plain(axis_title), {}
        for tick in values(axis.get("ticktext", [])) or []:
            yield "chart", f"chart {title!r} › {key} tick", plain(tick), {}
    legend = (layout.get("legend") or {}).get("title")
    if isinstance(legend, dict) and legend.get("text"):
        yield "chart", f"chart {title!r} › legend", plain(legend["text"]), {}
    for t, trace in enumerate(spec.get("data", [])):
        if trace.get("type") == "sankey":
            yield from _sankey(trace, title)
        else:
            yield from _trace(trace, layout, title, t)
