"""How many examples a property test with its own budget tries under the loaded Hypothesis profile."""

from hypothesis import settings

DEFAULT_MAX_EXAMPLES = 100  # Hypothesis's default profile


def examples(full: int) -> int:
    """``full`` under the default profile; scaled as the loaded profile scales its own budget otherwise
    (the `fast` profile of tests/conftest.py: a tenth), never fewer than 5 (so 25 gives 5, a fifth)."""
    loaded = settings.default
    budget = DEFAULT_MAX_EXAMPLES if loaded is None else loaded.max_examples
    return max(5, full * budget // DEFAULT_MAX_EXAMPLES)
