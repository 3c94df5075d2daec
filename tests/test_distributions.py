"""The four distributions install outside this repository, each with what it needs and nothing more.

Wheels are built from this repository's own files, then installed with the pinned uv into fresh virtual
environments in a temporary folder, the third-party packages held to the versions of uv.lock. Then, as a
user would: both commands answer `--help`, a small pytest project runs the README's "Use the emulator in
your tests" section with the plugin's fixtures, and each install holds what it should.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
DISTRIBUTIONS = {
    "twilio-stream-client": ROOT,
    "twilio-stream-contract": ROOT / "contract",
    "twilio-stream-emulator": ROOT / "emulator",
    "twilio-stream-conformance": ROOT / "conformance",
}
# What the emulator and the suite bring: none of it may reach a client-only install.
NOT_FOR_THE_CLIENT = {"starlette", "uvicorn", "websockets", "numpy", "soundfile", "pyyaml", "schemathesis", "twilio"}
pytestmark = pytest.mark.slow
# Run inside a fresh environment: every distribution there, and the names it requires.
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.requires or [] for d in m.distributions()}))"
)


def _run(*argv: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # This machine's settings (certificates, package indexes) stay; nothing of this repository's
    # environment may leak into the fresh one.
    leaking = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PYTHON"}
    environment = {name: value for name, value in os.environ.items() if name not in leaking}
    environment |= {"PATH": "/usr/bin:/bin", "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{argv}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Path]:
    dist = tmp_path_factory.mktemp("dist")
    for folder in DISTRIBUTIONS.values():
        _run(UV, "build", "--wheel", "--quiet", "--out-dir", dist, folder, cwd=ROOT)
    return {name: next(dist.glob(name.replace("-", "_") + "-*.whl")) for name in DISTRIBUTIONS}


@pytest.fixture(scope="module")
def constraints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The versions uv.lock pins for every third-party package."""
    path = tmp_path_factory.mktemp("lock") / "constraints.txt"
    exported = _run(
        UV, "export", "--frozen", "--no-hashes", "--no-emit-workspace", "--all-packages", "--all-groups", cwd=ROOT
    )
    path.write_text(exported.stdout, encoding="utf-8")
    return path


def _fresh_venv(folder: Path, constraints: Path, *requirements: str | Path) -> Path:
    """A virtual environment of the machine's Python with these requirements installed; its bin/."""
    _run(UV, "venv", "--quiet", "--python", sys.executable, folder / "venv", cwd=folder)
    python = folder / "venv" / "bin" / "python"
    _run(UV, "pip", "install", "--quiet", "--python", python, "--constraints", constraints, *requirements, cwd=folder)
    return folder / "venv" / "bin"


def _installed(bin_dir: Path) -> dict[str, list[str]]:
    """Each installed distribution (normalised name) and the names it requires."""
    listing = _run(bin_dir / "python", "-c", LIST_DISTRIBUTIONS, cwd=bin_dir)
    return {
        _name(name): [_name(requirement) for requirement in requires]
        for name, requires in json.loads(listing.stdout).items()
    }


def _name(requirement: str) -> str:
    return re.split(r"[\s\[(;<>=!~]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [entry for entry in archive.namelist() if entry.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(archive.read(name).decode("utf-8"))


def _top_level_packages(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {entry.split("/")[0] for entry in archive.namelist() if not entry.split("/")[0].endswith(".dist-info")}


def test_the_four_share_one_version_and_the_changelog_names_it(wheels: Mapping[str, Path]) -> None:
    versions = {_metadata(wheel)["Version"] for wheel in wheels.values()}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    assert len(versions) == 1
    assert re.search(r"^## (\S+)", changelog, re.M)[1] == versions.pop()  # type: ignore[index]


def test_every_installed_import_name_carries_the_projects_prefix(wheels: Mapping[str, Path]) -> None:
    packages = {name: _top_level_packages(wheel) for name, wheel in wheels.items()}

    assert packages == {name: {name.replace("-", "_")} for name in DISTRIBUTIONS}


def test_the_client_needs_httpx_and_attrs_and_a_client_only_install_brings_nothing_else(
    wheels: Mapping[str, Path], constraints: Path, tmp_path: Path
) -> None:
    requires = {
        _name(requirement) for requirement in _metadata(wheels["twilio-stream-client"]).get_all("Requires-Dist") or []
    }
    bin_dir = _fresh_venv(tmp_path, constraints, wheels["twilio-stream-client"])

    installed = _installed(bin_dir)
    assert requires == {"httpx", "attrs"}
    assert set(installed["twilio-stream-client"]) == requires
    assert not NOT_FOR_THE_CLIENT & set(installed)
    assert not {name for name in installed if name.startswith("twilio-stream-")} - {"twilio-stream-client"}


@pytest.fixture(scope="module")
def emulator_bin(wheels: Mapping[str, Path], constraints: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("emulator-install")
    return _fresh_venv(
        folder,
        constraints,
        wheels["twilio-stream-emulator"],
        wheels["twilio-stream-contract"],
        wheels["twilio-stream-client"],
        "pytest",
        "twilio",
    )


def test_the_emulators_command_answers_help(emulator_bin: Path) -> None:
    result = _run(emulator_bin / "twilio-stream-emulator", "--help", cwd=emulator_bin)

    assert "--dial-any-host" in result.stdout
    assert "--audio" in result.stdout


def test_the_readme_section_runs_as_a_users_pytest_project(emulator_bin: Path, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Use the emulator in your tests\n", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)
    (tmp_path / "test_readme.py").write_text(code, encoding="utf-8")

    result = _run(emulator_bin / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", tmp_path, cwd=tmp_path)

    assert re.search(r"\b2 passed\b", result.stdout), result.stdout
    assert (
        "twilio_stream"
        in _run(emulator_bin / "python", "-m", "pytest", "--trace-config", "--co", "-q", tmp_path, cwd=tmp_path).stdout
    )


def test_an_emulator_install_brings_no_top_level_emulator_or_conformance(emulator_bin: Path) -> None:
    site = next((emulator_bin.parent / "lib").glob("python*/site-packages"))

    assert not (site / "emulator").exists()
    assert not (site / "conformance").exists()
    assert "schemathesis" not in _installed(emulator_bin)


def test_the_suite_installs_with_its_command(wheels: Mapping[str, Path], constraints: Path, tmp_path: Path) -> None:
    bin_dir = _fresh_venv(tmp_path, constraints, *wheels.values())

    result = _run(bin_dir / "twilio-stream-conformance", "--help", cwd=tmp_path)

    assert "TARGET" in result.stdout.upper()
    assert {"schemathesis", "twilio-stream-emulator"} <= set(_installed(bin_dir))
