"""Keyed pseudonyms for the ids of a raw clinic export (data-contract.md, "Raw clinic export").

A pseudonym is HMAC-SHA256 (RFC 2104, FIPS 198-1) of the clinic's own id under a secret the
clinic keeps (methods.md section 6): the same key gives the same pseudonym, so monthly extracts
line up, and without the key a pseudonym cannot be traced back to an MRN-built id. The id's kind
is part of the message, so a patient id equal to a course id gets a different pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MIN_KEY_CHARS = 32
# 16 hex characters = 64 bits: for n ids the chance of any collision is about n^2 / 2^65
# (birthday bound), under 1 in 10^5 even at 10 million ids; every run checks anyway.
PSEUDONYM_HEX_CHARS = 16
FINGERPRINT_HEX_CHARS = 12
# One short prefix per kind of id: a pseudonym says what it names and is never all digits.
PREFIXES = {"course_id": "c_", "patient_id": "p_"}
KIND_SEPARATOR = b"\x1f"  # ASCII unit separator: cannot occur in a CSV-exported id


class KeyFileError(ValueError):
    """The key file is missing, unreadable or holds too short a key."""


class PseudonymCollision(ValueError):
    """Two different ids got the same pseudonym; the ids are never named."""


@dataclass(frozen=True)
class PseudonymKey:
    """The clinic's secret; ``repr`` shows only its fingerprint."""

    secret: bytes = field(repr=False)
    fingerprint: str

    def pseudonym(self, kind: str, value: str) -> str:
        """The pseudonym of one id of ``kind`` (a key of ``PREFIXES``)."""
        digest = hmac.new(
            self.secret, kind.encode() + KIND_SEPARATOR + value.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return PREFIXES[kind] + digest[:PSEUDONYM_HEX_CHARS]


def key_fingerprint(secret: bytes) -> str:
    """First 12 hex characters of SHA-256 of the key: names the key in a report, reveals
    nothing usable about it."""
    return hashlib.sha256(secret).hexdigest()[:FINGERPRINT_HEX_CHARS]


def read_key(key_file: str | Path) -> PseudonymKey:
    """Read the secret from ``key_file`` (surrounding whitespace and the final newline are not
    part of it); refuse a key shorter than ``MIN_KEY_CHARS`` characters."""
    path = Path(key_file)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise KeyFileError(
            f"key file {path}: no such file; create it with a secret of at least "
            f"{MIN_KEY_CHARS} characters, e.g. "
            f"python3 -c 'import secrets; print(secrets.token_hex(32))' > {path}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"key file {path}: cannot be read as text ({exc})") from None
    if len(text) < MIN_KEY_CHARS:
        raise KeyFileError(
            f"key file {path}: the key has {len(text)} characters; use at least "
            f"{MIN_KEY_CHARS} (a short key can be guessed, and every pseudonym "
            "with it). Keep the same key for every extract."
        )
    secret = text.encode("utf-8")
    return PseudonymKey(secret, key_fingerprint(secret))


def pseudonym_map(key: PseudonymKey, kind: str, values: Iterable[str]) -> dict[str, str]:
    """Pseudonym of every distinct id; raises :class:`PseudonymCollision` when two ids share
    one (reported by count, never by value)."""
    mapping = {value: key.pseudonym(kind, value) for value in set(values)}
    n_distinct = len(set(mapping.values()))
    if n_distinct != len(mapping):
        raise PseudonymCollision(
            f"{len(mapping) - n_distinct} pair(s) of different {kind} values got the same "
            f"pseudonym ({PSEUDONYM_HEX_CHARS} hex characters); nothing was written. Report "
            "this to the maintainers: the pseudonym length must grow."
        )
    return mapping
