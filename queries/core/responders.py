"""The responder definitions a page can choose (methods.md section 1), in one place.

The primary definition is IMMPACT on NRS pain (Dworkin 2008), with its thresholds in
:class:`queries.core.settings.Settings`. The secondary ones are fixed by their references and
computed at load by ``sql/marts/course_secondary_outcomes.sql`` with the parameters of
:func:`mart_parameters`:

- ODI (spine; Ostelo 2008, Spine 33:90): drop >= 10 points OR >= 30 % of baseline;
  eligible = a baseline above 0 (room to improve).
- OMERACT-OARSI (knee/hip; Pham 2004, Osteoarthritis Cartilage 12:389): pain (WOMAC pain,
  else 100 - KOOS pain), function (WOMAC function, else 100 - KOOS ADL) and patient global
  (ptga x 10), all 0-100 with higher = worse; responder = pain or function improved >= 50 %
  and >= 20 points, OR at least two of the three improved >= 20 % and >= 10 points;
  eligible = a baseline of all three, follow-up = a value of all three in the window.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries.data.contract import INSTRUMENT_RANGES

IMMPACT = "immpact"
ODI = "odi"
OMERACT_OARSI = "omeract_oarsi"

ODI_MIN_DROP_POINTS = 10.0  # Ostelo 2008
ODI_MIN_DROP_FRACTION = 0.30
OARSI_HIGH_MIN_POINTS = 20.0  # Pham 2004: "high improvement" of pain or function
OARSI_HIGH_MIN_FRACTION = 0.50
OARSI_MODERATE_MIN_POINTS = 10.0  # Pham 2004: "improvement" in two of the three domains
OARSI_MODERATE_MIN_FRACTION = 0.20
OARSI_MODERATE_MIN_DOMAINS = 2
OARSI_SCALE_MAX = 100.0  # every domain on 0-100
PTGA_SCALE = OARSI_SCALE_MAX / INSTRUMENT_RANGES["ptga"][1]  # ptga 0-10 -> 0-100


@dataclass(frozen=True)
class Definition:
    """One responder definition: its key, its name on a page (with the reference), the
    instruments it reads, what a course needs to be counted, and its rule and eligibility in
    words."""

    key: str
    label: str
    instruments: tuple[str, ...]
    needs: str
    rule: str
    eligible: str


SECONDARY: tuple[Definition, ...] = (
    Definition(
        ODI,
        "ODI (Ostelo 2008)",
        ("odi",),
        "an ODI score",
        f"Oswestry Disability Index down ≥ {ODI_MIN_DROP_POINTS:g} points or ≥ "
        f"{ODI_MIN_DROP_FRACTION * 100:g} % from baseline (spine; Ostelo 2008)",
        "a baseline ODI above 0",
    ),
    Definition(
        OMERACT_OARSI,
        "OMERACT-OARSI (Pham 2004)",
        ("womac_pain", "koos_pain", "womac_function", "koos_adl", "ptga"),
        "a WOMAC or KOOS pain or function score or a patient global (ptga)",
        "pain or function improved ≥ "
        f"{OARSI_HIGH_MIN_FRACTION * 100:g} % and ≥ {OARSI_HIGH_MIN_POINTS:g} points, or at "
        f"least {OARSI_MODERATE_MIN_DOMAINS} of pain, function and patient global improved ≥ "
        f"{OARSI_MODERATE_MIN_FRACTION * 100:g} % and ≥ {OARSI_MODERATE_MIN_POINTS:g} points, "
        "all on 0–100 (WOMAC, or KOOS turned round as 100 − score; ptga × "
        f"{PTGA_SCALE:g}) (knee/hip; Pham 2004)",
        "a baseline of pain, function and global",
    ),
)
BY_KEY: dict[str, Definition] = {d.key: d for d in SECONDARY}


def secondary(key: str) -> Definition:
    """The secondary definition ``key``; raises ``ValueError`` naming the keys otherwise."""
    if key not in BY_KEY:
        raise ValueError(
            f"no secondary responder definition {key!r}; use one of {', '.join(BY_KEY)}"
        )
    return BY_KEY[key]


def mart_parameters() -> dict[str, float | int]:
    """The thresholds ``sql/marts/course_secondary_outcomes.sql`` is run with."""
    return {
        "ptga_scale": PTGA_SCALE,
        "odi_min_drop_points": ODI_MIN_DROP_POINTS,
        "odi_min_drop_fraction": ODI_MIN_DROP_FRACTION,
        "high_min_points": OARSI_HIGH_MIN_POINTS,
        "high_min_fraction": OARSI_HIGH_MIN_FRACTION,
        "moderate_min_points": OARSI_MODERATE_MIN_POINTS,
        "moderate_min_fraction": OARSI_MODERATE_MIN_FRACTION,
        "moderate_min_domains": OARSI_MODERATE_MIN_DOMAINS,
    }
