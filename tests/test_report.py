"""The report for the quality meeting (issue 11): every section, one self-contained file, the
same gate and scope as the app (methods.md section 6), logged in the audit.

Built on the hand-built fixture clinic (13 courses: almost every count is small, the best
adversary of the gate) and on the small synthetic clinic (2,000 courses: every chart drawn),
both at the default threshold. What a reader can read of a report is turned into the leak
scanner's items (ozone_testkit/leaks.py: texts, headline boxes, tables, every chart's points
and its whole JSON) and checked with its rules; the scanner is shown to see a count and an id
planted into a report first, so that a clean scan means a clean report.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import plotly.offline
import pytest

from dashboard.menu import DIRECTOR, PROVIDER, ROLE_PAGES
from dashboard.report import about
from dashboard.report.build import build_report, core_runner
from dashboard.report.button import LABEL
from dashboard.report.document import render
from dashboard.report.model import NO_MATCH, Chart, Metrics, Report, Table, Text
from ozone_testkit import ROOT, accounts, leaks
from ozone_testkit.command_line import ozone_outcomes
from ozone_testkit.leak_charts import chart_items
from ozone_testkit.leaks import Item
from ozone_testkit.report_sections import DIRECTOR_HEADINGS, PROVIDER_HEADINGS
from ozone_testkit.screens import HOME, start_app
from queries.access import audit
from queries.analytics import checks, providers
from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.disclosure.gate import hidden_note

THRESHOLD = Settings().min_cell_size  # 11
PLOTLY_JS = plotly.offline.get_plotlyjs()
# A reference to anything outside the file: a script, style sheet, image or frame by address.
FETCHES = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(?:src|href|data)\s*=",
    re.I,
)
REMOTE = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?https?:""", re.I
)


# --- building reports -----------------------------------------------------------------------


def make_report(database: Path, scope: Scope, filters: Filters = Filters(), **settings) -> Report:
    """The report of ``database`` in ``scope`` as the CLI builds it (default threshold)."""
    chosen = Settings(**settings)
    con = db.connect(database, read_only=True)
    try:
        return build_report(
            core_runner(con, scope, filters, chosen),
            settings=chosen,
            scope=scope,
            filters=filters,
            load_history=checks.load_history(con),
            synthetic=checks.is_synthetic(con),
            user="test",
        )
    finally:
        con.close()


@pytest.fixture(scope="module", params=["fixture", "synthetic"])
def clinic(request) -> Path:
    return request.getfixturevalue(f"{request.param}_clinic_db")


@pytest.fixture(scope="module")
def reports(clinic) -> dict[str | None, Report]:
    """The director's report and every provider's, of one clinic."""
    ids = leaks.provider_ids(clinic)
    built: dict[str | None, Report] = {None: make_report(clinic, Scope.clinic())}
    for provider_id in ids:
        built[provider_id] = make_report(clinic, Scope.provider(provider_id))
    return built


def headings(page: str) -> list[str]:
    """The text of every section heading (``<h2>``) of a document, in order."""
    found = [html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", page, re.S)]
    return [h for h in found if h != "Contents"]


def items_of(report: Report, page: str = "report") -> list[Item]:
    """What a reader can read of ``report`` as the leak scanner's items (module doc)."""
    items = [Item(page, "text", "about", line) for line in report.about]
    for section in report.sections:
        for i, block in enumerate(section.blocks):
            where = f"{section.title} › {i}"
            if isinstance(block, Text):
                items += [Item(page, "text", where, line) for line in block.text.splitlines()]
            elif isinstance(block, Metrics):
                for m in block.metrics:
                    counts = () if m.count is None else ((f"metric {m.label!r}", float(m.count)),)
                    text = " · ".join((m.label, m.value, m.note))
                    items.append(
                        Item(page, "metric", f"{where} {block.heading}", text, counts=counts)
                    )
            elif isinstance(block, Table):
                columns = " · ".join(map(str, block.frame.columns))
                items.append(Item(page, "table", where, columns, frame=block.frame))
            elif isinstance(block, Chart):
                spec = json.loads(block.figure.to_json())
                for kind, place, text, extra in chart_items(spec):
                    items.append(Item(page, kind, f"{where} › {place}", text, **extra))
    return items


def blocks(report: Report, kind: type) -> list:
    return [b for s in report.sections for b in s.blocks if isinstance(b, kind)]


# --- every section, one file that fetches nothing ---------------------------------------------


def test_every_section_has_its_heading_in_order(reports):
    for provider_id, report in reports.items():
        expected = DIRECTOR_HEADINGS if provider_id is None else PROVIDER_HEADINGS
        assert headings(render(report)) == expected, provider_id


def test_plotly_js_is_included_once_and_every_chart_has_its_place(reports):
    report = reports[None]
    page = render(report)
    assert page.count(PLOTLY_JS) == 1
    assert page.count(PLOTLY_JS[:300]) == 1  # not a second, different copy either
    charts = blocks(report, Chart)
    assert charts, "a report without a chart"
    assert page.count('class="chart"') == len(charts)
    assert page.count('type="application/json" data-chart=') == len(charts)


def test_the_report_refers_to_nothing_outside_itself(reports):
    page = render(reports[None])
    outside = page.replace(PLOTLY_JS, "")  # the library's own strings are not references
    assert FETCHES.findall(outside) == []
    assert REMOTE.findall(outside) == []
    assert "<link" not in outside


def test_the_synthetic_clinic_draws_a_chart_in_every_section_on_the_courses(
    synthetic_clinic_db,
):
    report = make_report(synthetic_clinic_db, Scope.clinic())
    assert any(isinstance(b, Metrics) for b in report.section("overview").blocks)
    for section in report.sections[:5]:
        assert section.key == "overview" or any(isinstance(b, Chart) for b in section.blocks), (
            section.title
        )
        assert not [b for b in section.blocks if isinstance(b, Text) and b.style == "calm"], (
            section.title
        )
    assert "Synthetic data" in " ".join(report.about)


# --- the gate and the scope -------------------------------------------------------------------


def test_the_scanner_sees_a_small_count_and_a_peer_planted_in_a_report(synthetic_clinic_db):
    report = make_report(synthetic_clinic_db, Scope.provider("prov_08"))
    ids = leaks.provider_ids(synthetic_clinic_db)
    assert leaks.small_counts(items_of(report), THRESHOLD) == []
    report.sections[1].blocks.append(Text("7 courses were given by prov_03."))
    found = leaks.small_counts(items_of(report), THRESHOLD)
    assert [f.detail for f in found] == ["7 (courses)"]
    assert [f.detail for f in leaks.foreign_ids(items_of(report), ids, "prov_08")] == [
        "names prov_03"
    ]


def test_a_providers_report_names_no_other_provider_and_shows_no_small_count(clinic, reports):
    ids = leaks.provider_ids(clinic)
    findings = []
    for provider_id, report in reports.items():
        if provider_id is None:
            continue
        items = items_of(report, provider_id)
        page = render(report).replace(PLOTLY_JS, "")
        items.append(Item(provider_id, "html", "the whole file", raw=page))
        findings += leaks.foreign_ids(items, ids, allowed=provider_id)
        findings += leaks.small_counts(items, THRESHOLD)
        assert provider_id in page
    assert findings == [], leaks.report(findings)


def test_the_directors_report_names_every_provider_and_shows_no_small_count(clinic, reports):
    report = reports[None]
    findings = leaks.small_counts(items_of(report), THRESHOLD)
    assert findings == [], leaks.report(findings)
    page = render(report)
    assert all(provider_id in page for provider_id in leaks.provider_ids(clinic))


def test_what_was_suppressed_lists_every_note_the_tables_carry(reports):
    for provider_id, report in reports.items():
        listed = "\n".join(b.text for b in report.section("suppressed").blocks)
        notes = {hidden_note(t.frame) for t in blocks(report, Table)} - {None}
        assert all(note in listed for note in notes), provider_id
        assert f"Counts from 1 to {THRESHOLD - 1} are hidden" in listed


def test_with_the_gate_off_nothing_is_said_to_be_hidden(fixture_clinic_db):
    report = make_report(fixture_clinic_db, Scope.clinic(), min_cell_size=1)
    (said,) = report.section("suppressed").blocks
    assert "off" in said.text
    assert not any(hidden_note(t.frame) for t in blocks(report, Table))


# --- what cannot be computed, definitions, data --------------------------------------------------


def test_no_course_in_the_filters_gives_a_calm_sentence_in_every_section(fixture_clinic_db):
    report = make_report(fixture_clinic_db, Scope.clinic(), Filters(year_min=1900, year_max=1900))
    page = render(report)
    assert headings(page) == DIRECTOR_HEADINGS
    for section in report.sections[:5]:
        assert section.blocks == [Text(NO_MATCH, "calm")], section.title
    assert "Traceback" not in page
    assert "courses started 1900–1900" in " ".join(report.about)


def test_a_part_the_core_cannot_compute_says_why_and_the_others_still_draw(synthetic_clinic_db):
    con = db.connect(synthetic_clinic_db, read_only=True)
    settings, scope = Settings(), Scope.clinic()
    run = core_runner(con, scope, Filters(), settings)

    def refusing(function, **options):
        if function is providers.compare_providers:
            raise InsufficientData("Not enough courses with follow-up to compare providers.")
        return run(function, **options)

    try:
        report = build_report(
            refusing,
            settings=settings,
            scope=scope,
            filters=Filters(),
            load_history=checks.load_history(con),
            synthetic=True,
        )
    finally:
        con.close()
    section = report.section("providers")
    assert [b.text for b in section.blocks] == [
        "Provider comparison: Not enough courses with follow-up to compare providers.",
        "Each provider over time: Not enough courses with follow-up to compare providers.",
    ]
    assert blocks(report, Chart)  # the other sections drew


def test_the_definitions_cite_only_the_references_of_methods_md(reports):
    methods = (ROOT / "docs" / "methods.md").read_text()
    cited = methods.split("## References", 1)[1].replace("\n", " ")
    assert [r for r in about.REFERENCES if r not in cited] == []
    text = "\n".join(b.text for b in reports[None].section("definitions").blocks)
    assert all(r in text for r in about.REFERENCES)
    assert "methods.md section 1" in text


def test_the_data_section_names_the_latest_loads_files_and_hashes(clinic, reports):
    con = db.connect(clinic, read_only=True)
    try:
        history = checks.load_history(con)
    finally:
        con.close()
    for report in (reports[None], reports[next(k for k in reports if k)]):
        (files,) = [b for b in report.section("data").blocks if isinstance(b, Table)]
        assert list(files.frame.columns) == ["File", "Rows", "SHA-256"]
        assert set(files.frame["SHA-256"]) == set(history["sha256"])
        text = render(report)
        assert f"schema version {db.SCHEMA_VERSION}" in text


# --- the command line and the audit -------------------------------------------------------------


@pytest.fixture()
def database_copy(synthetic_clinic_db, tmp_path) -> Path:
    """The synthetic clinic in a folder of this test's own (its audit log beside it)."""
    copy = tmp_path / "clinic.duckdb"
    copy.write_bytes(synthetic_clinic_db.read_bytes())
    return copy


def test_the_report_command_writes_the_file_and_logs_the_report(database_copy, tmp_path):
    out = tmp_path / "prov_08.html"
    result = ozone_outcomes(
        "report", "--db", str(database_copy), "--out", str(out), "--provider-id", "prov_08",
        "--indication", "knee_oa", "--year-min", "2022",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert headings(page) == PROVIDER_HEADINGS
    assert "indication: knee_oa" in page
    events = audit.read(Settings().audit_log_for(database_copy))
    last = events.iloc[-1]
    assert (last["action"], last["role"], last["page"]) == (
        "report",
        "provider",
        "report/prov_08.html",
    )
    assert last["user"].startswith("command line")
    assert json.loads(last["filters"]) == {
        "scope": "prov_08",
        "indications": ["knee_oa"],
        "year_min": 2022,
    }


@pytest.mark.parametrize("problem", ["missing", "not a database", "unknown provider"])
def test_a_bad_database_or_provider_gives_one_sentence_and_exit_2(problem, database_copy, tmp_path):
    out = tmp_path / "report.html"
    database = {
        "missing": tmp_path / "nothing.duckdb",
        "not a database": tmp_path / "notes.duckdb",
        "unknown provider": database_copy,
    }[problem]
    if problem == "not a database":
        database.write_text("not a database\n")
    extra = ["--provider-id", "prov_99"] if problem == "unknown provider" else []
    result = ozone_outcomes("report", "--db", str(database), "--out", str(out), *extra)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert str(database) in result.stderr or "prov_99" in result.stderr
    assert not out.exists()


def test_report_is_an_action_of_the_audit_log(tmp_path):
    log = tmp_path / "audit.jsonl"
    filters = audit.scope_filters(Scope.provider("p1"), Filters(routes=("intra_articular",)))
    audit.record(
        log, user="a@b.c", role="provider", action="report", page="x", filters=filters, rows=None
    )
    (event,) = audit.read(log).to_dict("records")
    assert event["action"] == "report"
    assert json.loads(event["filters"]) == {"routes": ["intra_articular"], "scope": "p1"}
    with pytest.raises(audit.AuditLogError):
        audit.record(
            log, user="a", role="provider", action="print", page="x", filters={}, rows=None
        )


# --- the app's button ----------------------------------------------------------------------------


def report_buttons(at) -> list:
    return [b for b in at.sidebar.get("download_button") if b.proto.label == LABEL]


@pytest.mark.parametrize("role", [DIRECTOR, PROVIDER])
def test_the_download_button_is_on_every_page_and_logs_the_report(
    role, synthetic_env, monkeypatch, tmp_path
):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("OUTCOMES_AUDIT_LOG", str(log))
    email = accounts.DIRECTOR if role == DIRECTOR else accounts.as_provider(monkeypatch, "prov_08")
    with leaks.captured_downloads() as downloads:
        at = start_app()
        for page in ROLE_PAGES[role]:
            if page != HOME:
                at.switch_page(f"views/{page}.py").run()
            assert not at.exception, page
            assert len(report_buttons(at)) == 1, page
        (button,) = report_buttons(at)
        page_html = downloads[button.proto.deferred_file_id]().decode("utf-8")
    assert headings(page_html) == (DIRECTOR_HEADINGS if role == DIRECTOR else PROVIDER_HEADINGS)
    assert f"UTC for {email}." in page_html and "1970-01-01" not in page_html
    events = audit.read(log)
    reported = events[events["action"] == "report"].to_dict("records")
    assert [(e["user"], e["role"], e["page"]) for e in reported] == [
        (email, role, f"{ROLE_PAGES[role][-1]}/ozone-outcomes-report.html")
    ]
    if role == PROVIDER:
        ids = leaks.provider_ids(synthetic_env)
        others = [i for i in ids if i != "prov_08" and re.search(rf"\b{i}\b", page_html)]
        assert others == []


def test_a_sentences_markdown_emphasis_is_html_and_everything_else_is_escaped():
    """The core writes its sentences for st.markdown: the report shows their bold and code
    as HTML, never as asterisks, and escapes every other character."""
    from dashboard.report.document import _inline

    assert _inline("**Overdispersion:** phi <b>3.6</b> & `tau²`") == (
        "<strong>Overdispersion:</strong> phi &lt;b&gt;3.6&lt;/b&gt; &amp; <code>tau²</code>"
    )
    assert _inline("2 * 3 ** 4") == "2 * 3 ** 4"
