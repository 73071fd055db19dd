"""The synthetic clinic: a deterministic generator of contract-valid courses with documented
planted effects (see sample_data/README.md)."""

from sample_data.generator import (
    DEFAULT_SEED,
    MANIFEST_NAME,
    SyntheticClinic,
    generate_clinic,
    write_clinic,
)
from sample_data.tables import TABLE_COLUMNS
from sample_data.truth import PlantedTruth

__all__ = [
    "DEFAULT_SEED",
    "MANIFEST_NAME",
    "TABLE_COLUMNS",
    "PlantedTruth",
    "SyntheticClinic",
    "generate_clinic",
    "write_clinic",
]
