"""The generated functions are documented for the person who reads them in an editor or with help()."""

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from twilio_stream_client.api.stream import create_stream, update_stream

FUNCTIONS = [
    getattr(module, name)
    for module in (create_stream, update_stream)
    for name in ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}")
def test_every_argument_is_described(function: Callable[..., Any]) -> None:
    doc = inspect.getdoc(function) or ""
    arguments = [name for name in inspect.signature(function).parameters if name != "client"]

    for name in arguments:
        assert re.search(rf"^    {name} \([^)]*\): \S", doc, re.M), f"{name} has no description"


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}")
def test_every_exception_is_listed(function: Callable[..., Any]) -> None:
    raises = (inspect.getdoc(function) or "").split("Raises:", 1)[1].split("Returns:", 1)[0]

    assert "errors.UnexpectedStatus" in raises
    assert "errors.UnparseableResponse" in raises
