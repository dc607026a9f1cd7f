"""The last-resort guard: an unexpected exception becomes one line naming a private crash log, exit 70.
(The corpus and fuzz tests assert that nothing they try ever reaches it.)"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

import mlfootprint.cli._common as common
from helpers.cli_harness import run_cli


def test_unexpected_exception_is_one_line_with_a_private_crash_log(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(args: object) -> None:
        raise RuntimeError("boom while talking to postgresql://me:Hunter2pw@db/x")

    monkeypatch.setattr(common, "check_output_paths", explode)
    result = run_cli(["data"])
    assert result.status == 70
    assert len(result.err_lines) == 1 and "internal error: RuntimeError" in result.err
    assert "Hunter2pw" not in result.err
    match = re.search(r"crash log (\S+\.log)", result.err)
    assert match, result.err
    log = Path(match.group(1))
    text = log.read_text()
    assert "Traceback" in text and "explode" in text and "Hunter2pw" not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
