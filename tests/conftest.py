"""Property-test budgets: `make test` runs each property test at its full budget (Hypothesis's default
profile); `make test-fast` loads the `fast` profile, about a tenth of it, for an answer in seconds.

And one fixture for the tests that make the emulator's workers' logging choices in this process."""

import logging

import pytest
from hypothesis import settings

settings.register_profile("fast", max_examples=10)


@pytest.fixture
def restored_logging_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    """The logging module's process-wide flags, put back after the test (lighten_log_records sets them)."""
    for flag in ("_srcfile", "logThreads", "logMultiprocessing", "logAsyncioTasks"):
        if hasattr(logging, flag):  # logAsyncioTasks: Python 3.12 and later
            monkeypatch.setattr(logging, flag, getattr(logging, flag))
