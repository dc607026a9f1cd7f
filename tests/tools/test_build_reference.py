"""``tools/build_reference.py`` rebuilds the package's reference tables exactly as they ship.

The shipped CSVs are built from ``../shared/reference`` and ``tools/reference_supplement``; a table
edited by hand, or a source changed without rebuilding, would make the two drift apart silently.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "build_reference.py"
SHIPPED = ROOT / "src" / "mlfootprint" / "reference" / "data"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_reference", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_gives_the_shipped_tables_byte_for_byte(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    tool = _tool()
    monkeypatch.setattr(tool, "OUT", tmp_path)
    assert tool.main(["build_reference.py", str(shared_dir / "reference")]) == 0
    built = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert len(built) == 9 and set(built) <= {p.name for p in SHIPPED.glob("*.csv")}  # papers*.csv are typed
    differ = [name for name in built if (tmp_path / name).read_bytes() != (SHIPPED / name).read_bytes()]
    assert differ == [], f"rebuild with `python tools/build_reference.py`: {differ} differ"
    sys.modules.pop("reference_supplement", None)
