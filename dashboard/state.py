"""What the pages share, and what is cached, without anything leaking between users.

- **The database** is resolved on every run (a file check; the synthetic clinic is built on
  first start, with its progress shown in ``st.status``) and identified by a
  :class:`DataVersion` (path, modification time, size): a load that replaces the file
  (``os.replace``, docs/engineering.md) changes the version, so the next run reconnects and
  no cached result of the old data is served.
- **Caches**: ``st.cache_resource`` holds one read-only DuckDB connection per data version
  (``queries.data.db`` gives every query its own cursor, so sessions can share it);
  ``st.cache_data`` holds every analytics result as the core computed it. Each cached
  function gets everything it depends on (data version, scope, filters, settings, options)
  as arguments and never reads session state: these caches are shared by every session of
  the server.
- **The gate**: :meth:`PageContext.run` passes every cached result through
  :func:`queries.disclosure.gate.disclose` with the viewer's policy on every run, outside
  the cache, so no cache entry depends on (or leaks) what one viewer may see.
- **PageContext** is what the router decided for this run (settings, data, role, scope,
  filters, policy, who is looking, which page, where the audit log is). The router stores it
  under one session-state key before running the page; the page reads it back with
  :func:`page_context`.
- **The audit log** (methods.md section 6, :mod:`queries.access.audit`): the router records
  every page view after the page ran, and every CSV download records its export when the
  file is built (:meth:`PageContext.audit`), both with the viewer, role, page and filters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from queries.access import audit
from queries.analytics import checks, rates
from queries.analytics.query import Query
from queries.analytics.rates import Overview
from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope
from queries.core.settings import ROLES, Settings
from queries.data import db
from queries.data.bootstrap import resolve_database
from queries.disclosure.gate import Policy, disclose

NO_MATCH = "No courses match these filters — widen the period."

ROLE_DIRECTOR, ROLE_PROVIDER = ROLES
_CONTEXT_KEY = "page_context"
_BUILD_LOCK = threading.Lock()  # one synthetic build per server process, not one per session


@dataclass(frozen=True)
class DataVersion:
    """Which database file, as of which write: the key of every cache entry."""

    path: str
    modified_ns: int
    size_bytes: int

    @classmethod
    def of(cls, path: Path) -> DataVersion:
        stat = path.stat()
        return cls(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


class _StatusOnDemand:
    """A progress callback that opens an ``st.status`` box only if there is progress."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.box = None

    def __call__(self, message: str) -> None:
        if self.box is None:
            self.box = st.status(self.label, expanded=True)
        self.box.write(message)

    def done(self, label: str, state: str = "complete") -> None:
        if self.box is not None:
            self.box.update(label=label, state=state, expanded=state != "complete")


def database(settings: Settings) -> Path:
    """The database file to read: ``OUTCOMES_DB``, else the synthetic clinic (built once)."""
    progress = _StatusOnDemand(
        "No database configured: building the synthetic clinic (first start only)…"
    )
    with _BUILD_LOCK:
        try:
            path = resolve_database(settings, progress)
        except Exception:  # marked as failed and raised on; a rerun (BaseException) is not
            progress.done("Building the synthetic clinic failed", state="error")
            raise
    progress.done("Synthetic clinic ready")
    return path


def audit_filters(scope: Scope, filters: Filters) -> dict[str, Any]:
    """What a view or export was asked, for the audit log (``audit.scope_filters``: the
    scope and the sidebar filters that restrict anything). A page's own options (a
    director's preview provider, the Cases like this pickers) are not in it: the server does
    not see a widget's value in the address after the viewer changed it."""
    return audit.scope_filters(scope, filters)


# --- cached: connection and analytics results ----------------------------------------------


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


@st.cache_resource(max_entries=2, show_spinner=False, on_release=_close)
def connection(data: DataVersion, threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per data version; the older one is closed when evicted.

    Opened with :func:`queries.data.db.connect_snapshot`: a plain connect to the path would
    return the instance of the version before a load while that one is still open
    (duckdb/duckdb#15912), and the next page view would show the old data."""
    return db.connect_snapshot(data.path, threads=threads, memory_limit=memory_limit)


def _con(data: DataVersion, settings: Settings) -> duckdb.DuckDBPyConnection:
    return connection(data, settings.threads, settings.memory_limit)


@st.cache_data(max_entries=64, show_spinner=False)
def filter_options(data: DataVersion, scope: Scope, settings: Settings) -> dict[str, list]:
    return rates.filter_options(Query(_con(data, settings), scope, settings=settings))


@st.cache_data(max_entries=16, show_spinner=False)
def is_synthetic(data: DataVersion, settings: Settings) -> bool:
    return checks.is_synthetic(_con(data, settings))


@st.cache_data(max_entries=16, show_spinner=False)
def only_synthetic(data: DataVersion, settings: Settings) -> bool:
    return checks.only_synthetic(_con(data, settings))


@st.cache_data(max_entries=16, show_spinner=False)
def provider_ids(data: DataVersion, settings: Settings) -> list[str]:
    return checks.provider_ids(_con(data, settings))


@st.cache_data(max_entries=16, show_spinner=False)
def load_history(data: DataVersion, settings: Settings) -> pd.DataFrame:
    return checks.load_history(_con(data, settings))


@st.cache_data(max_entries=16, show_spinner=False)
def table_row_counts(data: DataVersion, settings: Settings) -> pd.DataFrame:
    return checks.table_row_counts(_con(data, settings))


@st.cache_data(max_entries=16, show_spinner=False)
def data_checks(data: DataVersion, settings: Settings) -> pd.DataFrame:
    return checks.data_checks(_con(data, settings), settings)


def qualified_name(function: Callable[..., Any]) -> str:
    """``module.function`` of a core function: the part of the cache key that names it."""
    return f"{function.__module__}.{function.__qualname__}"


@st.cache_data(max_entries=512, show_spinner=False)
def computed(
    name: str,
    _function: Callable[..., Any],
    data: DataVersion,
    scope: Scope,
    filters: Filters,
    settings: Settings,
    options: tuple[tuple[str, Any], ...] = (),
) -> Any:
    """``function(Query(con, scope, filters, settings), **options)`` of the analytics core, cached
    on everything it depends on: ``name`` (the function's qualified name, which stands for
    ``_function`` in the key), data version, scope, filters, settings and ``options`` (a
    sorted tuple of pairs). The raw result: it reaches a page only through
    :meth:`PageContext.run`, which passes it through the gate."""
    if not name.startswith("queries.analytics.") or name != qualified_name(_function):
        raise ValueError(f"{name!r} is not an analytics function pages may call")
    return _function(Query(_con(data, settings), scope, filters, settings), **dict(options))


# --- the page context ---------------------------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    """Everything a page needs, decided by the router for this run.

    Its methods call the cached functions above with every dependency passed explicitly.
    """

    settings: Settings
    data: DataVersion
    role: str
    scope: Scope
    filters: Filters
    policy: Policy
    synthetic: bool
    user: str = ""  # who the audit log names (dashboard.auth.Viewer.label)
    page: str = ""  # the page's key in dashboard/app.py PAGES
    audit_log: Path | None = None  # None: not recorded (a context built outside the router)

    def audit(self, action: str, *, rows: int | None = None, what: str | None = None) -> None:
        """Record a view or an export (``what``: the file, logged as ``page/file``) of this
        page, with its scope and filters (:func:`audit_filters`), in the audit log
        (:func:`queries.access.audit.record`: appended and fsynced before it returns)."""
        if self.audit_log is None:
            return
        audit.record(
            self.audit_log,
            user=self.user,
            role=self.role,
            action=action,
            page=self.page if what is None else f"{self.page}/{what}",
            filters=audit_filters(self.scope, self.filters),
            rows=rows,
        )

    def overview(self) -> Overview:
        """Headline numbers; raises ``InsufficientData`` when no course matches."""
        return self.run(rates.overview)

    def rates(self, by: str) -> pd.DataFrame:
        """Responder rates per group; raises ``InsufficientData`` when no course matches."""
        frame = self.run(rates.responder_rates, by=by)
        if frame.empty:
            raise InsufficientData(NO_MATCH)
        return frame

    def rates_2d(self, rows: str, cols: str) -> pd.DataFrame:
        frame = self.run(rates.responder_rates_2d, rows=rows, cols=cols)
        if frame.empty:
            raise InsufficientData(NO_MATCH)
        return frame

    def run(self, function: Callable[..., Any], **options: Any) -> Any:
        """A function of the analytics core (``providers.compare_providers``, passed by
        reference) in this context's scope and filters, cached, then through the one gate
        (:func:`queries.disclosure.gate.disclose`) with this context's policy; ``options``
        must be hashable (str, int, dataclass). Raises ``InsufficientData`` when the core,
        or the gate, leaves nothing to show."""
        result = computed(
            qualified_name(function),
            function,
            self.data,
            self.scope,
            self.filters,
            self.settings,
            tuple(sorted(options.items())),
        )
        return disclose(result, self.policy)

    def as_provider(self, provider_id: str) -> PageContext:
        """A director's preview of one provider's own view. A provider cannot widen or move
        their scope: for them this returns their own context whatever is asked."""
        if self.role != ROLE_DIRECTOR:
            return self
        return replace(
            self,
            scope=Scope.provider(provider_id),
            policy=Policy.for_audience(ROLE_PROVIDER, self.settings),
        )

    def audit_events(self, action: str | None = None) -> pd.DataFrame:
        """The audit log, newest first, only ``action`` ('view', 'export') if given; read on
        every run, not cached (the log grows with every view). A director's only (the Audit
        page); raises ``AuditLogError`` for a line that is not an audit record."""
        if self.role != ROLE_DIRECTOR or self.audit_log is None:
            raise PermissionError("only a director reads the audit log")
        events = audit.read(self.audit_log)
        if action is not None:
            events = events[events["action"] == action]
        return events.iloc[::-1].reset_index(drop=True)

    def load_history(self) -> pd.DataFrame:
        return load_history(self.data, self.settings)

    def table_row_counts(self) -> pd.DataFrame:
        return table_row_counts(self.data, self.settings)

    def data_checks(self) -> pd.DataFrame:
        return data_checks(self.data, self.settings)


def set_page_context(context: PageContext) -> None:
    """Called by the router on every run, before the page runs."""
    st.session_state[_CONTEXT_KEY] = context


def page_context() -> PageContext:
    """The context the router set for this run (pages are run through dashboard/app.py)."""
    context = st.session_state.get(_CONTEXT_KEY)
    if not isinstance(context, PageContext):
        raise RuntimeError("dashboard pages run through dashboard/app.py, not on their own")
    return context
