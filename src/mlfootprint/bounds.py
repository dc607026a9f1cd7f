"""One documented bound per quantity, used at every boundary (options, environment, config file, series
files, user tables, ledger rows read back, HTTP responses).

A value outside its bound is a mistake, not a measurement: it is refused with one line that names the
value, where it came from (``--pue``, ``$MLFOOTPRINT_PUE``, ``config.ini:3``, ``series.csv:12:2``) and,
when the value looks like the wrong unit (kg/kWh where g/kWh is expected, a percentage where a fraction
is expected), the unit it probably is.

======================  =====================  ==========================================================
quantity                bound                  why
======================  =====================  ==========================================================
PUE                     1.0 .. 3.0             below 1 is impossible; above 3 no datacenter reports
intensity (g/kWh)       0 .. 2000              the dirtiest grids (lignite) are ~1200; a file whose
                                               every value is below 2 holds kg/kWh
intensity (kg/kWh)      0 .. 2                 2 < x <= 2000 looks like g/kWh
power per device (W)    > 0 .. 5000            the largest boards draw ~1.2 kW
duration (s)            > 0 .. 100 years       longer is a unit mistake
sampling interval (s)   0.05 .. 3600
flush interval (s)      0.05 .. 86400          a run is saved at least once a day
count (devices)         1 .. 10,000,000        more than any cluster built
percentage              0 .. 100
year                    1990 .. 2100
list limit              1 .. 1,000,000
seeds / epochs          1 .. 10,000
price                   0 .. 1e6 per unit
factor (speedup, ...)   1e-6 .. 1e6
times (ISO 8601)        1970 .. 2100
energy budget (kWh)     > 0 .. 1e9             a TWh is more than any training run
CO2e budget (kg)        > 0 .. 1e9             a million tonnes, likewise
FLOPs                   > 0 .. 1e30            the largest published training runs are ~1e25-1e26
parameters              > 0 .. 1e15            the largest published models have ~1e12
tokens                  > 0 .. 1e18            the largest training sets are ~1e13-1e14
TFLOP/s per device      > 0 .. 1e5             the fastest boards peak at a few thousand (FP4, sparse)
share (width, rate)     > 0 .. < 1             a part of a whole that is neither none nor all of it
loss weight             0 .. 1                 a convex mix of two losses
fine-tuning epochs      0 .. 10,000            none is a valid choice (prune without fine-tuning)
iteration               0 .. 1e9
width (units)           1 .. 1,000,000         hidden units or channels of one layer
rounds                  1 .. 10,000            pruning rounds, measurement windows
threads                 1 .. 4,096
temperature             > 0 .. 1000            distillation softens logits by a few to tens
TCP port                1 .. 65,535            0 (any free port) where the option says so
samples kept per meter  1 .. 1e12              more than 100 years at the fastest sampling interval
======================  =====================  ==========================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from mlfootprint.errors import InvalidValueError

__all__ = [
    "BUDGET_KG",
    "BUDGET_KWH",
    "COUNT",
    "DURATION_H",
    "DURATION_S",
    "EPOCHS",
    "FACTOR",
    "FINETUNE_EPOCHS",
    "FLOPS",
    "FLUSH_INTERVAL_S",
    "FRACTION",
    "INTENSITY_G_PER_KWH",
    "INTENSITY_KG_PER_KWH",
    "INTERVAL_S",
    "ITERATION",
    "LIMIT",
    "MAX_YEAR",
    "MIN_YEAR",
    "PARAMS",
    "PCT",
    "PORT",
    "PORT_OR_ANY",
    "POWER_W",
    "PRICE",
    "PUE",
    "ROUNDS",
    "SAMPLES_KEPT",
    "SEEDS",
    "SHARE",
    "SLACK_H",
    "TEMPERATURE",
    "TFLOPS",
    "THREADS",
    "TIME_MAX",
    "TIME_MIN",
    "TOKENS",
    "WEIGHT",
    "WIDTH",
    "YEAR",
    "Bound",
    "arg_type",
    "check_time",
    "number_from_text",
    "or_word",
]

MIN_YEAR = 1990
MAX_YEAR = 2100
#: the times any command accepts (arrivals, deadlines, series rows, ledger timestamps)
TIME_MIN = datetime(1970, 1, 1, tzinfo=timezone.utc)
TIME_MAX = datetime(MAX_YEAR, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bound:
    """The valid range of one quantity.

    Attributes:
        quantity: what it is, in words (``"PUE"``).
        unit: its unit as shown (``"g CO2e/kWh"``; empty for ratios).
        low: the smallest valid value (inclusive unless ``low_open``).
        high: the largest valid value (inclusive unless ``high_open``).
        low_open: whether ``low`` itself is invalid (a duration of 0).
        high_open: whether ``high`` itself is invalid (a share of 1 is the whole).
        integer: whether the value must be whole.
        unit_hint: given a value outside the bound, the unit it probably is (or None).
    """

    quantity: str
    unit: str
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    unit_hint: Callable[[float], str | None] | None = None

    def describe(self) -> str:
        """The bound in words: ``must be between 1 and 3``."""
        unit = f" {self.unit}" if self.unit else ""
        low, high = _fmt(self.low, self.integer), _fmt(self.high, self.integer)
        if not (self.low_open or self.high_open):
            return f"must be between {low} and {high}{unit}"
        lower = f"greater than {low}" if self.low_open else f"at least {low}"
        upper = f"less than {high}" if self.high_open else f"at most {high}"
        return f"must be {lower} and {upper}{unit}"

    def problem(self, value: float) -> str | None:
        """Why ``value`` is invalid, or None when it is valid."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "is not a number"
        if isinstance(value, float) and not math.isfinite(value):
            return "is not a finite number"
        if self.integer and isinstance(value, float) and not value.is_integer():
            return "is not a whole number"
        too_low = value <= self.low if self.low_open else value < self.low
        too_high = value >= self.high if self.high_open else value > self.high
        if too_low or too_high:
            hint = self.unit_hint(float(value)) if self.unit_hint is not None else None
            return self.describe() + (f" ({hint})" if hint else "")
        if self.unit_hint is not None:
            hint = self.unit_hint(float(value))
            if hint:
                return f"looks like the wrong unit: {hint}"
        return None

    def check(self, value: float, origin: str) -> float:
        """``value`` if it is valid, else ``InvalidValueError`` naming ``origin`` (option, variable, file)."""
        reason = self.problem(value)
        if reason is not None:
            raise InvalidValueError(origin, value, reason)
        return float(value) if not self.integer else value

    def parse(self, text: str, origin: str) -> float:
        """Parse ``text`` as this quantity (``InvalidValueError`` naming ``origin`` when it is not one)."""
        number = number_from_text(text, integer=self.integer)
        if number is None:
            kind = "a whole number" if self.integer else "a number"
            raise InvalidValueError(origin, _short(text), f"is not {kind}")
        reason = self.problem(number)
        if reason is not None:
            raise InvalidValueError(origin, _short(text), reason)
        return number


def _fmt(value: float, integer: bool) -> str:
    return f"{int(value):,}" if integer else f"{value:g}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def number_from_text(text: str, *, integer: bool = False) -> float | None:
    """``text`` as a number (an int when ``integer``), or None; never raises, never makes huge ints."""
    stripped = text.strip()
    if not stripped or len(stripped) > 64 or not stripped.isascii():
        return None
    if integer:
        if not stripped.lstrip("+-").isdigit():
            return None
        # beyond 64 bits is beyond every bound: kept as a float so that it is refused by range
        return float(stripped) if len(stripped) > 18 else int(stripped)
    try:
        return float(stripped)
    except ValueError:
        return None


def _intensity_kg_hint(value: float) -> str | None:
    if 2 < value <= 2000:
        return f"{value:g} looks like g/kWh; in kg/kWh that is {value / 1000:g}"
    return None


def _pue_hint(value: float) -> str | None:
    if 0 < value < 1:
        return "a PUE is facility energy / IT energy, never below 1"
    if 100 <= value <= 300:
        return f"{value:g} looks like a percentage; as a ratio that is {value / 100:g}"
    return None


PUE = Bound(quantity="PUE", unit="", low=1.0, high=3.0, unit_hint=_pue_hint)
INTENSITY_G_PER_KWH = Bound(quantity="carbon intensity", unit="g CO2e/kWh", low=0.0, high=2000.0)
INTENSITY_KG_PER_KWH = Bound(
    quantity="carbon intensity", unit="kg CO2e/kWh", low=0.0, high=2.0, unit_hint=_intensity_kg_hint
)
POWER_W = Bound(quantity="power", unit="W", low=0.0, high=5000.0, low_open=True)
DURATION_S = Bound(quantity="duration", unit="s", low=0.0, high=100 * 365.25 * 86400, low_open=True)
DURATION_H = Bound(quantity="duration", unit="h", low=0.0, high=100 * 365.25 * 24, low_open=True)
#: hours that may be zero (a slack)
SLACK_H = Bound(quantity="slack", unit="h", low=0.0, high=100 * 365.25 * 24)
INTERVAL_S = Bound(quantity="sampling interval", unit="s", low=0.05, high=3600.0)
FLUSH_INTERVAL_S = Bound(quantity="flush interval", unit="s", low=0.05, high=86400.0)
COUNT = Bound(quantity="count", unit="", low=1, high=10_000_000, integer=True)
PCT = Bound(quantity="percentage", unit="%", low=0.0, high=100.0)
YEAR = Bound(quantity="year", unit="", low=MIN_YEAR, high=MAX_YEAR, integer=True)
LIMIT = Bound(quantity="limit", unit="", low=1, high=1_000_000, integer=True)
SEEDS = Bound(quantity="seeds", unit="", low=1, high=10_000, integer=True)
EPOCHS = Bound(quantity="epochs", unit="", low=1, high=10_000, integer=True)
PRICE = Bound(quantity="price", unit="", low=0.0, high=1e6)
FACTOR = Bound(quantity="factor", unit="", low=1e-6, high=1e6)
FRACTION = Bound(quantity="fraction", unit="", low=0.0, high=1.0, low_open=True)
BUDGET_KWH = Bound(quantity="energy budget", unit="kWh", low=0.0, high=1e9, low_open=True)
FLOPS = Bound(quantity="FLOPs", unit="", low=0.0, high=1e30, low_open=True)
PARAMS = Bound(quantity="parameter count", unit="", low=0.0, high=1e15, low_open=True)
TOKENS = Bound(quantity="token count", unit="", low=0.0, high=1e18, low_open=True)
TFLOPS = Bound(quantity="throughput", unit="TFLOP/s", low=0.0, high=1e5, low_open=True)
BUDGET_KG = Bound(quantity="CO2e budget", unit="kg", low=0.0, high=1e9, low_open=True)
#: a part of a whole that is neither none nor all of it (a student's width, a sparsity, a pruning rate)
SHARE = Bound(quantity="share", unit="", low=0.0, high=1.0, low_open=True, high_open=True)
#: the weight of one of two losses mixed convexly (distillation's alpha)
WEIGHT = Bound(quantity="weight", unit="", low=0.0, high=1.0)
FINETUNE_EPOCHS = Bound(quantity="fine-tuning epochs", unit="", low=0, high=10_000, integer=True)
ITERATION = Bound(quantity="iteration", unit="", low=0, high=1_000_000_000, integer=True)
WIDTH = Bound(quantity="width", unit="", low=1, high=1_000_000, integer=True)
ROUNDS = Bound(quantity="rounds", unit="", low=1, high=10_000, integer=True)
THREADS = Bound(quantity="threads", unit="", low=1, high=4096, integer=True)
TEMPERATURE = Bound(quantity="temperature", unit="", low=0.0, high=1000.0, low_open=True)
SAMPLES_KEPT = Bound(quantity="samples kept", unit="", low=1, high=1e12, integer=True)
PORT = Bound(quantity="port", unit="", low=1, high=65535, integer=True)
#: a port to serve on where 0 asks the system for any free one
PORT_OR_ANY = Bound(quantity="port", unit="", low=0, high=65535, integer=True)


def or_word(reason: str, word: str) -> str:
    """``reason`` for a quantity that also takes ``word``: ``must be 'all' or between 1 and 10``."""
    for verb in ("must be ", "is not "):
        if reason.startswith(verb):
            return f"{verb}{word!r} or {reason[len(verb) :]}"
    return f"{reason} (or {word!r})"


def arg_type(bound: Bound) -> Callable[[str], float]:
    """An argparse ``type=`` that parses and checks ``bound`` (argparse names the option)."""

    def convert(text: str) -> float:
        try:
            return bound.parse(text, "value")
        except InvalidValueError as exc:
            import argparse  # the command line has it loaded; a tracked run does not need it

            raise argparse.ArgumentTypeError(f"{_short(text)!r} {exc.reason}") from None

    convert.__name__ = bound.quantity.replace(" ", "_")
    return convert


def check_time(value: datetime, origin: str) -> datetime:
    """``value`` (aware) if it lies between 1970 and 2100, else ``InvalidValueError`` naming ``origin``."""
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not TIME_MIN <= aware <= TIME_MAX:
        raise InvalidValueError(origin, value.isoformat(), f"must be between 1970 and {MAX_YEAR}")
    return aware
