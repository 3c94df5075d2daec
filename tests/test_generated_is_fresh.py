"""generated/ is exactly what `make generate` writes from the committed contract, config and templates.

In the spirit of openapi-python-client's golden-record tests: regenerate into a temporary folder and
compare byte for byte with the committed package.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "generated" / "twilio_stream_client"
CACHE_DIRS = {"__pycache__", ".ruff_cache", ".mypy_cache"}


def _tree(top: Path) -> dict[str, bytes]:
    # Python writes __pycache__ beside the committed package whenever a test imports it; git ignores it.
    return {
        str(path.relative_to(top)): path.read_bytes()
        for path in sorted(top.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_regenerating_changes_no_byte(tmp_path: Path) -> None:
    fresh = tmp_path / "twilio_stream_client"
    subprocess.run(["make", "-s", "generate", f"GENERATED={fresh}"], cwd=ROOT, check=True, capture_output=True)

    committed, regenerated = _tree(COMMITTED), _tree(fresh)

    assert sorted(committed) == sorted(regenerated), "the file lists differ: run `make generate` and commit"
    changed = [name for name in committed if committed[name] != regenerated[name]]
    assert changed == [], f"regenerating changes {changed}: run `make generate` and commit"


def test_regenerating_leaves_no_tool_cache(tmp_path: Path) -> None:
    fresh = tmp_path / "twilio_stream_client"
    subprocess.run(["make", "-s", "generate", f"GENERATED={fresh}"], cwd=ROOT, check=True, capture_output=True)

    assert [p for p in fresh.rglob("*") if p.name in CACHE_DIRS] == []
