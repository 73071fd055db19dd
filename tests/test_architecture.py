"""House rules (docs/style.md) that a test can hold: one-way imports, SQL only in .sql files,
small modules in named subpackages, pages that call the core by reference, a README folder
map that names every module, cited docs that exist, and a test suite that imports its own
helpers (tests/support/ozone_testkit) and nothing called ``tests``.

Each test fails with the list of what broke (file, line, name), not with a bare count.
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("queries", "sample_data", "bench")
MAPPED = ("queries", "dashboard", "sample_data")  # every module named in the README's map
MEASURED = ("queries", "dashboard", "sample_data", "bench", "tests")
MAX_TOP_LEVEL_CORE_MODULES = 6  # queries/*.py; the rest lives in subpackages
MAX_MODULE_LINES = 450  # style.md: "a module over ~400 lines is two modules"; hard limit
STREAMLIT_IN_TESTS = {  # AppTest drives the app; the leak scanner reads what it drew
    "tests/support/ozone_testkit/screens.py",
    "tests/support/ozone_testkit/leaks.py",
    "bench/pages.py",  # times every page in AppTest (docs/performance.md "Pages")
}
BY_NAME_CALLS = {"call", "run"}  # ctx.run(core_function, ...), never ctx.run("name", ...)
SHADOW_RUN_S = 300
SHADOW_PROBE_TEST = "tests/test_pages.py::test_overview_shows_the_hand_worked_totals"


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
        yield from (p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- imports --------------------------------------------------------------------------------


def test_only_dashboard_imports_streamlit():
    offenders = [
        rel(p)
        for p in py_files(*CORE, "tests")
        if "streamlit" in imports_of(p) and rel(p) not in STREAMLIT_IN_TESTS
    ]
    assert offenders == [], f"streamlit imported outside dashboard/: {offenders}"


def test_core_never_imports_the_dashboard():
    offenders = [rel(p) for p in py_files(*CORE) if "dashboard" in imports_of(p)]
    assert offenders == [], f"the core imports dashboard/: {offenders}"


def test_dashboard_never_imports_importlib():
    offenders = [
        rel(p)
        for p in py_files("dashboard")
        if "importlib" in imports_of(p) or "__import__(" in p.read_text()
    ]
    assert offenders == [], f"dashboard/ loads modules by name: {offenders}"


def calls_by_name(path: Path) -> list[str]:
    """``x.call("name", ...)`` / ``x.run("name", ...)``: a core function named by a string."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{rel(path)}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in BY_NAME_CALLS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def test_pages_call_the_core_by_reference():
    offenders = [call for p in py_files("dashboard") for call in calls_by_name(p)]
    assert offenders == [], "core functions called by name string, not by reference:\n" + "\n".join(
        offenders
    )


# --- SQL ------------------------------------------------------------------------------------


def test_no_sql_text_outside_sql_files():
    sql_start = re.compile(
        r"""["']\s*(select\s.*\sfrom\s|with\s+\w+\s+as\s*\(|insert\s+into\s|update\s+\w+\s+set\s"""
        r"""|delete\s+from\s|create\s+(or\s+replace\s+)?(table|view|macro|type)\s)""",
        re.I,
    )
    offenders = []
    for path in py_files("dashboard", "queries"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if sql_start.search(line):
                offenders.append(f"{rel(path)}:{n}: {line.strip()}")
    assert offenders == []


def test_every_sql_file_has_a_header_comment():
    for path in (ROOT / "queries" / "sql").rglob("*.sql"):
        assert path.read_text().startswith("-- "), path


# --- layout ---------------------------------------------------------------------------------


def test_queries_keeps_at_most_six_modules_at_its_top():
    top = sorted(p.name for p in (ROOT / "queries").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_CORE_MODULES, (
        f"{len(top)} modules directly in queries/ (at most {MAX_TOP_LEVEL_CORE_MODULES}; "
        f"move them into a subpackage): {top}"
    )


def test_no_module_is_over_the_line_limit():
    lengths = {rel(p): len(p.read_text().splitlines()) for p in py_files(*MEASURED)}
    over = {path: n for path, n in sorted(lengths.items()) if n > MAX_MODULE_LINES}
    assert over == {}, f"modules over {MAX_MODULE_LINES} lines (split them): {over}"


def folder_map() -> str:
    """The ``` block under "## Folder map" in README.md."""
    readme = (ROOT / "README.md").read_text()
    assert "## Folder map" in readme, "README.md has no '## Folder map' section"
    section = readme.split("## Folder map", 1)[1]
    block = re.search(r"```[^\n]*\n(.*?)```", section, re.S)
    assert block, "no ``` block under '## Folder map' in README.md"
    return block.group(1)


def mapped_names() -> set[str]:
    """Every module (``funnel.py``) and package directory (``stats/``) of the mapped folders;
    a package is a folder holding Python modules (views/ has no __init__.py)."""
    modules = [p for p in py_files(*MAPPED) if p.name != "__init__.py"]
    packages = {p.parent for p in py_files(*MAPPED)}
    return {p.name for p in modules} | {f"{d.name}/" for d in packages}


def test_readme_folder_map_names_every_module_and_package():
    block = folder_map()
    missing = sorted(
        name
        for name in mapped_names()
        if not re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w])", block)
    )
    assert missing == [], f"README.md's folder map does not name: {missing}"


# --- the docs the code cites ----------------------------------------------------------------

CITATION = re.compile(
    r"(?<![\w./-])(?P<path>(?:\.\./|[\w-]+/)*)"
    r"(?P<name>[\w-]+|\{[\w,-]+\})\.md\b"
)


def cited_exists(folder: str, name: str) -> bool:
    """A citation with a folder is read from the project root; a bare name is a file of docs/
    (or one at the top, README.md)."""
    if folder:
        return (ROOT / folder / name).exists()
    return (ROOT / "docs" / name).exists() or (ROOT / name).exists()


def missing_citations(path: Path) -> list[str]:
    """Citations in ``path`` of files that do not exist (a brace list cites every name in it,
    as the shell expands it)."""
    missing = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        for match in CITATION.finditer(line):
            if match["path"].startswith("../shared"):
                continue  # the team's originals, outside this repository
            names = [name + ".md" for name in match["name"].strip("{}").split(",")]
            missing += [
                f"{rel(path)}:{n}: {name} ({match[0]})"
                for name in names
                if not cited_exists(match["path"], name)
            ]
    return missing


def test_docs_cited_by_the_code_exist():
    sources = [*py_files(*MEASURED), *(ROOT / "queries").rglob("*.sql")]
    missing = [m for path in sources for m in missing_citations(path)]
    assert missing == [], "cited docs that do not exist in docs/:\n" + "\n".join(missing)


# --- the test suite's own layout ------------------------------------------------------------


def is_test_module(name: str) -> bool:
    """``tests`` (whatever package answers to it), a test module or a conftest."""
    return name in ("tests", "conftest") or name.startswith("test_")


def test_no_test_module_imports_another():
    offenders = {
        rel(p): sorted(name for name in imports_of(p) if is_test_module(name))
        for p in py_files("tests", "bench")
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert offenders == {}, (
        "import shared helpers from ozone_testkit (tests/support) or use "
        f"the fixtures of tests/conftest.py, not: {offenders}"
    )


def shadowing_env(tmp: Path) -> dict[str, str]:
    """The environment with a ``tests`` package first on PYTHONPATH, as an installed wheel
    that ships its own ``tests/`` would put one on sys.path; importing it fails loudly."""
    fake = tmp / "site" / "tests"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise ImportError("an installed package called tests was imported")\n'
    )
    return {**os.environ, "PYTHONPATH": str(fake.parent)}


def test_the_suite_runs_with_another_tests_package_installed(tmp_path):
    env = shadowing_env(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", "import tests"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SHADOW_RUN_S,
    )
    assert "an installed package called tests" in probe.stderr, "the fake did not shadow"
    # conftest.py, ozone_testkit's fixture clinic and AppTest helpers, one page: still pass
    # (test_no_test_module_imports_another keeps every other module off ``tests.``)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", SHADOW_PROBE_TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SHADOW_RUN_S,
    )
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-3000:] + run.stderr
