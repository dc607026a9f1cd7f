"""Embodied (manufacturing) emissions of a tracked run: the accelerators it measured, amortised by use.

A run's accelerators are its GPU components (one per device metered, present for the whole run), so its
device-hours are ``duration x GPUs`` (as ``summary`` counts them). Each device's board name (the one
NVML or amdsmi reports, kept in the component's source) picks its row of ``reference/data/embodied.csv``
through the accelerator table's family; an unknown board takes the table's wide default row. The
device-hours are amortised as ``mlfootprint.embodied`` does for estimates (LLMCarbon; Luccioni et al.
2022: 6 years at 85 % use), and the figure is stored in ``extra["embodied"]`` of the record when the
run ends, beside the operational CO2e, never added into it.

CPU-only hosts are not counted: the per-accelerator figures already carry each GPU's share of its
server, and no per-CPU-host figure with a comparable source ships yet. A run without an accelerator
therefore has no embodied figure, and says why.

A record without a stored figure (still running, cut off, or saved before embodied figures were stored)
gets the same figure computed from its components when it is shown or reported (``embodied_of_run``),
marked as computed then.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import MlfootprintError
from mlfootprint.records import ComponentEnergy, RunRecord

if TYPE_CHECKING:
    from mlfootprint.embodied import EmbodiedEstimate

__all__ = ["NO_ACCELERATOR", "SCOPE", "embodied_of_gpu_hours", "embodied_of_run", "run_embodied"]

SCOPE = (
    "accelerators the run measured (GPU components), each with its share of its server; "
    "CPU-only hosts are not counted"
)
NO_ACCELERATOR = "no accelerator was measured (CPU-only hosts are not counted)"
_BOARD = re.compile(r"\(([^()]+)\)\s*$")


def _board(source: str) -> str:
    """The board name in a GPU component's source (``"NVML total-energy counter (NVIDIA A100 ...)"``)."""
    found = _BOARD.search(source)
    return (found.group(1) if found else source).strip()


@functools.lru_cache(maxsize=64)
def _family(board: str) -> tuple[str | None, str]:
    """(accelerator family or None, how the board was matched)."""
    from mlfootprint.reference import find_accelerator

    try:
        acc = find_accelerator(board)
    except MlfootprintError:
        return None, f"{board!r} is not in the accelerator table: the default embodied row is used"
    family = acc.family or acc.name
    return family, f"{board!r} is {acc.name} (family {family})"


def run_embodied(components: Iterable[ComponentEnergy], duration_s: float) -> dict[str, Any]:
    """The embodied figure of a run with ``components`` over ``duration_s`` (display units, kg).

    Returns ``{"co2e_kg": None, "reason": ...}`` when the run measured no accelerator.
    """
    boards: dict[str, int] = {}
    for c in components:
        if c.component == "gpu":
            board = _board(c.source)
            boards[board] = boards.get(board, 0) + 1
    if not boards:  # a CPU-only run: the tables are not loaded for it
        return {"co2e_kg": None, "reason": NO_ACCELERATOR, "scope": SCOPE}
    hours = max(0.0, duration_s) / 3600.0
    unit = _per_hour(tuple(sorted(boards.items())))
    figure = {k: (v * hours if k in _LINEAR else v) for k, v in unit.items()}
    figure["devices"] = [dict(d) for d in unit["devices"]]
    figure["assumptions"] = [dict(a) for a in unit["assumptions"]]
    return figure


#: the figure's entries proportional to the run's hours (the rest depend only on its boards)
_LINEAR = frozenset(
    ("co2e_kg", "co2e_kg_low", "co2e_kg_high", "device_co2e_kg", "server_co2e_kg", "device_hours")
)


@functools.lru_cache(maxsize=256)
def _per_hour(boards: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    """The figure of one hour of a run with ``boards`` (board name, count): every amount scales with time."""
    from mlfootprint.embodied import embodied_estimate, embodied_factor

    parts: list[tuple[EmbodiedEstimate, str, int, str]] = []
    for board, count in boards:
        family, matched = _family(board)
        parts.append((embodied_estimate(float(count), embodied_factor(family)), board, count, matched))
    return _combined(parts)


def _combined(parts: Sequence[tuple[EmbodiedEstimate, str, int, str]]) -> dict[str, Any]:
    first = parts[0][0].to_dict()
    assumptions: list[dict[str, Any]] = []
    for est, _board_name, _count, _matched in parts:
        for a in est.to_dict()["assumptions"]:
            if a not in assumptions:
                assumptions.append(a)
    return {
        "co2e_kg": sum(p[0].co2e_g for p in parts) / 1000.0,
        # the parts share lifetime and utilisation: their errors move together, so bounds add
        "co2e_kg_low": sum(p[0].co2e_g_low for p in parts) / 1000.0,
        "co2e_kg_high": sum(p[0].co2e_g_high for p in parts) / 1000.0,
        "device_co2e_kg": sum(p[0].device_g for p in parts) / 1000.0,
        "server_co2e_kg": sum(p[0].server_g for p in parts) / 1000.0,
        "device_hours": sum(p[0].device_hours for p in parts),
        "lifetime_years": first["lifetime_years"],
        "utilisation_frac": first["utilisation_frac"],
        "method": first["method"],
        "scope": SCOPE,
        "devices": [
            {"board": board, "count": count, "factor": est.factor.key, "matched": matched}
            for est, board, count, matched in parts
        ],
        "assumptions": assumptions,
    }


def embodied_of_run(run: RunRecord) -> dict[str, Any]:
    """The run's stored embodied figure, or the same figure computed now for a record without one."""
    extra = run.extra if isinstance(run.extra, Mapping) else {}
    stored = extra.get("embodied")
    if isinstance(stored, Mapping) and "co2e_kg" in stored:
        return {**stored, "obtained": "stored with the run"}
    computed = run_embodied(run.components, run.duration_s)
    computed["obtained"] = "computed from the run's components when shown (not stored with the run)"
    return computed


def embodied_of_gpu_hours(hours_by_source: Iterable[tuple[str, float]]) -> tuple[float, float, float]:
    """Embodied CO2e (kg: value, low, high) of GPU device-hours given by component source.

    What ``run_embodied`` gives for runs with these GPU components, summed over the runs: the figure is
    linear in device-hours, so one board's figure per device-hour times all its hours is the sum of the runs'.
    """
    hours: dict[str, float] = {}
    for source, h in hours_by_source:
        board = _board(source)
        hours[board] = hours.get(board, 0.0) + max(0.0, h)
    value = low = high = 0.0
    for board, h in sorted(hours.items()):
        unit = _per_hour(((board, 1),))  # one device for one hour, as run_embodied scales it
        value += unit["co2e_kg"] * h
        low += unit["co2e_kg_low"] * h
        high += unit["co2e_kg_high"] * h
    return value, low, high
