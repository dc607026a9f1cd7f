"""Reference data shipped with the package: accelerators, CPUs, grid intensity, cloud regions, PUE.

Every row carries its source; ``data/SOURCES.md`` gives the attribution each licence requires. Tables
load on first use and are validated strictly: a malformed table raises ``ReferenceDataError`` naming
the file, line, column and value. Users can bring their own table with the same columns; their rows are
merged with the shipped ones and win on key. The names below import their module when first asked for,
so that ``find_accelerator`` does not load the grid tables' code, nor the per-user cache of resolved
look-ups (``mlfootprint.reference.lookup``) any table code at all.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


#: public name -> the module that defines it (imported when the name is first asked for)
_MODULE_OF = {
    "Cpu": "cpus", "cpu_fallback": "cpus", "cpus": "cpus", "find_cpu": "cpus", "load_cpus": "cpus",
    "IntensityFact": "facts", "intensity_facts": "grid", "load_cloud_regions": "grid",
    "load_country_intensity": "grid", "load_subnational_intensity": "grid", "resolve_intensity": "grid",
    "world_intensity": "grid",
    "Accelerator": "accelerator", "accelerators": "hardware", "find_accelerator": "hardware",
    "load_accelerators": "hardware",
    "PueFact": "facts", "default_pue": "pue", "load_pue": "pue", "pue_facts": "pue", "resolve_pue": "pue",
    "TableInfo": "tables", "list_tables": "tables", "table_rows": "tables", "validate_table": "tables",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(ModuleType):
    """This package, whose ``cpus`` stays the function ``cpus`` when its module ``cpus`` is imported.

    Importing a submodule sets it as an attribute of its package; the function of the same name, which
    the package exported before it loaded its modules lazily, would otherwise be shadowed by the module.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "cpus" and isinstance(value, ModuleType):
            value = value.cpus
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
