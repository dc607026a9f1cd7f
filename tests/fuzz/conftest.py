"""Fuzzing budget: a bounded slice in the normal suite; ``make fuzz`` runs more.

``MLFOOTPRINT_FUZZ_EXAMPLES`` sets the examples per test.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("MLFOOTPRINT_FUZZ_EXAMPLES", "15"))

settings.register_profile(
    "mlfootprint-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 15,  # the slice in the normal suite is reproducible
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
settings.load_profile("mlfootprint-fuzz")
