"""Property-test budgets: `make test` runs each property test at its full budget (Hypothesis's default
profile); `make test-fast` loads the `fast` profile, about a tenth of it, for an answer in seconds."""

from hypothesis import settings

settings.register_profile("fast", max_examples=10)
