"""RAPL zones as real powercap directories (``energy_uj``, ``max_energy_range_uj``, sub-zones)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["make_rapl_zone", "write_energy_uj"]


def write_energy_uj(zone: Path, energy_uj: int) -> None:
    """Set a fake zone's ``energy_uj`` counter atomically (another process never reads it empty)."""
    staging = zone / f".energy_uj.{os.getpid()}"
    staging.write_text(f"{int(energy_uj)}\n", encoding="ascii")
    staging.replace(zone / "energy_uj")


def make_rapl_zone(
    root: Path,
    *,
    name: str = "package-0",
    energy_uj: int = 0,
    max_energy_range_uj: int = 262_143_328_850,
    subzones: Mapping[str, int] | None = None,
    prefix: str = "intel-rapl",
    index: int | None = None,
) -> Path:
    """Create a powercap zone as the kernel lays it out: ``root/<prefix>:<N>/{name,energy_uj,...}``.

    Sub-zones (``{"dram": 0, "core": 0}``) are nested directories ``<prefix>:<N>:<M>`` with the same
    wrap range. Returns the zone directory; change ``energy_uj`` with ``write_energy_uj``.
    """
    root.mkdir(parents=True, exist_ok=True)
    if index is None:
        taken = {p.name for p in root.iterdir()}
        index = next(i for i in range(1000) if f"{prefix}:{i}" not in taken)
    zone = root / f"{prefix}:{index}"
    _write_zone(zone, name, energy_uj, max_energy_range_uj)
    for sub_index, (sub_name, sub_energy_uj) in enumerate((subzones or {}).items()):
        _write_zone(zone / f"{prefix}:{index}:{sub_index}", sub_name, sub_energy_uj, max_energy_range_uj)
    return zone


def _write_zone(zone: Path, name: str, energy_uj: int, max_energy_range_uj: int) -> None:
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text(f"{name}\n", encoding="ascii")
    (zone / "max_energy_range_uj").write_text(f"{max_energy_range_uj}\n", encoding="ascii")
    (zone / "enabled").write_text("1\n", encoding="ascii")
    write_energy_uj(zone, energy_uj)
