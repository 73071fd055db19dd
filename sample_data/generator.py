"""The synthetic clinic: de-identified treatment courses with documented planted effects.

``generate_clinic(n_courses, seed)`` builds the four contract tables (courses, sessions,
assessments, adverse_events; ../shared/docs/data-contract.md) for a made-up clinic of
9 providers over 3 sites, with true effects planted on purpose so the analytics can be
checked against a known answer (sample_data/README.md lists every planted effect and its
size; ``PlantedTruth`` carries the same numbers for tests). ``write_clinic`` writes them.

The parts: parameters/ (case_mix.py, response.py, schedule.py: every planted effect and
distribution), simulation.py (the causal story in order: courses.py, outcomes.py, sessions.py,
events.py, assessments.py), truth.py (the response model and ``PlantedTruth``), tables.py
(the contract tables).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from queries.data.contract import SYNTHETIC_MANIFEST
from sample_data.simulation import simulate
from sample_data.tables import TABLE_COLUMNS, contract_tables, latent_table
from sample_data.truth import PlantedTruth, planted_truth

MANIFEST_NAME = SYNTHETIC_MANIFEST
GENERATOR_NAME = "ozone-outcomes synthetic clinic"
GENERATOR_VERSION = 1
DEFAULT_SEED = 20261125
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class SyntheticClinic:
    """A generated clinic: the four contract tables, the planted truth and how it was made.

    ``latent`` (one row per course, not part of the contract and never written) holds the
    simulated true state: latent severity class, early flare, responder probability and
    status, waning, window misses. Tests use it to check that the analytics recover it.
    """

    tables: dict[str, pd.DataFrame]
    truth: PlantedTruth
    seed: int
    n_courses: int
    latent: pd.DataFrame | None = field(default=None, repr=False, compare=False)


def generate_clinic(n_courses: int, seed: int = DEFAULT_SEED) -> SyntheticClinic:
    """Generate a synthetic clinic of ``n_courses`` courses, deterministically from ``seed``.

    Every row satisfies the data contract; the planted effects are in ``clinic.truth`` and
    sample_data/README.md. Vectorised: 100,000 courses take a few seconds.
    """
    if isinstance(n_courses, bool) or not isinstance(n_courses, (int, np.integer)):
        raise TypeError(f"n_courses must be a whole number, got {n_courses!r}")
    if n_courses < 1:
        raise ValueError(f"n_courses must be at least 1, got {n_courses}")
    n = int(n_courses)
    sim = simulate(n, seed)
    tables = contract_tables(sim)
    return SyntheticClinic(
        tables=tables,
        truth=planted_truth(sim.roles),
        seed=int(seed),
        n_courses=n,
        latent=latent_table(sim, tables["courses"]),
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with a plain header row, empty cell for unknown, booleans true/false, \\n line ends.

    pyarrow's writer (a project dependency) is ~15x faster than ``DataFrame.to_csv`` for the
    1.8 million assessment rows of a 100,000-course clinic; no value needs quoting (ids and
    enums only), so quoting is off and the header is written by hand (pyarrow quotes it).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with open(path, "wb") as fh:
        fh.write((",".join(frame.columns) + "\n").encode("utf-8"))
        pa_csv.write_csv(table, fh, pa_csv.WriteOptions(include_header=False, quoting_style="none"))


def write_clinic(clinic: SyntheticClinic, out_dir: str | Path, fmt: str = "csv") -> list[Path]:
    """Write the four contract files (CSV or Parquet) and the ``synthetic.json`` manifest.

    CSV: header row, empty cell for unknown, booleans as true/false, ``\\n`` line ends.
    Returns the paths written: courses, sessions, assessments, adverse_events, manifest.
    Same clinic -> byte-identical files.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, cols in TABLE_COLUMNS.items():
        frame = clinic.tables[name].loc[:, list(cols)]
        path = out / f"{name}.{fmt}"
        for other_fmt in FORMATS:
            other = out / f"{name}.{other_fmt}"
            if other_fmt != fmt and other.exists():
                other.unlink()  # a folder must not hold both formats of one file
        if fmt == "csv":
            _write_csv(frame, path)
        else:
            frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
        paths.append(path)
    manifest = {
        "generator": GENERATOR_NAME,
        "seed": clinic.seed,
        "n_courses": clinic.n_courses,
        "version": GENERATOR_VERSION,
    }
    manifest_path = out / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    paths.append(manifest_path)
    return paths
