"""Accelerators: typed rows, loader and name matching.

Accelerator names match case-insensitively, ignoring spaces, hyphens, underscores and brackets, with
aliases, a vendor-prefix strip ("NVIDIA ", "Tesla ", "GeForce ", "AMD ", "Instinct ", "Google ", "Cloud ")
and a memory-suffix strip ("-32GB", " HBM3"), so the names ``nvidia-smi`` prints resolve.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from mlfootprint.errors import AmbiguousNameError, UnknownNameError
from mlfootprint.reference._table import (
    ALIASES_COLUMN,
    FRAC_RANGE,
    LICENSE_COLUMN,
    POWER_W_RANGE,
    SOURCE_COLUMN,
    YEAR_RANGE,
    Column,
    Row,
    Schema,
    normalize_hardware_name,
    parse_aliases,
    read_rows,
    shipped_path,
)
from mlfootprint.reference.accelerator import Accelerator

__all__ = [
    "ACCELERATOR_SCHEMA",
    "Accelerator",
    "accelerators",
    "find_accelerator",
    "load_accelerators",
    "normalize_hardware_name",
]

_TFLOPS = (0.001, 100_000.0)
_SOURCE = SOURCE_COLUMN
_LICENSE = LICENSE_COLUMN

ACCELERATOR_SCHEMA = Schema(
    table="accelerators",
    key=("name",),
    columns=(
        Column(name="name", required=True),
        Column(name="vendor", required=True),
        Column(name="kind", required=True, choices=("gpu", "tpu", "npu")),
        ALIASES_COLUMN,
        Column(name="tdp_w", kind="float", low=POWER_W_RANGE[0], high=POWER_W_RANGE[1]),
        Column(name="measured_avg_power_w", kind="float", low=POWER_W_RANGE[0], high=POWER_W_RANGE[1]),
        Column(name="measured_power_spread_frac", kind="float", low=FRAC_RANGE[0], high=FRAC_RANGE[1]),
        Column(name="measured_power_source"),
        Column(name="peak_fp16_bf16_tflops", kind="float", low=_TFLOPS[0], high=_TFLOPS[1]),
        Column(name="peak_fp32_tflops", kind="float", low=_TFLOPS[0], high=_TFLOPS[1]),
        Column(name="memory_gb", kind="float", low=0.1, high=10_000.0),
        Column(name="year", kind="int", low=YEAR_RANGE[0], high=YEAR_RANGE[1]),
        _SOURCE,
        _LICENSE,
        Column(name="family", optional_column=True),
        Column(name="form_factor", optional_column=True),
        Column(
            name="estimated_power_w",
            kind="float",
            optional_column=True,
            low=POWER_W_RANGE[0],
            high=POWER_W_RANGE[1],
        ),
        Column(name="estimated_power_basis", optional_column=True),
        Column(name="confidence", optional_column=True, choices=("high", "medium", "low")),
    ),
)


# --------------------------------------------------------------------------------------------- names

_PREFIXES = ("nvidia", "tesla", "geforce", "amd", "instinct", "google", "cloud")
_MEMORY_SUFFIX = re.compile(r"[\s_-]*\d+\s*gb$", re.IGNORECASE)
_HBM_SUFFIX = re.compile(r"[\s_-]*hbm\d*e?$", re.IGNORECASE)


def _strip_prefixes(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                changed = True
    return key


def _query_forms(name: str) -> list[str]:
    """The forms of a queried name to try, most specific first."""
    texts = [name.strip()]
    for pattern in (_HBM_SUFFIX, _MEMORY_SUFFIX):
        stripped = pattern.sub("", texts[-1]).strip()
        if stripped:
            texts.append(stripped)
    forms: list[str] = []
    for strip in (False, True):
        for text in texts:
            key = normalize_hardware_name(text)
            forms.append(_strip_prefixes(key) if strip else key)
    return list(dict.fromkeys(f for f in forms if f))


def _accelerator_index(table: Sequence[Accelerator]) -> dict[str, Accelerator]:
    """Map every name form to its row; names win over aliases, earlier rows over later ones."""
    index: dict[str, Accelerator] = {}
    for use_aliases in (False, True):
        for acc in table:
            for label in acc.aliases if use_aliases else (acc.name,):
                key = normalize_hardware_name(label)
                index.setdefault(key, acc)
                index.setdefault(_strip_prefixes(key), acc)
    return index


def _memory_gb(name: str) -> float | None:
    match = re.search(r"(\d+)\s*gb", name, re.IGNORECASE)
    return float(match.group(1)) if match else None


def _with_memory(found: Accelerator, query: str, rows: Sequence[Accelerator]) -> Accelerator:
    """The family member with the memory the query names ("A100-80GB" -> an 80 GB board)."""
    wanted = _memory_gb(query)
    if wanted is None or found.memory_gb is None or found.memory_gb == wanted or found.family is None:
        return found
    siblings = [a for a in rows if a.family == found.family and a.memory_gb == wanted]
    same_form = [a for a in siblings if a.form_factor == found.form_factor]
    if len(same_form) == 1:
        return same_form[0]
    if len(siblings) == 1:
        return siblings[0]
    if siblings:
        raise AmbiguousNameError("hardware", query, [a.name for a in siblings])
    return found


def _by_prefix(form: str, rows: Sequence[Accelerator]) -> list[Accelerator]:
    """Rows one of whose names starts with ``form`` (a model number typed without its variant)."""
    found: dict[str, Accelerator] = {}
    for acc in rows:
        for label in (acc.name, *acc.aliases):
            key = _strip_prefixes(normalize_hardware_name(label))
            if key.startswith(form) and len(key) > len(form) and not key[len(form)].isdigit():
                found.setdefault(acc.name, acc)
    return list(found.values())


# -------------------------------------------------------------------------------------- accelerators


def _accelerator_keys(row: Row) -> list[str]:
    labels = [row.text("name"), *parse_aliases(row.text("aliases"))]
    keys = {_strip_prefixes(normalize_hardware_name(label)) for label in labels}
    return sorted(keys)


def _to_accelerator(row: Row) -> Accelerator:
    measured = row.number("measured_avg_power_w")
    if measured is not None and not row.text("measured_power_source"):
        raise row.fail("measured_power_source", "is empty but measured_avg_power_w is given")
    if measured is None and row.number("measured_power_spread_frac") is not None:
        raise row.fail("measured_power_spread_frac", "is given without measured_avg_power_w")
    return Accelerator(
        name=row.text("name"),
        vendor=row.text("vendor"),
        kind=row.text("kind").casefold(),
        aliases=parse_aliases(row.text("aliases")),
        tdp_w=row.number("tdp_w"),
        measured_avg_power_w=measured,
        measured_power_spread_frac=row.number("measured_power_spread_frac"),
        measured_power_source=row.text("measured_power_source") or None,
        peak_fp16_tflops=row.number("peak_fp16_bf16_tflops"),
        peak_fp32_tflops=row.number("peak_fp32_tflops"),
        memory_gb=row.number("memory_gb"),
        year=row.integer("year"),
        source=row.text("source"),
        family=row.text("family") or None,
        form_factor=row.text("form_factor"),
        estimated_power_w=row.number("estimated_power_w"),
        estimated_power_basis=row.text("estimated_power_basis"),
        confidence=row.text("confidence").casefold() or "high",
    )


def load_accelerators(path: str | Path) -> tuple[Accelerator, ...]:
    """Load one accelerator table strictly (no merging). Raises ``ReferenceDataError``."""
    rows = read_rows(path, ACCELERATOR_SCHEMA, key_of=_accelerator_keys)
    return tuple(_to_accelerator(row) for row in rows)


@functools.lru_cache(maxsize=1)
def _shipped_accelerators() -> tuple[Accelerator, ...]:
    return load_accelerators(shipped_path("accelerators.csv"))


@functools.lru_cache(maxsize=1)
def _shipped_accelerator_index() -> dict[str, Accelerator]:
    return _accelerator_index(_shipped_accelerators())


def _merge(user: Iterable[Accelerator], shipped: Iterable[Accelerator]) -> tuple[Accelerator, ...]:
    user_rows = tuple(user)
    claimed = {normalize_hardware_name(acc.name) for acc in user_rows}
    return user_rows + tuple(acc for acc in shipped if normalize_hardware_name(acc.name) not in claimed)


def accelerators(path: str | Path | None = None) -> tuple[Accelerator, ...]:
    """The shipped accelerator table, or a user's table merged with it (user rows win on name)."""
    if path is None:
        return _shipped_accelerators()
    return _merge(load_accelerators(path), _shipped_accelerators())


def find_accelerator(name: str, table: Sequence[Accelerator] | None = None) -> Accelerator:
    """Find an accelerator by name or alias, as people write it or as ``nvidia-smi`` prints it.

    Raises:
        UnknownNameError: no row matches; the message names the closest names.
    """
    index = _shipped_accelerator_index() if table is None else _accelerator_index(table)
    rows = _shipped_accelerators() if table is None else table
    for form in _query_forms(name):
        if form in index:
            return _with_memory(index[form], name, rows)
    forms = _query_forms(name)
    if forms:
        candidates = _by_prefix(forms[-1], rows) if len(forms[-1]) >= 3 else []
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise AmbiguousNameError("hardware", name, [acc.name for acc in candidates])
    raise UnknownNameError("hardware", name, [label for acc in rows for label in (acc.name, *acc.aliases)])
