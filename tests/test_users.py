"""The users file (queries/access/users.py): round trip, refusals with messages naming the file
and the user, argon2id passwords, and the growing delay after failed checks (fake clock)."""

from __future__ import annotations

import re
import stat
import tomllib

import pytest

from queries.access import users
from queries.access.users import LoginThrottle, User, UsersFileError

PASSWORD = "a long enough passphrase"


@pytest.fixture
def path(tmp_path):
    return tmp_path / "conf" / "users.toml"


class FakeClock:
    """A clock that only moves when told to, and a sleep that moves it (and is recorded)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_add_list_remove_round_trip(path):
    users.add_user(path, "Director@Clinic.Example", "director")
    users.add_user(path, "dr.lee@clinic.example", "provider", provider_id="P_A", password=PASSWORD)
    listed = users.list_users(path)
    assert [(u.email, u.role, u.provider_id, u.has_password) for u in listed] == [
        ("director@clinic.example", "director", None, False),
        ("dr.lee@clinic.example", "provider", "P_A", True),
    ]
    users.remove_user(path, "DR.LEE@clinic.example")
    assert [u.email for u in users.list_users(path)] == ["director@clinic.example"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_file_is_plain_toml_one_table_per_user(path):
    users.add_user(path, "dr.lee@clinic.example", "provider", provider_id='P "A"\\1')
    data = tomllib.loads(path.read_text())
    assert data == {
        "users": {"dr.lee@clinic.example": {"role": "provider", "provider_id": 'P "A"\\1'}}
    }


def test_lookup_ignores_case_and_reads_OUTCOMES_USERS(path, monkeypatch):
    users.add_user(path, "dr.lee@clinic.example", "provider", provider_id="P_A")
    assert users.lookup("  DR.Lee@Clinic.EXAMPLE ", path).provider_id == "P_A"
    assert users.lookup("nobody@clinic.example", path) is None
    monkeypatch.setenv("OUTCOMES_USERS", str(path))
    assert users.lookup("dr.lee@clinic.example").role == "provider"
    monkeypatch.delenv("OUTCOMES_USERS")
    with pytest.raises(UsersFileError, match="OUTCOMES_USERS is not set"):
        users.lookup("dr.lee@clinic.example")


def test_listing_never_shows_a_hash(path):
    users.add_user(path, "dr.lee@clinic.example", "provider", provider_id="P_A", password=PASSWORD)
    listed = users.list_users(path)
    assert "argon2" not in repr(listed) and "argon2" not in users.describe_users(listed)
    assert "password set" in users.describe_users(listed)


@pytest.mark.parametrize(
    ("role", "provider_id", "message"),
    [
        ("admin", None, "role 'admin' is not a role; use one of director, provider"),
        ("provider", None, "a provider needs provider_id"),
        ("provider", "  ", "a provider needs provider_id"),
        ("director", "P_A", "a director sees every provider; remove provider_id"),
    ],
)
def test_bad_role_or_scope_is_refused_naming_file_and_user(path, role, provider_id, message):
    with pytest.raises(UsersFileError) as caught:
        users.add_user(path, "x@clinic.example", role, provider_id=provider_id)
    assert f"{path}: user 'x@clinic.example': {message}" in str(caught.value)
    assert not path.exists()


def test_duplicates_and_short_passwords_are_refused(path):
    users.add_user(path, "dr.lee@clinic.example", "director")
    with pytest.raises(UsersFileError, match="already there"):
        users.add_user(path, "DR.LEE@clinic.example", "director")
    with pytest.raises(UsersFileError, match="use at least 12"):
        users.add_user(path, "new@clinic.example", "director", password="short")
    with pytest.raises(UsersFileError, match=re.escape("no user 'nobody@clinic.example'")):
        users.remove_user(path, "nobody@clinic.example")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[users."a@b.example"]\nrole = "provider"\n', "user 'a@b.example': a provider needs"),
        ('[users."a@b.example"]\nrole = "director"\nteam = "x"\n', "unknown key(s) team"),
        (
            '[users."a@b.example"]\nrole = "director"\npassword_hash = "plain"\n',
            "password_hash is not an argon2id hash",
        ),
        (
            '[users."A@b.example"]\nrole = "director"\n[users."a@B.example"]\nrole = "director"\n',
            "appears twice",
        ),
        ('[users."not-an-email"]\nrole = "director"\n', "not an email address"),
        ("role = 'director'\n", "unexpected top-level key(s) role"),
        ('[users."a@b.example"\n', "not a valid TOML file"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file(path, text, message):
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(UsersFileError) as caught:
        users.load_users(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_argon2id_verifies_the_right_password_only(path):
    users.add_user(path, "dr.lee@clinic.example", "provider", provider_id="P_A", password=PASSWORD)
    user = users.lookup("dr.lee@clinic.example", path)
    assert user is not None and user.password_hash.startswith("$argon2id$")
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, sleep=clock.sleep)
    assert users.verify_password(user, PASSWORD, throttle)
    assert not users.verify_password(user, PASSWORD + "!", throttle)
    no_password = User("sso@clinic.example", "director")
    assert not users.verify_password(no_password, "", throttle)


def test_the_delay_grows_after_each_failure_and_is_capped():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, sleep=clock.sleep)
    for _ in range(8):
        assert not throttle.check("dr.lee@clinic.example", lambda: False)
    assert clock.slept == [1, 2, 4, 8, 16, 30, 30]  # nothing before the first check


def test_time_already_waited_counts_and_success_resets():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, sleep=clock.sleep)
    throttle.check("a@clinic.example", lambda: False)
    throttle.check("a@clinic.example", lambda: False)  # waited 1 s
    clock.now += 1.5  # the user came back 1.5 s later: 0.5 s of the 2 s delay remain
    assert throttle.check("a@clinic.example", lambda: True)
    assert clock.slept == [1, 0.5]
    throttle.check("A@clinic.example", lambda: False)  # same email, any case; reset to 0 before
    assert clock.slept == [1, 0.5]
    throttle.check("b@clinic.example", lambda: False)  # another email has its own count
    assert clock.slept == [1, 0.5]
