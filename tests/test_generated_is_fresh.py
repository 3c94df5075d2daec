"""generated/ is exactly what `make generate` writes from the committed contract, config and templates.

In the spirit of openapi-python-client's golden-record tests: regenerate into a temporary folder and
compare byte for byte with the committed package. The generator runs twice, under two string hash seeds,
so that output depending on the order of a set or dict of strings cannot pass by luck.
"""

import os
import subprocess
from pathlib import Path

import pytest

# Runs the generator twice.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "generated" / "twilio_stream_client"
CACHE_DIRS = {"__pycache__", ".ruff_cache", ".mypy_cache"}


@pytest.fixture(scope="module", params=["0", "1"], ids=lambda seed: f"PYTHONHASHSEED={seed}")
def regenerated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    fresh = tmp_path_factory.mktemp("generated") / "twilio_stream_client"
    env = os.environ | {"PYTHONHASHSEED": request.param}
    subprocess.run(["make", "-s", "generate", f"GENERATED={fresh}"], cwd=ROOT, env=env, check=True, capture_output=True)
    return fresh


def _tree(top: Path) -> dict[str, bytes]:
    # Python writes __pycache__ beside the committed package whenever a test imports it; git ignores it.
    return {
        str(path.relative_to(top)): path.read_bytes()
        for path in sorted(top.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_regenerating_changes_no_byte(regenerated: Path) -> None:
    committed, fresh = _tree(COMMITTED), _tree(regenerated)

    assert sorted(committed) == sorted(fresh), "the file lists differ: run `make generate` and commit"
    changed = [name for name in committed if committed[name] != fresh[name]]
    assert changed == [], f"regenerating changes {changed}: run `make generate` and commit"


def test_regenerating_leaves_no_tool_cache(regenerated: Path) -> None:
    assert [path for path in regenerated.rglob("*") if path.name in CACHE_DIRS] == []
