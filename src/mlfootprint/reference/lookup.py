"""Look-ups of the shipped tables, resolved once per user and cached (``mlfootprint.datacache``).

A one-shot command (``mlfootprint estimate``, ``papers``, ``whatif``) needs one accelerator row, one
region's intensity and maybe one PUE, but resolving them parses and validates whole tables, most of the
command's time. These functions return exactly what ``find_accelerator``, ``intensity_for_year`` and
``pue_for_year`` return, read back from a per-user cache keyed by the name asked for (and the year),
the tables' files and the code that reads them. An unknown or ambiguous name raises the resolver's own
error, which is never cached; ``MLFOOTPRINT_NO_CACHE=1`` resolves from the tables every time. Only the
shipped tables are cached: a user's own table goes through the resolvers directly. Within a process a
name is resolved once (``mlfootprint papers`` asks for the same few accelerators fifty times).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any, TypeVar

from mlfootprint.datacache import cached

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from mlfootprint.reference.accelerator import Accelerator
    from mlfootprint.reference.facts import IntensityFact, PueFact, YearChoice

__all__ = ["cached_accelerator", "cached_intensity_for_year", "cached_pue_for_year"]

T = TypeVar("T")


def _to_json(value: DataclassInstance) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def _from_json(cls: type[T], doc: dict[str, Any]) -> T:
    # every sequence field of these facts is a tuple of strings; JSON gives it back as a list
    value: T = cls(**{name: tuple(v) if isinstance(v, list) else v for name, v in doc.items()})
    return value


def _pair_to_json(pair: tuple[DataclassInstance, YearChoice]) -> dict[str, Any]:
    return {"fact": _to_json(pair[0]), "choice": _to_json(pair[1])}


@functools.lru_cache(maxsize=256)
def cached_accelerator(name: str) -> Accelerator:
    """``find_accelerator(name)`` on the shipped table, cached per user.

    Raises:
        UnknownNameError, AmbiguousNameError: as ``find_accelerator`` (never cached).
    """

    def compute() -> Accelerator:
        from mlfootprint.reference.hardware import find_accelerator

        return find_accelerator(name)

    def decode(doc: dict[str, Any]) -> Accelerator:
        from mlfootprint.reference.accelerator import Accelerator

        return _from_json(Accelerator, doc)

    return cached("accelerator", [name], compute, _to_json, decode)


@functools.lru_cache(maxsize=256)
def cached_intensity_for_year(region: str, year: int | None) -> tuple[IntensityFact, YearChoice]:
    """``intensity_for_year(region, year)`` on the shipped tables, cached per user.

    Raises:
        UnknownNameError, AmbiguousNameError, InvalidValueError: as ``intensity_for_year`` (never cached).
    """

    def compute() -> tuple[IntensityFact, YearChoice]:
        from mlfootprint.reference.years import intensity_for_year

        return intensity_for_year(region, year)

    def decode(doc: dict[str, Any]) -> tuple[IntensityFact, YearChoice]:
        from mlfootprint.reference.facts import IntensityFact, YearChoice

        return _from_json(IntensityFact, doc["fact"]), _from_json(YearChoice, doc["choice"])

    return cached("intensity", [region, year], compute, _pair_to_json, decode)


@functools.lru_cache(maxsize=256)
def cached_pue_for_year(datacenter: str, year: int | None) -> tuple[PueFact, YearChoice]:
    """``pue_for_year(datacenter, year)`` on the shipped table, cached per user.

    Raises:
        UnknownNameError, InvalidValueError: as ``pue_for_year`` (never cached).
    """

    def compute() -> tuple[PueFact, YearChoice]:
        from mlfootprint.reference.years import pue_for_year

        return pue_for_year(datacenter, year)

    def decode(doc: dict[str, Any]) -> tuple[PueFact, YearChoice]:
        from mlfootprint.reference.facts import PueFact, YearChoice

        return _from_json(PueFact, doc["fact"]), _from_json(YearChoice, doc["choice"])

    return cached("pue", [datacenter, year], compute, _pair_to_json, decode)
