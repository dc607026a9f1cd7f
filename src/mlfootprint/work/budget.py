"""Energy and CO2e budgets: parsing ``2kWh`` / ``5kg``, and deciding when a run is over its budget.

A budget is checked against the prediction of the whole run (``mlfootprint.work.predict``) as soon as
there is one, and against what has been used so far at every flush. ``on_exceed="warn"`` warns once;
``"stop"`` also asks the run to end: the framework callbacks see ``Tracker.stop_requested`` and stop
training through the framework (``trainer.should_stop``, ``control.should_training_stop``,
``model.stop_training``); ``mlfootprint run`` sends SIGTERM to the command. The record says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from mlfootprint.bounds import BUDGET_KG, BUDGET_KWH
from mlfootprint.errors import InvalidValueError

__all__ = [
    "ENERGY_UNITS_J",
    "MASS_UNITS_G",
    "Budget",
    "BudgetCheck",
    "BudgetWarning",
    "check_budget",
    "parse_budget",
]

OnExceed = Literal["warn", "stop"]
#: energy units as written -> joules
ENERGY_UNITS_J = {"mWh": 3.6, "Wh": 3.6e3, "kWh": 3.6e6, "MWh": 3.6e9}
#: CO2e mass units as written -> grams
MASS_UNITS_G = {"g": 1.0, "kg": 1e3, "t": 1e6}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$")


class BudgetWarning(UserWarning):
    """A run's predicted or used energy/CO2e exceeds its budget."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """A limit on facility energy (J) or CO2e (g), and what to do when it is exceeded."""

    kind: Literal["energy", "co2e"]
    limit: float  # J for energy, g for CO2e
    text: str  # as the user wrote it
    on_exceed: OnExceed = "warn"

    def to_dict(self) -> dict[str, object]:
        key = "limit_kwh" if self.kind == "energy" else "limit_kg"
        return {"kind": self.kind, key: self.limit / (3.6e6 if self.kind == "energy" else 1e3),
                "as_given": self.text, "on_exceed": self.on_exceed}  # fmt: skip


def parse_budget(text: str, on_exceed: str = "warn", *, option: str = "--budget") -> Budget:
    """``"2kWh"``, ``"500 Wh"``, ``"5kg"``, ``"1.5t"`` -> a ``Budget``.

    Raises:
        InvalidValueError: not a positive number followed by one of mWh, Wh, kWh, MWh, g, kg, t, or
            outside the bounds of ``mlfootprint.bounds`` (``BUDGET_KWH``, ``BUDGET_KG``).
    """
    if on_exceed not in ("warn", "stop"):
        raise InvalidValueError("--on-exceed", _short(on_exceed), "must be 'warn' or 'stop'")
    units = ", ".join([*ENERGY_UNITS_J, *MASS_UNITS_G])
    match = _PATTERN.match(text) if isinstance(text, str) and len(text) <= 64 else None
    if match is None:
        raise InvalidValueError(
            option, _short(str(text)), f"must be a number and a unit, e.g. 2kWh or 5kg (units: {units})"
        )
    number, unit = float(match.group(1)), match.group(2)
    shown = text.strip()
    if unit in ENERGY_UNITS_J:
        kwh = number * ENERGY_UNITS_J[unit] / 3.6e6
        reason = BUDGET_KWH.problem(kwh)
        if reason is not None:
            raise InvalidValueError(option, shown, f"is {kwh:g} kWh; an energy budget {reason}")
        return Budget(kind="energy", limit=kwh * 3.6e6, text=shown, on_exceed=cast(OnExceed, on_exceed))
    if unit in MASS_UNITS_G:
        kg = number * MASS_UNITS_G[unit] / 1e3
        reason = BUDGET_KG.problem(kg)
        if reason is not None:
            raise InvalidValueError(option, shown, f"is {kg:g} kg; a CO2e budget {reason}")
        return Budget(kind="co2e", limit=kg * 1e3, text=shown, on_exceed=cast(OnExceed, on_exceed))
    from mlfootprint.errors import closest_names

    near = closest_names(unit, [*ENERGY_UNITS_J, *MASS_UNITS_G]) or [*ENERGY_UNITS_J, *MASS_UNITS_G]
    raise InvalidValueError(option, shown, f"has an unknown unit {unit!r}; closest: {', '.join(near)}")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def budget_from_kwargs(
    budget_kwh: float | None, budget_co2e_kg: float | None, on_exceed: str
) -> Budget | None:
    """The budget of ``track(budget_kwh=... | budget_co2e_kg=..., on_exceed=...)``.

    Raises:
        InvalidValueError: both budgets given, ``on_exceed`` not warn/stop, or a budget out of bounds.
    """
    if budget_kwh is not None and budget_co2e_kg is not None:
        raise InvalidValueError(
            "budget_co2e_kg", budget_co2e_kg, "cannot be combined with budget_kwh; give one"
        )
    if on_exceed not in ("warn", "stop"):
        raise InvalidValueError("on_exceed", on_exceed, "must be 'warn' or 'stop'")
    if budget_kwh is not None:
        kwh = BUDGET_KWH.check(budget_kwh, "budget_kwh")
        limit = kwh * 3.6e6
        text = f"{kwh:.6g}kWh"
        return Budget(kind="energy", limit=limit, text=text, on_exceed=cast(OnExceed, on_exceed))
    if budget_co2e_kg is not None:
        kg = BUDGET_KG.check(budget_co2e_kg, "budget_co2e_kg")
        text = f"{kg:.6g}kg"
        return Budget(kind="co2e", limit=kg * 1e3, text=text, on_exceed=cast(OnExceed, on_exceed))
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetCheck:
    """The outcome of one check: over or not, on what basis, and the message."""

    exceeded: bool
    basis: Literal["predicted", "used"]
    value: float  # J or g
    message: str


def _fmt(budget: Budget, value: float) -> str:
    if budget.kind == "energy":
        return f"{value / 3.6e6:.4g} kWh"
    return f"{value / 1e3:.4g} kg CO2e"


def check_budget(
    budget: Budget, *, used_energy_j: float, used_co2e_g: float,
    predicted_energy_j: float | None = None, predicted_co2e_g: float | None = None,
) -> BudgetCheck:  # fmt: skip
    """Compare what is used and (when known) what is predicted with the budget."""
    used = used_energy_j if budget.kind == "energy" else used_co2e_g
    predicted = predicted_energy_j if budget.kind == "energy" else predicted_co2e_g
    if used >= budget.limit:
        message = f"budget {budget.text} used up: {_fmt(budget, used)} so far"
        return BudgetCheck(exceeded=True, basis="used", value=used, message=message)
    if predicted is not None and predicted > budget.limit:
        message = (
            f"budget {budget.text} will be exceeded: the whole run is predicted at {_fmt(budget, predicted)}"
        )
        return BudgetCheck(exceeded=True, basis="predicted", value=predicted, message=message)
    value = used if predicted is None else predicted
    return BudgetCheck(exceeded=False, basis="used" if predicted is None else "predicted", value=value,
                       message=f"within budget {budget.text}: {_fmt(budget, value)}")  # fmt: skip
