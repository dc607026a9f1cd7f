"""The README runs: every shell example (```console blocks, ``$`` lines) and Python example in it runs
verbatim on a fresh clone, offline, with exit status 0 and output of the shape shown.

Blocks preceded by ``<!-- not-run ... -->`` are skipped (they need a GPU, the network or hours). The
commands share one temporary home (and so one ledger), in README order, so ``runs show last`` sees the
run made above it. Shape: every word of a shown output line that holds no digit must appear in the
actual output (ids, times and measured figures differ from run to run); lines with ``...`` are elided.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOT_RUN = re.compile(r"^<!--\s*not-run\b")


@dataclass
class Example:
    kind: str  # "shell" or "python"
    code: str
    expected: list[str] = field(default_factory=list)
    line: int = 0


def examples(text: str) -> tuple[list[Example], int]:
    """The runnable examples of a README, and how many blocks were marked not-run."""
    out: list[Example] = []
    skipped = 0
    lines = text.splitlines()
    i = 0
    previous = ""
    while i < len(lines):
        fence = lines[i].strip()
        if fence in ("```console", "```python"):
            body: list[str] = []
            start = i + 1
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            if NOT_RUN.match(previous):
                skipped += 1
            elif fence == "```python":
                out.append(Example(kind="python", code="\n".join(body), line=start))
            else:
                out += _shell(body, start)
        if lines[i].strip():
            previous = lines[i].strip()
        i += 1
    return out, skipped


def _shell(body: list[str], start: int) -> list[Example]:
    out: list[Example] = []
    j = 0
    while j < len(body):
        if body[j].startswith("$ "):
            command = body[j][2:]
            line = start + j
            while command.endswith("\\") and j + 1 < len(body):
                j += 1
                command = command[:-1] + " " + body[j].strip()
            out.append(Example(kind="shell", code=command, line=line))
        elif out:
            out[-1].expected.append(body[j])
        j += 1
    return out


def shape_words(line: str) -> list[str]:
    """The words of a shown output line that must appear in real output (no digits, not elided)."""
    if "..." in line:
        return []
    return [w for w in line.split() if len(w) > 1 and not any(c.isdigit() for c in w)]


def test_the_readme_parser_reads_commands_continuations_and_markers() -> None:
    text = (
        "<!-- not-run: slow -->\n```console\n$ make test\n```\n\n```console\n$ echo a \\\n    b\na b\n"
        "$ true\n```\n"
    )
    found, skipped = examples(text)
    assert skipped == 1
    assert [(e.code, e.expected) for e in found] == [("echo a  b", ["a b"]), ("true", [])]
    assert shape_words("  energy  29.4 mWh [14.7-35.7 mWh]") == ["energy", "mWh", "mWh]"]
    assert shape_words("GQ3G167Q  2026-11-30  finished  ...") == []


def test_every_readme_example_runs(tmp_path: Path) -> None:
    found, skipped = examples(README.read_text(encoding="utf-8"))
    assert len(found) >= 15 and skipped >= 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFOOTPRINT_")}
    env.update(
        HOME=str(tmp_path),
        MLFOOTPRINT_HOME=str(tmp_path / "mlfootprint"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        NO_COLOR="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("ELECTRICITYMAPS_API_KEY", None)
    failures: list[str] = []
    for example in found:
        argv = (
            ["bash", "-c", example.code] if example.kind == "shell" else [sys.executable, "-c", example.code]
        )
        proc = subprocess.run(
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        output = proc.stdout + proc.stderr
        if proc.returncode != 0:
            failures.append(
                f"README line {example.line}: exit {proc.returncode}: {example.code}\n{output[-800:]}"
            )
            continue
        for shown in example.expected:
            missing = [w for w in shape_words(shown) if w not in output]
            if missing:
                where = f"README line {example.line}: {example.code}"
                failures.append(f"{where}: {missing} of {shown!r} not in:\n{output[-800:]}")
        machine = re.search(r"--format (json|csv)", example.code)  # machine formats keep full floats
        if not machine and re.search(r"\de[+-]\d", output):
            failures.append(f"README line {example.line}: scientific notation in: {output[-400:]}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("name", ["make demo", "make test"])
def test_the_quickstart_keeps_its_two_commands(name: str) -> None:
    assert f"$ {name}" in README.read_text(encoding="utf-8")
