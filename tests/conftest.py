"""Hypothesis profiles: no deadlines (the machine is shared and the tests run in parallel,
at three SIMD levels), and on CI a derandomized run, so a red CI is reproducible.

``HYPOTHESIS_PROFILE=dev`` keeps random examples with no deadline; CI (``CI=true``)
selects ``ci``. A test's own ``@settings`` still override these.

Under mutation testing (``make mutation`` sets ``COURSE_LIB_MUTATION=1``; mutmut itself sets
``MUTANT_UNDER_TEST``) the ``mutation`` profile is loaded: derandomized, so that a mutant's
verdict does not depend on the draw, and without the ``differing_executors`` health check,
which fails there only because mutmut runs pytest many times in one process, so a test
method of a class is seen with several ``self`` objects.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

# The passes of the slow runs are kept while their inputs are unchanged (tests/pass_cache.py)
from tests.pass_cache import pytest_configure, pytest_sessionstart  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """nbval's cells are `simd` tests: every stored output must hold on every CPU."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.simd)


settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
)
settings.register_profile(
    "mutation",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.differing_executors],
)

if os.environ.get("COURSE_LIB_MUTATION") or "MUTANT_UNDER_TEST" in os.environ:
    settings.load_profile("mutation")
else:
    settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    )
