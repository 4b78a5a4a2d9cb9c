"""Hypothesis strategies and settings shared by the fuzz tests."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples run against one shop built per test (the `world`), so function-scoped
# fixtures are fine here: every example checks that it left the state as it found it.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text with no decimal digit in any script: never a number, whatever parses it.
NO_DIGITS = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=40)
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
FORM_VALUE = st.one_of(ANY_TEXT, st.integers().map(str), st.floats().map(str), NO_DIGITS)

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), ANY_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


def json_objects(*keys: str):
    """JSON objects that use the endpoint's own keys (with wrong values) and stray keys."""
    key = st.one_of(st.sampled_from(keys), ANY_TEXT) if keys else ANY_TEXT
    return st.dictionaries(key, JSON_VALUES, max_size=4)


JSON_BODIES = st.one_of(JSON_VALUES, json_objects())
RAW_BODIES = st.binary(max_size=200)
