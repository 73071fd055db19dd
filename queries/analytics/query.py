"""One analytics request: the connection, whose courses, which filters, which settings.

Every function of :mod:`queries.analytics` that answers a page's question takes a
:class:`Query` first, then its own options (``by``, ``rows``, ``profile``, ``window`` ...).
:meth:`Query.run` binds the scope and the filters as the one ``$scope`` STRUCT of
``sql/macros.sql``, so no analytics query can be run without them (methods.md section 6).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pandas as pd

from queries.core.scope import Filters, Scope, scope_struct
from queries.core.settings import Settings
from queries.data import db


@dataclass(frozen=True)
class Query:
    """A request to the analytics core: ``Query(con, Scope.provider("p1"), settings=s)``."""

    con: duckdb.DuckDBPyConnection
    scope: Scope = Scope()
    filters: Filters = Filters()
    settings: Settings = Settings()

    def run(self, name: str, **params: Any) -> pd.DataFrame:
        """``sql/<name>.sql`` with ``params`` and this query's ``$scope`` (scope and filters)."""
        return db.run(self.con, name, scope=scope_struct(self.scope, self.filters), **params)

    def clinic(self) -> Query:
        """The same request over the whole clinic (for the references a provider may see)."""
        return replace(self, scope=Scope.clinic())

    @property
    def level(self) -> float:
        """The confidence level of every interval (``Settings.confidence_level``)."""
        return self.settings.confidence_level
