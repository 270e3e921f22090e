import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# Hypothesis profiles of the fuzz suite (tests/test_fuzz.py): "ci" runs in the default test run
# (derandomized, so CI is reproducible; about a minute), "long" is for a deliberate search:
#     HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py -p no:cacheprovider --no-cov
import os

from hypothesis import HealthCheck
from hypothesis import settings as _hypothesis

_hypothesis.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
_hypothesis.register_profile(
    "medium",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
_hypothesis.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
_hypothesis.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
