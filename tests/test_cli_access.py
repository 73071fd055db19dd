"""The command line of issue 8: ``deidentify``, ``users add | list | remove`` and ``audit``, run
as a clinic runs them (``python -m queries.cli``, a process of its own), and ``load`` refusing
a raw export with a message that names ``deidentify``.

The raw export is the fixture clinic as its own system exports it
(ozone_testkit/raw_clinic.py: names, MRNs, SSNs, phones, emails, addresses, ZIP codes, dates);
its 13 courses and their rows are counted in ozone_testkit/fixture_clinic.py.
"""

from __future__ import annotations

import csv
import json
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from ozone_testkit import ROOT, fixture_clinic, raw_clinic
from ozone_testkit.command_line import ozone_outcomes as cli
from ozone_testkit.extract_variants import sha
from queries.access import audit, users
from queries.core.settings import Settings

KEY = "the clinic's pseudonym secret, 32+ characters"
PASSWORD = "correct horse battery staple"
AUDIT_HEADER = "at,user,role,action,page,filters,rows"
N_COURSES = len(fixture_clinic.COURSES)  # 13
WITH_PASSWORD = [
    "add",
    "lee@clinic.example",
    "--role",
    "director",
    "--password-stdin",
    "--users",
    "{p}",
]


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return raw_clinic.write_raw(tmp_path_factory.mktemp("raw") / "export")


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "clinic.key"
    path.write_text(KEY + "\n")
    return path


# --- deidentify, then load ----------------------------------------------------------------


def test_deidentify_then_load_accepts_the_output_and_refuses_the_raw_folder(
    raw, key_file, tmp_path
):
    out = tmp_path / "deidentified"
    done = cli(
        "deidentify",
        str(raw),
        str(out),
        "--key-file",
        str(key_file),
        "--extract-date",
        "2025-06-30",
    )
    assert done.returncode == 0, done.stderr
    assert "rows written: courses.csv 13, sessions.csv 31" in done.stdout
    assert "courses.csv, column patient_name: 13 value(s)" in done.stdout
    for value in raw_clinic.raw_identifier_values():  # the report names columns, never values
        assert value not in done.stdout and value not in done.stderr
    with (out / "courses.csv").open(newline="") as fh:
        courses = list(csv.DictReader(fh))
    assert len(courses) == N_COURSES and all(r["observed_days"] for r in courses)

    database = tmp_path / "clinic.duckdb"
    loaded = cli("load", str(out), "--db", str(database))
    assert loaded.returncode == 0, loaded.stderr
    assert f"{N_COURSES} courses in the extract ({N_COURSES} new, 0 replaced)" in loaded.stdout

    before = sha(database)
    refused = cli("load", str(raw), "--db", str(database))
    assert refused.returncode == 2
    assert "looks like a raw clinic export" in refused.stderr
    assert "ozone-outcomes deidentify RAW_DIR OUT_DIR --key-file K" in refused.stderr
    assert "courses.csv has a column patient_name" in refused.stderr
    assert "Nothing was loaded and the database is unchanged." in refused.stderr
    assert sha(database) == before
    for value in raw_clinic.raw_identifier_values():
        assert value not in refused.stderr, value


def test_load_refuses_identifier_values_in_an_extract_that_meets_the_contract(tmp_path, capsys):
    from queries.cli import main

    rows = fixture_clinic.rows()
    rows["courses"][3]["site_id"] = "front.desk@clinic.example"  # a valid text code otherwise
    folder = fixture_clinic.write(tmp_path / "extract", rows)
    assert main(["load", str(folder), "--db", str(tmp_path / "clinic.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "courses.csv, column site_id: 1 value(s) look like an email address" in err
    assert "deidentify" in err and "front.desk" not in err
    assert not (tmp_path / "clinic.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--key-file", "{tmp}/missing.key"], "no such file"),
        (["--key-file", "{key}", "--extract-date", "2025-13-01"], "is not a date YYYY-MM-DD"),
        (["--key-file", "{tmp}/short.key"], "32"),
    ],
    ids=["missing key", "bad extract date", "short key"],
)
def test_deidentify_refuses_bad_input_with_exit_2(raw, key_file, tmp_path, args, words):
    (tmp_path / "short.key").write_text("too short\n")
    filled = [a.format(tmp=tmp_path, key=key_file) for a in args]
    done = cli("deidentify", str(raw), str(tmp_path / "out"), *filled)
    assert done.returncode == 2
    assert words in done.stderr
    assert not (tmp_path / "out").exists()


# --- users ----------------------------------------------------------------------------------


def test_users_round_trip_with_a_password_from_stdin(tmp_path):
    path = tmp_path / "conf" / "users.toml"
    env = {"OUTCOMES_USERS": str(path)}
    added = cli(
        "users",
        "add",
        "Dr.Lee@Clinic.Example",
        "--role",
        "provider",
        "--provider-id",
        "prov_01",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in path.read_text()
    director = cli(
        "users", "add", "head@clinic.example", "--role", "director", "--users", str(path)
    )
    assert director.returncode == 0, director.stderr

    listed = cli("users", "list", env=env)
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "dr.lee@clinic.example\tprovider\tprov_01\tpassword set",
        "head@clinic.example\tdirector\t-\tpassword not set",
    ]
    lee = users.lookup("DR.LEE@clinic.example", path)
    assert lee is not None and users.verify_password(lee, PASSWORD)
    assert not users.verify_password(lee, PASSWORD + "!", users.LoginThrottle(sleep=lambda _: None))
    assert set(tomllib.loads(path.read_text())["users"]) == {
        "dr.lee@clinic.example",
        "head@clinic.example",
    }

    again = cli("users", "add", "dr.lee@clinic.example", "--role", "director", env=env)
    assert again.returncode == 2 and "already there" in again.stderr
    removed = cli("users", "remove", "DR.LEE@clinic.example", env=env)
    assert removed.returncode == 0, removed.stderr
    assert cli("users", "list", env=env).stdout.splitlines() == [
        "head@clinic.example\tdirector\t-\tpassword not set"
    ]
    gone = cli("users", "remove", "dr.lee@clinic.example", env=env)
    assert gone.returncode == 2 and "no user 'dr.lee@clinic.example'" in gone.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["list"], "", "use --users PATH or set OUTCOMES_USERS"),
        (["add", "lee@clinic.example", "--role", "provider", "--users", "{p}"], "", "provider_id"),
        (WITH_PASSWORD, "", "no password on standard input"),
        (WITH_PASSWORD, "short\n", "at least 12"),
        (["add", "not-an-email", "--role", "director", "--users", "{p}"], "", "not an email"),
    ],
    ids=["no users file", "provider without id", "empty stdin", "short password", "bad email"],
)
def test_users_refuses_bad_input_with_exit_2(tmp_path, args, stdin, words):
    path = tmp_path / "users.toml"
    done = cli("users", *[a.format(p=path) for a in args], stdin=stdin)
    assert done.returncode == 2
    assert words in done.stderr
    assert not path.exists()


# --- audit and its settings -----------------------------------------------------------------


def test_audit_prints_the_log_beside_the_database_with_the_exact_columns(tmp_path):
    database = tmp_path / "clinic.duckdb"
    log = tmp_path / "clinic.duckdb.audit.jsonl"
    for day, action, page, rows in (
        ("2026-03-01T09:00:00+00:00", "view", "overview", None),
        ("2026-03-02T10:30:00+00:00", "export", "patterns/rates.csv", 5),
    ):
        audit.record(
            log,
            user="director (no sign-in)",
            role="director",
            action=action,
            page=page,
            filters={"scope": "clinic", "year_min": 2023},
            rows=rows,
            at=datetime.fromisoformat(day),
        )
    done = cli("audit", "--db", str(database))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        AUDIT_HEADER,
        "2026-03-01T09:00:00+00:00,director (no sign-in),director,view,overview,"
        '"{""scope"": ""clinic"", ""year_min"": 2023}",',
        "2026-03-02T10:30:00+00:00,director (no sign-in),director,export,patterns/rates.csv,"
        '"{""scope"": ""clinic"", ""year_min"": 2023}",5',
    ]
    since = cli(
        "audit", "--since", "2026-03-02", "--format", "json", env={"OUTCOMES_DB": str(database)}
    )
    assert [e["page"] for e in json.loads(since.stdout)] == ["patterns/rates.csv"]
    assert json.loads(since.stdout)[0]["filters"] == {"scope": "clinic", "year_min": 2023}
    elsewhere = cli("audit", env={"OUTCOMES_AUDIT_LOG": str(tmp_path / "none.jsonl")})
    assert elsewhere.returncode == 0 and elsewhere.stdout == AUDIT_HEADER + "\n"
    assert "no audit log at" in elsewhere.stderr
    bad = cli("audit", "--db", str(database), "--since", "March")
    assert bad.returncode == 2 and "is not a date YYYY-MM-DD" in bad.stderr


def test_audit_refuses_a_log_with_a_line_that_is_not_a_record(tmp_path):
    (tmp_path / "clinic.duckdb.audit.jsonl").write_text('{"at": "cut short\n')
    done = cli("audit", "--db", str(tmp_path / "clinic.duckdb"))
    assert done.returncode == 2 and "line 1: not an audit record" in done.stderr


def test_audit_log_and_users_settings(tmp_path):
    beside = Settings.from_env({"OUTCOMES_DB": str(tmp_path / "c.duckdb")})
    assert beside.audit_log_for(beside.database_path) == tmp_path / "c.duckdb.audit.jsonl"
    synthetic = Settings.from_env({"OUTCOMES_DATA_DIR": str(tmp_path)})
    assert synthetic.audit_log_for(synthetic.database_path) == Path(
        f"{synthetic.synthetic_db_path}.audit.jsonl"
    )
    chosen = Settings.from_env(
        {"OUTCOMES_AUDIT_LOG": str(tmp_path / "log.jsonl"), "OUTCOMES_USERS": "~/users.toml"}
    )
    assert chosen.audit_log_for(tmp_path / "c.duckdb") == tmp_path / "log.jsonl"
    assert chosen.users_path == Path("~/users.toml").expanduser()
    with pytest.raises(ValueError, match="never inside the database"):
        Settings.from_env(
            {
                "OUTCOMES_DB": str(tmp_path / "c.duckdb"),
                "OUTCOMES_AUDIT_LOG": str(tmp_path / "c.duckdb"),
            }
        )


def test_readme_documents_the_users_actions_and_their_options():
    readme = (ROOT / "README.md").read_text()
    for text in (
        "ozone-outcomes users add EMAIL --role",
        "ozone-outcomes users list",
        "ozone-outcomes users remove EMAIL",
        "--provider-id",
        "--password-stdin",
        "--users PATH",
        "--keep-quarter",
        "--extract-date",
        "--since",
        "at, user, role, action, page, filters, rows",
    ):
        assert text in readme, text
