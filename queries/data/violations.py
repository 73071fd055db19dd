"""What a refused extract reports: one :class:`Violation` per broken rule of the data contract,
all of them gathered in one :class:`ContractViolation`.

A violation reads ``file line N, column C: value 'x' — what was expected``; line numbers are
those an editor shows (the header is line 1; for Parquet, "row N" counts data rows from 1).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_VALUE_SHOWN = 40
SUMMARY_LIMIT = 20


@dataclass(frozen=True)
class Violation:
    """One broken rule, with where it is and what was expected."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    row_word: str = "line"  # "row" for Parquet

    @classmethod
    def of_file(
        cls, file: str, expected: str, line: int | None = None, row_word: str = "line"
    ) -> Violation:
        """A problem of the whole file, or of the whole row at ``line``: no column, no value."""
        return cls(file, line, None, None, expected, row_word)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" {self.row_word} {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.value is not None:
            shown = (
                self.value
                if len(self.value) <= MAX_VALUE_SHOWN
                else self.value[:MAX_VALUE_SHOWN] + "…"
            )
            return f"{where}: value '{shown}' — {self.expected}"
        return f"{where}: {self.expected}"


class ContractViolation(Exception):
    """The extract breaks the data contract; ``violations`` lists every broken rule."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__(self.summary())

    def summary(self, limit: int | None = SUMMARY_LIMIT) -> str:
        shown = self.violations if limit is None else self.violations[:limit]
        lines = [
            f"Refused: {len(self.violations)} problem(s) in the extract; "
            "nothing was loaded and the database is unchanged."
        ]
        lines += [f"  {v}" for v in shown]
        if limit is not None and len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)
