"""Hypothesis profiles: no deadlines (the machine is shared and the tests run in parallel,
at three SIMD levels), and on CI a derandomized run, so a red CI is reproducible.

``HYPOTHESIS_PROFILE=dev`` keeps random examples with no deadline; CI (``CI=true``)
selects ``ci``. A test's own ``@settings`` still override these.
"""

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
