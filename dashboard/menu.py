"""The pages of the app and which role sees which (product.md "Pages"; methods.md section 6).

The router (dashboard/app.py) builds the navigation from ``ROLE_PAGES[role]``: a page not in
the list cannot be reached, by the menu or by its address. Tests read these without running
the app.
"""

from __future__ import annotations

from queries.core.settings import ROLES

DIRECTOR, PROVIDER = ROLES

# Every page of the app: its file in views/ (the key), menu title and Material icon; the
# page's address is the key with "-" for "_" (/my-practice).
PAGES: dict[str, tuple[str, str]] = {
    "overview": ("Overview", "dashboard"),
    "patterns": ("Patterns", "insights"),
    "providers": ("Providers", "groups"),
    "my_practice": ("My practice", "person"),
    "timeline": ("Timeline", "timeline"),
    "safety": ("Safety & screening", "health_and_safety"),
    "cases_like_this": ("Cases like this", "person_search"),
    "data": ("Data", "database"),
    "audit": ("Audit", "policy"),
}
PAGE_BY_TITLE = {title: key for key, (title, _icon) in PAGES.items()}
# Which pages each role sees, in menu order; the first is the home page (product.md: a
# director sees all; a provider the pages marked P, scoped to their own courses).
ROLE_PAGES: dict[str, tuple[str, ...]] = {
    DIRECTOR: (
        "overview",
        "patterns",
        "providers",
        "my_practice",
        "timeline",
        "safety",
        "cases_like_this",
        "data",
        "audit",
    ),
    PROVIDER: (
        "overview",
        "patterns",
        "my_practice",
        "timeline",
        "safety",
        "cases_like_this",
    ),
}
