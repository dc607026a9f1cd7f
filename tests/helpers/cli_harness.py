"""Run the command line in-process, capturing what it writes (for the robustness corpus and fuzzing)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass

from mlfootprint.cli.main import main


@dataclass
class Result:
    status: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_cli(argv: list[str], env: Mapping[str, str] | None = None) -> Result:
    """``main(argv)`` with stdout and stderr captured; ``env`` added to the environment meanwhile."""
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse: --help or a usage error
                status = exc.code if isinstance(exc.code, int) else 2
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Result(status=status, out=out.getvalue(), err=err.getvalue())


def assert_refused(result: Result, *names: str) -> None:
    """Exit 2, one line on stderr, no traceback, no internal error, and the line names each of ``names``."""
    assert "Traceback" not in result.err, result.err
    assert "internal error" not in result.err, result.err
    assert result.status == 2, (result.status, result.err)
    assert len(result.err_lines) == 1, result.err
    for name in names:
        assert name in result.err, (name, result.err)
