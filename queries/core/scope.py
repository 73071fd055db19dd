"""Whose courses a query may see (:class:`Scope`) and the sidebar filters (:class:`Filters`).

Both become bound parameters of every analytics query (``sql/macros.sql``), so a page cannot
show more than its scope (methods.md section 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from queries.data.contract import INDICATIONS, ROUTES

CLINIC = "clinic"  # the group name the core gives the whole clinic beside its providers


@dataclass(frozen=True)
class Scope:
    """Whose courses a query may see: the whole clinic (provider_id None) or one provider."""

    provider_id: str | None = None

    @classmethod
    def clinic(cls) -> Scope:
        return cls(None)

    @classmethod
    def provider(cls, provider_id: str) -> Scope:
        if not provider_id:
            raise ValueError("a provider scope needs a provider id")
        return cls(provider_id)

    @property
    def is_clinic(self) -> bool:
        return self.provider_id is None


@dataclass(frozen=True)
class Filters:
    """The sidebar filters (period, site, indication, route). Empty = no restriction."""

    year_min: int | None = None
    year_max: int | None = None
    site_ids: tuple[str, ...] = field(default_factory=tuple)
    indications: tuple[str, ...] = field(default_factory=tuple)
    routes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        bad = [i for i in self.indications if i not in INDICATIONS]
        bad += [r for r in self.routes if r not in ROUTES]
        if bad:
            raise ValueError(f"unknown filter values: {', '.join(bad)}")


def scope_struct(scope: Scope, filters: Filters) -> dict[str, Any]:
    """The ``$scope`` STRUCT every analytics query passes to ``scoped_courses``
    (``sql/macros.sql``): whose courses and which filters, as bound values (None = no
    restriction; an empty filter list means no restriction too)."""
    return {
        "provider_id": scope.provider_id,
        "year_min": filters.year_min,
        "year_max": filters.year_max,
        "site_ids": list(filters.site_ids) or None,
        "indications": list(filters.indications) or None,
        "routes": list(filters.routes) or None,
    }
