"""``tools/check_module_size.py``: modules over 300 lines must say why at their top."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_module_size.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_module_size", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, lines: int, header: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "x = 1\n" * lines, encoding="utf-8")


def test_lists_only_long_modules_without_a_reason(tmp_path: Path) -> None:
    _write(tmp_path / "small.py", 300)
    _write(tmp_path / "pkg" / "long.py", 301)
    _write(tmp_path / "pkg" / "explained.py", 400, header='"""Doc."""\n# size: one table of constants\n')
    _write(tmp_path / "empty_reason.py", 400, header="# size:\n")
    found = _tool().oversized([tmp_path])
    assert sorted((p.name, n) for p, n in found) == [("empty_reason.py", 401), ("long.py", 301)]


def test_reason_must_be_near_the_top(tmp_path: Path) -> None:
    _write(tmp_path / "late.py", 320, header="x = 0\n" * 20 + "# size: too late to be read first\n")
    assert [p.name for p, _ in _tool().oversized([tmp_path])] == ["late.py"]


def test_command_names_the_module_and_fails(tmp_path: Path) -> None:
    _write(tmp_path / "long.py", 350)
    proc = subprocess.run(
        [sys.executable, str(TOOL), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "long.py: 350 lines (> 300)" in proc.stderr
    ok = subprocess.run([sys.executable, str(TOOL), str(tmp_path / "none")], capture_output=True, check=False)
    assert ok.returncode == 0
