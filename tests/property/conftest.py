"""Hypothesis settings for the property tests: a bounded number of examples, no deadline
(the first call of a rule may import or warm up), and no example database on disk."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("checkin", max_examples=120, deadline=None, database=None,
                          derandomize=False)
settings.load_profile("checkin")
