"""The public names of twilio_stream_client, pinned: adding or removing one is a decision, not an accident."""

import importlib
import re
import subprocess
import sys

import httpx
import pytest
import twilio_stream_client
import twilio_stream_client.models
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"


def test_package_exports() -> None:
    assert set(twilio_stream_client.__all__) == {
        "AuthenticatedClient",
        "Client",
        "ClientError",
        "TwilioClient",
        "UnexpectedStatus",
        "UnparseableResponse",
    }
    assert all(hasattr(twilio_stream_client, name) for name in twilio_stream_client.__all__)


def test_models_exports() -> None:
    assert set(twilio_stream_client.models.__all__) == {
        "CreateStreamBody",
        "Stream",
        "StreamStatus",
        "StreamStatusCallbackMethod",
        "StreamTrack",
        "StreamUpdateStatus",
        "TwilioError",
        "UpdateStreamBody",
    }
    assert all(hasattr(twilio_stream_client.models, name) for name in twilio_stream_client.models.__all__)


def test_models_are_the_names_of_their_modules() -> None:
    # The package imports its models lazily; each name must still be the one its module defines.
    for name in twilio_stream_client.models.__all__:
        module_name = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()  # CreateStreamBody -> create_stream_body
        module = importlib.import_module(f"twilio_stream_client.models.{module_name}")
        assert getattr(twilio_stream_client.models, name) is getattr(module, name)


def test_an_unknown_model_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchModel"):
        _ = twilio_stream_client.models.NoSuchModel  # type: ignore[attr-defined]


def test_stopping_streams_does_not_import_the_create_body() -> None:
    # The 198 custom-parameter fields of CreateStreamBody cost milliseconds to build: a fresh interpreter
    # that only stops Streams must not pay them.
    program = (
        "import sys\n"
        "from twilio_stream_client.api.stream import update_stream\n"
        "from twilio_stream_client.models import Stream, UpdateStreamBody\n"
        "print('twilio_stream_client.models.create_stream_body' in sys.modules)\n"
    )
    imported = subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, text=True).stdout

    assert imported.strip() == "False"


def test_stream_operations_have_sync_async_plain_and_detailed_functions() -> None:
    for module in (create_stream, update_stream):
        assert all(callable(getattr(module, name)) for name in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"))


def test_authenticated_client_is_twilio_client() -> None:
    # The generated API functions are annotated with AuthenticatedClient.
    assert twilio_stream_client.AuthenticatedClient is TwilioClient


def test_one_line_makes_a_client_for_twilio() -> None:
    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN)

    httpx_client = client.get_httpx_client()
    assert httpx_client.base_url == httpx.URL("https://api.twilio.com")
    assert isinstance(httpx_client.auth, httpx.BasicAuth)
    assert client.raise_on_unexpected_status is True


def test_one_line_makes_a_client_for_another_server() -> None:
    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, base_url="http://127.0.0.1:8080")

    assert client.get_httpx_client().base_url == httpx.URL("http://127.0.0.1:8080")
    assert client.get_async_httpx_client().base_url == httpx.URL("http://127.0.0.1:8080")
