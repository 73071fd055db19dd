"""Every figure the pages draw, one module per subject, all in one look (docs/style.md "Charts").

- One palette for the whole app (:mod:`dashboard.charts.base`): Okabe-Ito (Okabe & Ito 2008),
  safe for colour-vision deficiency; series also differ by marker shape, dash or bar pattern.
  Heat maps and ordinal levels use cividis (Nuñez et al. 2018). No red/green as good/bad:
  colour never judges, it only tells series apart. Limits and targets are lines.
- One layout (:func:`dashboard.charts.base.base_layout`): title and one-line subtitle, legend,
  margins and height set in one place for every figure.
- Categories in their natural order and labelled as the registry of factors says
  (:mod:`queries.core.factors`).
- Every rate is drawn with its interval and labelled with its n; every confidence level in a
  text comes from the settings or the result, never pasted.
- Every figure starts from :func:`queries.disclosure.gate.present`, so what the policy hides
  (roles, small cells: methods.md section 6) is hidden everywhere at once.
- Figure builders are pure (frames in, a plotly Figure out, no streamlit); the page helpers
  that draw them live in :mod:`dashboard.widgets`.

Modules: ``base`` (palette, layout, labels, the shared marks: error bars, dots with their
interval, a chart over a table of counts), ``rates`` (responder rates, heat maps, their
tables), ``bars`` (rates as bars), ``funnel`` (funnel and caterpillar plots), ``providers``
(case mix, process, rates beside the clinic), ``associations`` (the case-mix model's
calibration, non-responders, odds ratios), ``timeline`` (pain trajectory), ``durability``
(durability, escalation), ``trends`` (p-charts), ``flare`` (early flare and quitting),
``safety`` (adverse events, screening).
"""
