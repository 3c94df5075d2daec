"""`pip install` of this repository gives a typed twilio_stream_client that needs only httpx and attrs.

The wheel is built with the repository's pinned uv, then installed with pip into a fresh virtualenv,
outside this repository, as a user would. pip fetches httpx and attrs from the package index: without
one this test fails rather than skips, since it is then not proving anything.
"""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
RUNTIME_DEPENDENCIES = {"attrs", "httpx"}
# Builds wheels and installs them into fresh virtual environments.
pytestmark = pytest.mark.slow

# Runs inside the fresh virtualenv: the installed package stops a stream against an in-process transport.
SMOKE_TEST = """
import pathlib, sys
import httpx
import twilio_stream_client
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import update_stream
from twilio_stream_client.models import Stream, UpdateStreamBody

stream = {"sid": "MZ" + "a" * 32, "account_sid": "AC" + "a" * 32, "call_sid": "CA" + "a" * 32, "name": "n",
          "status": "stopped", "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000", "uri": "/x.json"}
transport = httpx.MockTransport(lambda request: httpx.Response(200, json=stream))
client = TwilioClient("AC" + "a" * 32, "token", httpx_args={"transport": transport})
result = update_stream.sync("AC" + "a" * 32, "CA" + "a" * 32, "n", client=client, body=UpdateStreamBody("stopped"))
assert isinstance(result, Stream) and result.status == "stopped", result
package = pathlib.Path(twilio_stream_client.__file__).parent
assert (package / "py.typed").is_file()
print(package)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("dist")
    subprocess.run([UV, "build", "--wheel", "--quiet", "--out-dir", out_dir, ROOT], check=True, capture_output=True)
    (built,) = out_dir.glob("twilio_stream_client-*.whl")
    return built


def _clean_environment() -> dict[str, str]:
    # Nothing of this repository's virtualenv may leak into the fresh one.
    return {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}


def test_wheel_holds_the_typed_package_and_nothing_else(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()

    assert "twilio_stream_client/py.typed" in names
    assert "twilio_stream_client/api/stream/update_stream.py" in names
    assert "twilio_stream_client/models/stream.py" in names
    dist_info = wheel.name.split("-py3")[0] + ".dist-info"  # twilio_stream_client-VERSION.dist-info
    assert {name.split("/")[0] for name in names} == {"twilio_stream_client", dist_info}
    assert [name for name in names if "__pycache__" in name or name.endswith(".pyc")] == []


def test_pip_install_into_a_fresh_virtualenv_gives_a_working_package(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True)
    python = venv / "bin" / "python"

    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
        capture_output=True,
        text=True,
        env=_clean_environment(),
        cwd=tmp_path,
        timeout=120,
    )
    assert install.returncode == 0, install.stderr

    smoke = subprocess.run(
        [python, "-c", SMOKE_TEST], capture_output=True, text=True, env=_clean_environment(), cwd=tmp_path, timeout=60
    )
    assert smoke.returncode == 0, smoke.stderr
    # Imported from the fresh virtualenv, not from this repository's generated/ folder.
    assert Path(smoke.stdout.strip()).is_relative_to(venv)
