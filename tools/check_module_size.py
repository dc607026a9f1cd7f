"""List modules over the size guideline that do not say why at their top; exit 1 when any.

A module of more than ``LIMIT_LINES`` lines either splits by concept or carries, in its first
``HEADER_LINES`` lines, a comment ``# size: <the reason it stays one module>``. Run by ``make lint``.

Usage: python tools/check_module_size.py [ROOT ...]   (default: src/mlfootprint)
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT_LINES = 300
HEADER_LINES = 15
MARK = "# size:"


def has_reason(lines: list[str]) -> bool:
    """Whether one of the first lines is a ``# size:`` comment with a reason after it."""
    for line in lines[:HEADER_LINES]:
        text = line.strip()
        if text.startswith(MARK) and text[len(MARK) :].strip():
            return True
    return False


def oversized(roots: list[Path]) -> list[tuple[Path, int]]:
    """Modules under ``roots`` over the limit without a reason, with their line counts."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > LIMIT_LINES and not has_reason(lines):
                found.append((path, len(lines)))
    return found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [Path("src/mlfootprint")]
    found = oversized(roots)
    for path, n in found:
        print(
            f"{path}: {n} lines (> {LIMIT_LINES}); split it by concept or give the reason in a "
            f"'{MARK} ...' comment within its first {HEADER_LINES} lines",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
