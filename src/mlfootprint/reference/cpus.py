"""CPUs: typed rows, loader, matching of ``/proc/cpuinfo`` model names, and the documented fallback."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlfootprint.errors import ReferenceDataError
from mlfootprint.reference._table import (
    LICENSE_COLUMN,
    POWER_W_RANGE,
    SOURCE_COLUMN,
    YEAR_RANGE,
    Column,
    Row,
    Schema,
    normalize_hardware_name,
    read_rows,
    shipped_path,
)

__all__ = ["CPU_SCHEMA", "Cpu", "cpu_fallback", "cpus", "find_cpu", "load_cpus"]

_SOURCE = SOURCE_COLUMN
_LICENSE = LICENSE_COLUMN

CPU_SCHEMA = Schema(
    table="cpus",
    key=("name",),
    columns=(
        Column(name="name", required=True),
        Column(name="vendor"),
        Column(name="segment", required=True),
        Column(name="cores", kind="int", low=1, high=1024),
        Column(name="threads", kind="int", low=1, high=2048),
        Column(name="tdp_w", kind="float", low=POWER_W_RANGE[0], high=POWER_W_RANGE[1]),
        Column(name="tdp_per_core_w", kind="float", low=0.1, high=100.0),
        Column(name="year", kind="int", low=YEAR_RANGE[0], high=YEAR_RANGE[1]),
        _SOURCE,
        _LICENSE,
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cpu:
    """A CPU model (or the documented fallback) with its TDP and TDP per physical core."""

    name: str
    vendor: str
    cores: int | None
    threads: int | None
    tdp_w: float
    tdp_per_core_w: float
    source: str
    is_fallback: bool


# ----------------------------------------------------------------------------------------------- CPUs

_CPUINFO_NOISE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\((r|tm|c)\)",
        r"@.*$",
        r"\b\d+(st|nd|rd|th)\s+gen\b",
        r"\b\d+-core\b",
        r"\bprocessor\b",
        r"\bcpu\b",
        r"\bwith radeon .*$",
    )
]


def _cpu_key(name: str) -> str:
    text = name
    for pattern in _CPUINFO_NOISE:
        text = pattern.sub(" ", text)
    key = normalize_hardware_name(text)
    for vendor in ("intel", "amd"):
        if key.startswith(vendor):
            key = key[len(vendor) :]
    return key


def _cpu_keys(row: Row) -> list[str]:
    return [_cpu_key(row.text("name"))]


def _is_fallback(row: Row) -> bool:
    return row.text("segment").casefold() == "fallback"


def _to_cpu(row: Row) -> Cpu:
    tdp_w = row.number("tdp_w")
    per_core = row.number("tdp_per_core_w")
    cores = row.integer("cores")
    if tdp_w is None:
        raise row.fail("tdp_w", "is empty (required for a CPU model)")
    if per_core is None and cores:
        per_core = tdp_w / cores
    if per_core is None:
        raise row.fail("cores", "is empty: give cores or tdp_per_core_w")
    return Cpu(
        name=row.text("name"),
        vendor=row.text("vendor"),
        cores=cores,
        threads=row.integer("threads"),
        tdp_w=tdp_w,
        tdp_per_core_w=per_core,
        source=row.text("source"),
        is_fallback=False,
    )


def load_cpus(path: str | Path) -> tuple[Cpu, ...]:
    """Load one CPU table strictly (no merging).

    Rows with ``segment = fallback`` are validated but not returned: they feed :func:`cpu_fallback`.
    """
    rows = read_rows(path, CPU_SCHEMA, key_of=_cpu_keys)
    return tuple(_to_cpu(row) for row in rows if not _is_fallback(row))


@functools.lru_cache(maxsize=1)
def _shipped_fallback_rows() -> dict[str, Row]:
    rows = read_rows(shipped_path("cpus.csv"), CPU_SCHEMA, key_of=_cpu_keys)
    return {row.text("name"): row for row in rows if _is_fallback(row)}


@functools.lru_cache(maxsize=1)
def _shipped_cpus() -> tuple[Cpu, ...]:
    return load_cpus(shipped_path("cpus.csv"))


def cpus(path: str | Path | None = None) -> tuple[Cpu, ...]:
    """The shipped CPU table, or a user's table merged with it (user rows win on name)."""
    if path is None:
        return _shipped_cpus()
    user = load_cpus(path)
    claimed = {_cpu_key(cpu.name) for cpu in user}
    return user + tuple(cpu for cpu in _shipped_cpus() if _cpu_key(cpu.name) not in claimed)


def find_cpu(model_name: str, table: Sequence[Cpu] | None = None) -> Cpu | None:
    """Find a CPU by the ``model name`` line of ``/proc/cpuinfo`` (or a plain name); None if unknown."""
    key = _cpu_key(model_name)
    if not key:
        return None
    for cpu in _shipped_cpus() if table is None else table:
        if _cpu_key(cpu.name) == key:
            return cpu
    return None


#: the fallback rows used by :func:`cpu_fallback` (see docs/data.md for the choice)
FALLBACK_PER_CORE = "fallback-green-algorithms-per-core"
FALLBACK_PACKAGE = "fallback-codecarbon-constant"


def cpu_fallback() -> Cpu:
    """The documented fallback for an unknown CPU.

    ``tdp_per_core_w`` is Green Algorithms' 12 W per core for an unknown CPU (use it with the number of
    cores in use); ``tdp_w`` is CodeCarbon's 85 W whole-package constant (use it when the core count is
    unknown). Both come from the fallback rows of the shipped CPU table.
    """
    rows = _shipped_fallback_rows()
    try:
        per_core_row, package_row = rows[FALLBACK_PER_CORE], rows[FALLBACK_PACKAGE]
    except KeyError as exc:
        raise ReferenceDataError(f"cpus.csv: fallback row {exc.args[0]!r} is missing") from None
    per_core = per_core_row.number("tdp_per_core_w")
    package = package_row.number("tdp_w")
    if per_core is None or package is None:
        raise ReferenceDataError("cpus.csv: a fallback row has no power value")
    return Cpu(
        name="unknown CPU (fallback)",
        vendor="",
        cores=None,
        threads=None,
        tdp_w=package,
        tdp_per_core_w=per_core,
        source=f"per core: {per_core_row.text('source')}; package: {package_row.text('source')}",
        is_fallback=True,
    )
