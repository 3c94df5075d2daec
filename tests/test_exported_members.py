"""The public names of twilio_stream_client, pinned: adding or removing one is a decision, not an accident.

The package's own names are listed here; the models and the API modules are the contract's schemas and
operations, so they are read from openapi.yaml.
"""

import inspect
import pkgutil
import subprocess
import sys
from types import ModuleType

import httpx
import pytest
import twilio_stream_client
import twilio_stream_client.api.stream
import twilio_stream_client.models
import twilio_stream_contract as contract
from twilio_stream_client import TwilioClient

from tests.client_contract import ACCOUNT_SID, AUTH_TOKEN, DOCUMENT, ENDPOINTS, SERVER_URL, VARIANTS


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


def test_models_are_the_contracts_schemas() -> None:
    # A model is named after its schema (use_path_prefixes_for_title_model_names: false, no titles).
    assert set(twilio_stream_client.models.__all__) == set(DOCUMENT["components"]["schemas"])
    assert all(hasattr(twilio_stream_client.models, name) for name in twilio_stream_client.models.__all__)
    assert dir(twilio_stream_client.models) == sorted(twilio_stream_client.models.__all__)


def test_an_unknown_model_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError) as raised:
        _ = twilio_stream_client.models.NoSuchModel  # type: ignore[attr-defined]

    assert str(raised.value) == "module 'twilio_stream_client.models' has no attribute 'NoSuchModel'"


def _imported_models(program: str) -> set[str]:
    """The model modules a fresh interpreter has imported once it has run `program`."""
    report = "import sys\nprint(*sorted(m for m in sys.modules if m.startswith('twilio_stream_client.models.')))"
    run = subprocess.run([sys.executable, "-c", f"{program}\n{report}"], check=True, capture_output=True, text=True)
    return set(run.stdout.split())


def test_importing_the_models_package_imports_no_model() -> None:
    assert _imported_models("import twilio_stream_client.models") == set()


def test_stopping_streams_does_not_import_the_create_body() -> None:
    # The 198 custom-parameter fields of CreateStreamBody cost milliseconds to build: a program that only
    # stops Streams must not pay them.
    program = (
        "from twilio_stream_client.api.stream import update_stream\n"
        "from twilio_stream_client.models import Stream, UpdateStreamBody\n"
    )
    imported = _imported_models(program)

    assert "twilio_stream_client.models.stream" in imported
    assert "twilio_stream_client.models.create_stream_body" not in imported


def test_an_api_module_for_each_operation_of_the_contract() -> None:
    package = twilio_stream_client.api.stream
    modules = {f"{package.__name__}.{module.name}" for module in pkgutil.iter_modules(package.__path__)}

    assert {module.__name__ for module, _ in ENDPOINTS.values()} == modules
    assert set(ENDPOINTS) == {operation.operation_id for operation in contract.OPERATIONS}


@pytest.mark.parametrize("module", [module for module, _ in ENDPOINTS.values()], ids=lambda module: module.__name__)
def test_each_operation_has_sync_async_plain_and_detailed_functions(module: ModuleType) -> None:
    public = {
        name
        for name, member in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and member.__module__ == module.__name__
    }

    assert public == set(VARIANTS)
    assert [inspect.iscoroutinefunction(getattr(module, name)) for name in VARIANTS] == [False, False, True, True]


def test_authenticated_client_is_twilio_client() -> None:
    # The generated API functions are annotated with AuthenticatedClient.
    assert twilio_stream_client.AuthenticatedClient is TwilioClient


def test_one_line_makes_a_client_for_twilio() -> None:
    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN)

    assert client.get_httpx_client().base_url == httpx.URL(SERVER_URL)
    assert client.get_async_httpx_client().base_url == httpx.URL(SERVER_URL)
    assert client.raise_on_unexpected_status is True


def test_one_line_makes_a_client_for_another_server() -> None:
    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, base_url="http://127.0.0.1:8080")

    assert client.get_httpx_client().base_url == httpx.URL("http://127.0.0.1:8080")
    assert client.get_async_httpx_client().base_url == httpx.URL("http://127.0.0.1:8080")


def test_emulator_test_kit_exports() -> None:
    import twilio_stream_emulator.testing

    assert set(twilio_stream_emulator.testing.__all__) == {
        "LocalServer",
        "MediaReceiver",
        "ReceivedMessage",
        "ReceivedStream",
        "RecordedCallback",
        "StatusCallbackRecorder",
    }
    assert all(hasattr(twilio_stream_emulator.testing, name) for name in twilio_stream_emulator.testing.__all__)
