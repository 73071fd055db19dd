"""Docs stay true: the schema matches the contract, the README names every command and setting.

docs/{data-contract,methods,product,engineering,style}.md are the project's copies of the shared
team docs; when ../shared is present (it is in CI) every copy must equal it.
"""

import argparse
import re
from pathlib import Path

import duckdb
import pytest

from queries.cli import build_parser
from queries.core.settings import ENV_VARS
from queries.data import contract, db

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_MD = ROOT / "docs" / "data-contract.md"
SHARED = ROOT.parent / "shared" / "docs"
SHARED_DOCS = ["data-contract.md", "methods.md", "product.md", "engineering.md", "style.md"]
KINDS = {"text": "text", "int": "int", "enum": "enum", "bool": "bool", "decimal": "decimal"}
DUCKDB_TYPES = {
    "text": {"VARCHAR"},
    "int": {"INTEGER"},
    "bool": {"BOOLEAN"},
    "decimal": {"DOUBLE", "DECIMAL(12,2)"},
}


def contract_tables() -> dict[str, list[tuple[str, str, str]]]:
    """file stem -> [(column, type, rule)] parsed from the markdown contract."""
    tables: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in CONTRACT_MD.read_text().splitlines():
        heading = re.match(r"^## (\w+)\.csv", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
            continue
        if line.startswith("## ") or (current and tables[current] and not line.startswith("|")):
            current = None  # only the first table of a section lists its columns
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            current
            and line.startswith("|")
            and len(cells) == 3
            and cells[0] not in ("column", "---")
        ):
            tables[current].append((cells[0], cells[1], cells[2]))
    return tables


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this checkout")
@pytest.mark.parametrize("name", SHARED_DOCS)
def test_project_copies_equal_the_shared_docs(name):
    assert (ROOT / "docs" / name).read_text() == (SHARED / name).read_text(), (
        f"docs/{name} drifted from ../shared/docs/{name}: copy it again and update the code"
    )


def test_contract_module_matches_markdown():
    tables = contract_tables()
    assert list(tables) == [f.name for f in contract.FILES]
    for spec in contract.FILES:
        md = tables[spec.name]
        assert [c[0] for c in md] == list(spec.column_names), spec.name
        for (name, kind, rule), col in zip(md, spec.columns, strict=True):
            assert KINDS[kind] == col.kind, f"{spec.name}.{name}"
            assert col.required == ("optional" not in rule and name != "severity_grade"), (
                f"{spec.name}.{name}: optional-ness differs from the contract"
            )
            if kind == "enum" and spec.name != "assessments":
                values = tuple(re.findall(r"`([^`]+)`", rule))
                assert values == col.values, f"{spec.name}.{name}"
            numbers = re.findall(r"(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)", rule)
            if numbers and kind != "enum":
                lo, hi = map(float, numbers[0])
                if spec.name == "sessions" and name == "session_number":
                    continue
                assert (col.min_value, col.max_value) == (lo, hi), f"{spec.name}.{name}"


def test_instrument_ranges_match_markdown():
    text = CONTRACT_MD.read_text()
    found = {}
    for names, lo, hi in re.findall(r"^\| (`[^|]+`) \| (\d+)\.\.(\d+)", text, re.M):
        for name in re.findall(r"`([^`]+)`", names):
            found[name] = (float(lo), float(hi))
    assert found == {k: (float(a), float(b)) for k, (a, b) in contract.INSTRUMENT_RANGES.items()}


def test_derived_classes_match_markdown():
    text = CONTRACT_MD.read_text()
    sev = re.search(r"`severity_class` in\s+((?:`\w+`,?\s*)+)", text).group(1)
    assert tuple(re.findall(r"`(\w+)`", sev)) == contract.SEVERITY_CLASSES
    adherence_text = text[text.index("`adherence_class`") :]
    found = re.findall(r"`(not_started|full_protocol|one_and_done|partial)`", adherence_text)
    assert set(found) == set(contract.ADHERENCE_CLASSES)


def test_ddl_columns_and_enums_match_contract():
    con = duckdb.connect()
    db.execute_script(con, "meta/schema")
    for spec in contract.FILES:
        cols = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = $t order by ordinal_position",
            {"t": spec.name},
        ).fetchall()
        assert [c[0] for c in cols] == list(spec.column_names), spec.name
        for (name, dtype), col in zip(cols, spec.columns, strict=True):
            if col.kind == "enum":
                assert dtype.startswith("ENUM("), f"{spec.name}.{name}: {dtype}"
                values = tuple(re.findall(r"'([^']*)'", dtype))
                assert values == col.values, f"{spec.name}.{name}"
            else:
                assert dtype in DUCKDB_TYPES[col.kind], f"{spec.name}.{name}: {dtype}"
        not_null = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = $t "
                "and is_nullable = 'NO'",
                {"t": spec.name},
            ).fetchall()
        }
        required = {c.name for c in spec.columns if c.required}
        assert not_null == required, spec.name


def test_readme_names_every_command_option_and_setting():
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, cmd in sub.choices.items():
        assert f"ozone-outcomes {name}" in readme, f"README lacks the command {name}"
        for action in cmd._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, f"README lacks {name} {flag}"
    for var in ENV_VARS:
        assert var in readme, f"README lacks the setting {var}"


def test_readme_shows_the_two_commands_near_the_top():
    lines = (ROOT / "README.md").read_text().splitlines()[:40]
    top = "\n".join(lines)
    assert "ozone-outcomes serve" in top or "./run" in top
    assert "pytest" in top
