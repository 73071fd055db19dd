"""The report's section headings, in order, as tests/test_report.py and
tests/test_browser_report.py expect them (issue 11: headline figures, patterns, providers or
my practice, timeline and trends, safety and screening, definitions, the data, what was
suppressed). Written here by hand, not read from dashboard/report: the tests hold the report
to the issue's list."""

DIRECTOR_HEADINGS = [
    "Headline figures",
    "Patterns",
    "Providers",
    "Timeline and trends",
    "Safety and screening",
    "Definitions used",
    "The data",
    "What was suppressed",
]
PROVIDER_HEADINGS = [h if h != "Providers" else "My practice" for h in DIRECTOR_HEADINGS]
