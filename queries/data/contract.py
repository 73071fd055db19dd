"""The data contract (../shared/docs/data-contract.md) as data.

The loader validates against these declarations, the DDL in ``sql/schema.sql`` is their
machine form in the database, and ``tests/test_docs_true.py`` checks that the markdown
contract, this module and the DDL agree column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")
SEXES = ("female", "male", "other", "unknown")
INDICATIONS = (
    "knee_oa",
    "hip_oa",
    "shoulder",
    "lumbar_disc_herniation",
    "low_back_pain",
    "neck_pain",
    "tendinopathy",
    "other",
)
ROUTES = (
    "intra_articular",
    "periarticular",
    "paravertebral",
    "intradiscal",
    "intramuscular",
    "major_autohemotherapy",
    "rectal_insufflation",
    "topical",
)
SEVERITY_SCALES = ("kl", "pfirrmann", "clinician", "none")
SEVERITY_GRADES_BY_SCALE: dict[str, tuple[str, ...]] = {
    "kl": ("0", "1", "2", "3", "4"),
    "pfirrmann": ("I", "II", "III", "IV", "V"),
    "clinician": ("mild", "moderate", "severe", "end_stage"),
    "none": (),
}
REHAB = ("none", "home_program", "supervised_pt")
EXPECTATIONS = ("realistic", "unrealistic", "unknown")
CONTRAINDICATIONS = (
    "none",
    "g6pd_deficiency",
    "pregnancy",
    "bleeding_disorder",
    "hyperthyroidism",
    "other",
    "not_screened",
)
INSTRUMENT_RANGES: dict[str, tuple[float, float]] = {
    "nrs_pain": (0, 10),
    "odi": (0, 100),
    "womac_pain": (0, 100),
    "womac_function": (0, 100),
    "koos_pain": (0, 100),
    "koos_adl": (0, 100),
    "ptga": (0, 10),
    "pgic": (1, 7),
    "rom_degrees": (0, 180),
}
INSTRUMENTS = tuple(INSTRUMENT_RANGES)
EVENTS = (
    "post_injection_flare",
    "swelling",
    "soreness",
    "fatigue",
    "headache",
    "erythema",
    "vasovagal",
    "infection",
    "other",
)
SERIOUSNESS = ("mild", "moderate", "serious")

# Derived classes (data-contract "Derived"), in their natural display order.
SEVERITY_CLASSES = ("none", "mild", "moderate", "severe", "end_stage", "unknown")
ADHERENCE_CLASSES = ("not_started", "one_and_done", "partial", "full_protocol")

BOOL_TRUE = ("true", "1", "yes")
BOOL_FALSE = ("false", "0", "no")


@dataclass(frozen=True)
class Column:
    """One contract column. ``kind`` is text | int | decimal | bool | enum."""

    name: str
    kind: str
    # False: an empty cell (unknown) is allowed, and the column may be left out of the header
    # (stored as NULL); True: a value in every row, and the column in the header.
    required: bool = True
    values: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    unique: bool = False

    def expected(self) -> str:
        """What a valid value looks like, in words, for error messages."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.values)
        if self.kind == "bool":
            return "true/false, 1/0 or yes/no"
        what = {"int": "a whole number", "decimal": "a number", "text": "text"}[self.kind]
        if self.min_value is not None and self.max_value is not None:
            return f"{what} from {self.min_value:g} to {self.max_value:g}"
        if self.min_value is not None:
            return f"{what} >= {self.min_value:g}"
        return what


@dataclass(frozen=True)
class FileSpec:
    name: str  # stem: courses, sessions, assessments, adverse_events
    columns: tuple[Column, ...]
    may_be_empty: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


COURSES = FileSpec(
    "courses",
    (
        Column("course_id", "text", unique=True),
        Column("patient_id", "text"),
        Column("site_id", "text"),
        Column("provider_id", "text"),
        Column("start_year", "int", min_value=2000, max_value=2100),
        Column("start_quarter", "int", required=False, min_value=1, max_value=4),
        Column("age_band", "enum", values=AGE_BANDS),
        Column("sex", "enum", values=SEXES),
        Column("indication", "enum", values=INDICATIONS),
        Column("route", "enum", values=ROUTES),
        Column("severity_scale", "enum", values=SEVERITY_SCALES),
        Column("severity_grade", "text", required=False),
        Column("end_stage", "bool", required=False),
        Column("symptom_months", "int", required=False, min_value=0, max_value=600),
        Column("planned_sessions", "int", min_value=1, max_value=20),
        Column("rehab", "enum", values=REHAB),
        Column("lifestyle_support", "bool"),
        Column("expectations", "enum", values=EXPECTATIONS),
        Column("contraindication", "enum", values=CONTRAINDICATIONS),
        Column("g6pd_tested", "bool", required=False),
        Column("overtraining_reported", "bool", required=False),
        Column("early_antioxidants_reported", "bool", required=False),
        # A day since the first session (methods.md section 5: escalation); never before it.
        Column("escalated_day", "int", required=False, min_value=0),
        Column("course_price", "decimal", required=False),
        # Days from the first session to the extract date; stored, not yet used by the analytics.
        Column("observed_days", "int", required=False, min_value=0),
    ),
)

SESSIONS = FileSpec(
    "sessions",
    (
        Column("course_id", "text"),
        Column("session_number", "int", min_value=1),
        Column("day", "int"),
        Column("concentration_ug_ml", "decimal", min_value=1, max_value=80),
        Column("volume_ml", "decimal", min_value=0.5, max_value=300),
    ),
)

ASSESSMENTS = FileSpec(
    "assessments",
    (
        Column("course_id", "text"),
        Column("day", "int", min_value=-60, max_value=730),
        Column("instrument", "enum", values=INSTRUMENTS),
        Column("score", "decimal"),  # range depends on the instrument: INSTRUMENT_RANGES
    ),
)

ADVERSE_EVENTS = FileSpec(
    "adverse_events",
    (
        Column("course_id", "text"),
        Column("session_number", "int", required=False, min_value=1),
        Column("day", "int", min_value=0),
        Column("event", "enum", values=EVENTS),
        Column("seriousness", "enum", values=SERIOUSNESS),
    ),
    may_be_empty=True,
)

FILES: tuple[FileSpec, ...] = (COURSES, SESSIONS, ASSESSMENTS, ADVERSE_EVENTS)
FILE_BY_NAME = {f.name: f for f in FILES}
SUFFIXES = (".csv", ".parquet")
# Written by the synthetic-clinic generator next to the four files; marks the data synthetic.
SYNTHETIC_MANIFEST = "synthetic.json"
