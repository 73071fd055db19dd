"""Settings: the one typed place every tunable number and path comes from.

Precedence (highest first): explicit overrides (CLI flags) > environment variables > defaults.
Every setting is listed in README.md ("Settings"); a test keeps the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FollowupWindow:
    """An assessment window around a target day (methods.md section 1)."""

    name: str
    target_day: int
    half_width_days: int

    @property
    def first_day(self) -> int:
        return self.target_day - self.half_width_days

    @property
    def last_day(self) -> int:
        return self.target_day + self.half_width_days


# methods.md section 1: primary 12 weeks (84 +/- 28); secondary 4, 26 and 52 weeks.
DEFAULT_WINDOWS: tuple[FollowupWindow, ...] = (
    FollowupWindow("4w", 28, 7),
    FollowupWindow("12w", 84, 28),
    FollowupWindow("26w", 182, 28),
    FollowupWindow("52w", 364, 42),
)

# Environment variables understood by Settings.from_env (README "Settings" lists them all).
ENV_VARS: dict[str, str] = {
    "OUTCOMES_DB": "path of the DuckDB database the app and the CLI read",
    "OUTCOMES_DATA_DIR": "where the synthetic clinic is built when OUTCOMES_DB is not set",
    "OUTCOMES_SYNTHETIC_COURSES": "number of courses in the synthetic clinic built on first start",
    "OUTCOMES_SYNTHETIC_SEED": "seed of the synthetic clinic built on first start",
    "OUTCOMES_MIN_CELL": (
        "small-cell threshold: smallest count shown and smallest denominator of a rate"
    ),
    "OUTCOMES_ROUND_TO": (
        "round every shown count to the nearest multiple of this (5: OpenSAFELY's rule; 1 = off)"
    ),
    "OUTCOMES_THREADS": "DuckDB threads used by the app",
    "OUTCOMES_MEMORY_LIMIT": "DuckDB memory limit used by the app",
    "OUTCOMES_USERS": "path of the users file (TOML): who may sign in, in which role",
    "OUTCOMES_AUDIT_LOG": (
        "path of the audit log (JSON Lines); default beside the database, <db>.audit.jsonl"
    ),
}
AUDIT_LOG_SUFFIX = ".audit.jsonl"  # the default audit log is <database file name> + this
ROLES = ("director", "provider")


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "ozone-outcomes"


@dataclass(frozen=True)
class Settings:
    """All settings, typed. Build with :meth:`from_env`; tests build it directly."""

    db_path: Path | None = None
    data_dir: Path = field(default_factory=_default_data_dir)
    synthetic_courses: int = 6000
    synthetic_seed: int = 20261125
    min_cell_size: int = 11
    round_to: int = 1  # methods.md section 6: shown counts rounded to a multiple (1 = off)
    threads: int = 2
    memory_limit: str = "2GB"
    # queries/access/users.py: the users file (who may sign in, in which role: methods.md
    # section 6); queries/access/audit.py: the audit log, a file
    # of its own (None: beside the database, see audit_log_for), never the database itself
    users_path: Path | None = None
    audit_log_path: Path | None = None
    # methods.md section 1 (IMMPACT responder; Dworkin 2008, Farrar 2001)
    primary_instrument: str = "nrs_pain"
    primary_window: str = "12w"
    windows: tuple[FollowupWindow, ...] = DEFAULT_WINDOWS
    min_baseline: float = 3.0
    responder_min_drop_points: float = 2.0
    responder_min_drop_fraction: float = 0.30
    substantial_min_drop_fraction: float = 0.50
    confidence_level: float = 0.95
    # methods.md section 5: early flare = NRS on day 1..10 >= baseline + 1, or a flare event on
    # day 0..10 (flare_last_day bounds both)
    flare_first_day: int = 1
    flare_last_day: int = 10
    flare_min_rise: float = 1.0
    # methods.md section 2: the landmark view of adherence, among courses still in care then
    landmark_day: int = 21
    # methods.md section 4: a provider's own point from 20 courses; funnel limits at 95 %
    # (alert) and 99.8 % (alarm), the levels every funnel, flag and caption uses
    min_provider_courses: int = 20
    funnel_alert_level: float = 0.95
    funnel_alarm_level: float = 0.998

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("OUTCOMES_DB"):
            values["db_path"] = Path(env["OUTCOMES_DB"]).expanduser()
        if env.get("OUTCOMES_DATA_DIR"):
            values["data_dir"] = Path(env["OUTCOMES_DATA_DIR"]).expanduser()
        for var, name in (
            ("OUTCOMES_SYNTHETIC_COURSES", "synthetic_courses"),
            ("OUTCOMES_SYNTHETIC_SEED", "synthetic_seed"),
            ("OUTCOMES_MIN_CELL", "min_cell_size"),
            ("OUTCOMES_ROUND_TO", "round_to"),
            ("OUTCOMES_THREADS", "threads"),
        ):
            if env.get(var):
                try:
                    values[name] = int(env[var])
                except ValueError as exc:
                    raise ValueError(f"{var}={env[var]!r} is not a whole number") from exc
        if env.get("OUTCOMES_MEMORY_LIMIT"):
            values["memory_limit"] = env["OUTCOMES_MEMORY_LIMIT"]
        for var, name in (
            ("OUTCOMES_USERS", "users_path"),
            ("OUTCOMES_AUDIT_LOG", "audit_log_path"),
        ):
            if env.get(var, "").strip():
                values[name] = env[var].strip()
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("db_path", "users_path", "audit_log_path"):
            if values.get(name) is not None:
                values[name] = Path(str(values[name])).expanduser()
        settings = replace(cls(), **values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that contradict each other, with what to do."""
        if self.min_cell_size < 1:
            raise ValueError("OUTCOMES_MIN_CELL must be at least 1")
        if self.round_to < 1:
            raise ValueError("OUTCOMES_ROUND_TO must be at least 1 (1 = no rounding)")
        if self.audit_log_path is not None and self.audit_log_path == self.db_path:
            raise ValueError(
                f"OUTCOMES_AUDIT_LOG={self.audit_log_path} is the database; the audit log is "
                "a file of its own (e.g. clinic.audit.jsonl), never inside the database"
            )

    def audit_log_for(self, database: Path) -> Path:
        """The audit log of the app reading ``database`` (methods.md section 6: every view and
        export is logged): ``OUTCOMES_AUDIT_LOG``, else beside the database,
        ``<database>.audit.jsonl``, a file a load (which replaces the database file) never
        touches."""
        if self.audit_log_path is not None:
            return self.audit_log_path
        return database.with_name(database.name + AUDIT_LOG_SUFFIX)

    @property
    def database_path(self) -> Path:
        """The database the app and the CLI read: ``OUTCOMES_DB``, else the synthetic clinic."""
        return self.db_path if self.db_path is not None else self.synthetic_db_path

    def window(self, name: str | None = None) -> FollowupWindow:
        wanted = name or self.primary_window
        for w in self.windows:
            if w.name == wanted:
                return w
        raise KeyError(
            f"no follow-up window named {wanted!r}; have {[w.name for w in self.windows]}"
        )

    @property
    def synthetic_db_path(self) -> Path:
        return self.data_dir / f"synthetic-{self.synthetic_courses}-{self.synthetic_seed}.duckdb"
