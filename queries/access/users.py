"""The users file: who may sign in, in which role, and (for a provider) whose courses.

A TOML file (path in ``OUTCOMES_USERS``), one table per user, keyed by email (compared
case-insensitively)::

    [users."dr.lee@clinic.example"]
    role = "provider"            # director | provider (methods.md section 6, "Roles")
    provider_id = "P_A"          # required for a provider, refused for a director
    password_hash = "$argon2id$..."   # optional: only for password sign-in

Passwords are stored as argon2id hashes (RFC 9106; argon2-cffi's defaults). After a failed
password check the next check for that email waits 1, 2, 4 ... seconds, at most 30 s
(:class:`LoginThrottle`); the counters live in memory, per process: the app is one process
whose sessions are threads, so they are shared by every session and cleared by a restart.
The file is written atomically (temp file + ``os.replace``), mode 0600, under a lock file.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from queries.core.settings import ROLES

USERS_ENV = "OUTCOMES_USERS"
USER_KEYS = ("role", "provider_id", "password_hash")
MIN_PASSWORD_CHARS = 12
FILE_MODE = 0o600
HASH_PREFIX = "$argon2id$"
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
HEADER = (
    "# Users of the Ozone Outcomes app (queries/access/users.py). Written by the\n"
    '# command line; edit with care: one [users."email"] table per user.\n'
)

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile


class UsersFileError(ValueError):
    """The users file or a user entry breaks a rule; the message names the file and user."""


@dataclass(frozen=True)
class User:
    """One user; ``repr`` never shows the password hash."""

    email: str  # lower case
    role: str
    provider_id: str | None = None
    password_hash: str | None = field(default=None, repr=False)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def users_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The users file named by ``OUTCOMES_USERS``."""
    value = environ.get(USERS_ENV, "").strip()
    if not value:
        raise UsersFileError(f"{USERS_ENV} is not set; set it to the path of the users file")
    return Path(value).expanduser()


# ---------------------------------------------------------------------------------------------
# Reading and checking


def _user(path: Path, email: str, entry: Any) -> User:
    """Check one entry of the file (or of ``add_user``) and return it as a :class:`User`."""
    where = f"{path}: user {email!r}"
    if not EMAIL_SHAPE.match(email.strip()):
        raise UsersFileError(f"{where}: not an email address (name@domain)")
    if not isinstance(entry, dict):
        raise UsersFileError(f"{where}: expected a table of {', '.join(USER_KEYS)}")
    unknown = sorted(set(entry) - set(USER_KEYS))
    if unknown:
        raise UsersFileError(
            f"{where}: unknown key(s) {', '.join(unknown)}; a user has " + ", ".join(USER_KEYS)
        )
    role, provider_id, password_hash = (entry.get(k) for k in USER_KEYS)
    if role not in ROLES:
        raise UsersFileError(
            f"{where}: role {role!r} is not a role; use one of " + ", ".join(ROLES)
        )
    if role == "provider" and (not isinstance(provider_id, str) or not provider_id.strip()):
        raise UsersFileError(f"{where}: a provider needs provider_id (whose courses they see)")
    if role != "provider" and provider_id is not None:
        raise UsersFileError(f"{where}: a {role} sees every provider; remove provider_id")
    if password_hash is not None and not (
        isinstance(password_hash, str) and password_hash.startswith(HASH_PREFIX)
    ):
        raise UsersFileError(
            f"{where}: password_hash is not an argon2id hash; set the password again with add_user"
        )
    return User(
        normalise_email(email),
        role,
        provider_id.strip() if isinstance(provider_id, str) else None,
        password_hash,
    )


def load_users(path: str | Path) -> dict[str, User]:
    """Every user of the file, keyed by lower-case email; raises :class:`UsersFileError`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsersFileError(
            f"{path}: no users file; add the first user with add_user (a director)"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsersFileError(f"{path}: not a valid TOML file ({exc})") from None
    extra = sorted(set(data) - {"users"})
    if extra:
        raise UsersFileError(
            f"{path}: unexpected top-level key(s) {', '.join(extra)}; the file "
            'holds only [users."email"] tables'
        )
    entries = data.get("users", {})
    if not isinstance(entries, dict):
        raise UsersFileError(f'{path}: users must be tables: [users."email"]')
    users: dict[str, User] = {}
    for email, entry in entries.items():
        user = _user(path, email, entry)
        if user.email in users:
            raise UsersFileError(
                f"{path}: user {email!r} appears twice (emails are compared without regard to case)"
            )
        users[user.email] = user
    return users


def list_users(path: str | Path) -> list[User]:
    """The users sorted by email (a User's repr never shows the hash)."""
    return sorted(load_users(path).values(), key=lambda u: u.email)


def describe_users(users: list[User]) -> str:
    """One line per user for a terminal: email, role, provider, whether a password is set."""
    return "\n".join(
        f"{u.email}\t{u.role}\t{u.provider_id or '-'}\t"
        f"password {'set' if u.has_password else 'not set'}"
        for u in users
    )


def lookup(email: str, path: str | Path | None = None) -> User | None:
    """The user with this email (any case), or None; ``path`` defaults to ``OUTCOMES_USERS``."""
    return load_users(users_path() if path is None else path).get(normalise_email(email))


# ---------------------------------------------------------------------------------------------
# Writing


def _toml_string(text: str) -> str:
    """A TOML basic string: backslash, quote and every control character escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def render_users(users: Mapping[str, User]) -> str:
    """The users file's text for ``users``, sorted by email."""
    parts = [HEADER]
    for email in sorted(users):
        user = users[email]
        values = {
            "role": user.role,
            "provider_id": user.provider_id,
            "password_hash": user.password_hash,
        }
        parts.append(
            f"\n[users.{_toml_string(email)}]\n"
            + "".join(f"{k} = {_toml_string(v)}\n" for k, v in values.items() if v is not None)
        )
    return "".join(parts)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock (a lock file beside the users file) while reading and writing,
    so two commands cannot lose each other's change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write(path: Path, users: Mapping[str, User]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_users(users))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsersFileError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_CHARS}"
        )
    return _HASHER.hash(password)


def add_user(
    path: str | Path,
    email: str,
    role: str,
    provider_id: str | None = None,
    password: str | None = None,
) -> User:
    """Add a user (refused when the email is already there, in any case)."""
    path = Path(path)
    entry = {
        "role": role,
        "provider_id": provider_id,
        "password_hash": hash_password(password) if password is not None else None,
    }
    user = _user(path, email, {k: v for k, v in entry.items() if v is not None})
    with _locked(path):
        users = load_users(path) if path.exists() else {}
        if user.email in users:
            raise UsersFileError(
                f"{path}: user {user.email!r} is already there; remove it first to change it"
            )
        _write(path, {**users, user.email: user})
    return user


def remove_user(path: str | Path, email: str) -> None:
    """Remove a user; refused when there is no such user."""
    path = Path(path)
    with _locked(path):
        users = load_users(path)
        if normalise_email(email) not in users:
            raise UsersFileError(f"{path}: no user {email!r}")
        _write(path, {k: v for k, v in users.items() if k != normalise_email(email)})


# ---------------------------------------------------------------------------------------------
# Passwords


@dataclass
class _Attempts:
    failures: int = 0
    last_failure: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoginThrottle:
    """A growing delay after failed password checks, per email: 0 s before the first check,
    then 1, 2, 4 ... s after the last failure, at most ``max_delay`` s (exponential backoff,
    NIST SP 800-63B 5.2.2 rate limiting). Checks of one email run one at a time, so parallel
    guesses queue behind the delay. ``clock`` and ``sleep`` are injectable for tests."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        first_delay: float = FIRST_DELAY_S,
        max_delay: float = MAX_DELAY_S,
    ):
        self.clock, self.sleep = clock, sleep
        self.first_delay, self.max_delay = first_delay, max_delay
        self._attempts: dict[str, _Attempts] = {}
        self._guard = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed checks in a row."""
        if failures == 0:
            return 0.0
        return min(self.first_delay * 2 ** (failures - 1), self.max_delay)

    def check(self, email: str, verify: Callable[[], bool]) -> bool:
        """Wait out the delay for ``email``, then run ``verify``; count the outcome."""
        with self._guard:
            attempts = self._attempts.setdefault(normalise_email(email), _Attempts())
        with attempts.lock:
            remaining = attempts.last_failure + self.delay(attempts.failures) - self.clock()
            if attempts.failures and remaining > 0:
                self.sleep(remaining)
            ok = verify()
            attempts.failures = 0 if ok else attempts.failures + 1
            attempts.last_failure = self.clock()
            return ok


THROTTLE = LoginThrottle()  # the process's counters


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _stand_in_hash() -> str:
    """A hash no password matches: checked for an unknown email, so that a wrong email
    costs the same time as a wrong password and a guesser learns nothing from the timing."""
    return _HASHER.hash(os.urandom(16).hex())


def sign_in(
    known: Mapping[str, User], email: str, password: str, throttle: LoginThrottle = THROTTLE
) -> User | None:
    """The user of ``known`` (from :func:`load_users`) whose password this is, else None.
    An unknown email, a user without a password and a wrong password fail alike, after the
    same growing delay (:class:`LoginThrottle`, counted per email as typed)."""
    user = known.get(normalise_email(email))
    if user is None or user.password_hash is None:
        throttle.check(email, lambda: _matches(_stand_in_hash(), password) and False)
        return None
    return user if verify_password(user, password, throttle) else None


def verify_password(user: User, password: str, throttle: LoginThrottle = THROTTLE) -> bool:
    """Whether ``password`` is the user's, after the throttle's delay; False (and not counted)
    for a user without a password (they sign in through the identity provider only)."""
    if user.password_hash is None:
        return False
    password_hash = user.password_hash
    return throttle.check(user.email, lambda: _matches(password_hash, password))
