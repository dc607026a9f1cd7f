"""Reference data shipped with the package: accelerators, CPUs, grid intensity, cloud regions, PUE.

Every row carries its source; ``data/SOURCES.md`` gives the attribution each licence requires. Tables
load on first use (only ``csv`` and ``dataclasses`` are imported here) and are validated strictly: a
malformed table raises ``ReferenceDataError`` naming the file, line, column and value. Users can bring
their own table with the same columns; their rows are merged with the shipped ones and win on key.
"""

from __future__ import annotations

from mlfootprint.reference.cpus import Cpu, cpu_fallback, cpus, find_cpu, load_cpus
from mlfootprint.reference.grid import (
    IntensityFact,
    intensity_facts,
    load_cloud_regions,
    load_country_intensity,
    load_subnational_intensity,
    resolve_intensity,
    world_intensity,
)
from mlfootprint.reference.hardware import (
    Accelerator,
    accelerators,
    find_accelerator,
    load_accelerators,
)
from mlfootprint.reference.pue import PueFact, default_pue, load_pue, pue_facts, resolve_pue
from mlfootprint.reference.tables import TableInfo, list_tables, table_rows, validate_table

__all__ = [
    "Accelerator",
    "Cpu",
    "IntensityFact",
    "PueFact",
    "TableInfo",
    "accelerators",
    "cpu_fallback",
    "cpus",
    "default_pue",
    "find_accelerator",
    "find_cpu",
    "intensity_facts",
    "list_tables",
    "load_accelerators",
    "load_cloud_regions",
    "load_country_intensity",
    "load_cpus",
    "load_pue",
    "load_subnational_intensity",
    "pue_facts",
    "resolve_intensity",
    "resolve_pue",
    "table_rows",
    "validate_table",
    "world_intensity",
]
