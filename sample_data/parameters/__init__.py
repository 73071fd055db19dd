"""The synthetic clinic's parameters: every planted effect and distribution, and nothing else.

Three modules, in the order of the causal story (sample_data/simulation.py):

- ``case_mix``: steps 1-2, who is treated and how (clinic layout, case mix, care choices);
- ``response``: steps 3-5 and 7, the definition the clinic is built for, early reaction and
  adherence, the response model, durability, escalation and follow-up;
- ``schedule``: steps 6 and 8, visits and trajectories, secondary instruments, sessions and
  adverse events.

sample_data/README.md ("The clinic", "Planted effects") documents these numbers; the sampling
mechanics (courses.py, outcomes.py, sessions.py, events.py, assessments.py) read them here and
hold none of their own. A per-level parameter is a dict keyed by level; the levels and their
order are the data contract's (queries/data/contract.py), and the mechanics lay every dict
out in that order (``sampling.in_level_order``), so a dict's own key order never matters,
except where a comment calls it the draw order. The responder definition the 12-week score
is built for, the eligible baseline and the primary window are the defaults of
queries/core/settings.py (methods.md section 1), not numbers of their own.

Changing any number here changes the clinic: tests/test_generator.py pins its digest.
"""
