"""JSON rendering of a carbon statement (pure)."""

from __future__ import annotations

import json
from typing import Any

from mlfootprint.report.statement import Statement

__all__ = ["render_json"]


def render_json(st: Statement, *, run: dict[str, Any] | None = None) -> str:
    """``st`` as indented JSON (display units in key names); ``run`` adds the full stored record."""
    doc = st.to_dict()
    if run is not None:
        doc["run"] = run
    return json.dumps(doc, indent=2, default=str) + "\n"
