"""House rules (docs/style.md) that a test can hold: one-way imports, SQL only in .sql files."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("queries", "sample_data", "bench")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def py_files(*folders):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def test_only_dashboard_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in py_files(*CORE, "tests")
                 if "streamlit" in imports_of(p)
                 and p.name not in ("test_pages.py", "test_browser.py", "conftest.py")]
    assert offenders == []


def test_core_never_imports_the_dashboard():
    offenders = [str(p.relative_to(ROOT)) for p in py_files(*CORE) if "dashboard" in imports_of(p)]
    assert offenders == []


def test_no_sql_text_outside_sql_files():
    sql_start = re.compile(
        r"""["']\s*(select\s.*\sfrom\s|with\s+\w+\s+as\s*\(|insert\s+into\s|update\s+\w+\s+set\s"""
        r"""|delete\s+from\s|create\s+(or\s+replace\s+)?(table|view|macro|type)\s)""", re.I)
    offenders = []
    for path in py_files("dashboard", "queries"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if sql_start.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_every_sql_file_has_a_header_comment():
    for path in (ROOT / "queries" / "sql").rglob("*.sql"):
        assert path.read_text().startswith("-- "), path
