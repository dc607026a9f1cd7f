"""The 4M what-if: how Model, Machine, Mechanization and Map change a run's energy and CO2e.

Patterson et al. 2022 name four practices that compound: a more efficient **model**, a more efficient
**machine**, a more efficient datacenter (**mechanization**, i.e. PUE) and a cleaner grid (**map**).
This package applies them one after the other to a baseline and reports each factor's multiplier.

The model used (pure arithmetic, no I/O):

* baseline IT energy = (count x device power + host power) x duration; facility energy = IT x PUE;
  CO2e = facility kWh x intensity (gross) and x net intensity (after carbon-free-energy matching;
  equal to gross when no net figure is known, as Patterson 2021 does for the US average).
* **model**: training time scales by ``time_factor`` (a measured ratio new/old on the same machine, or
  else the FLOPs ratio, which assumes the same achieved throughput); the device power may change to a
  measured ``power_w``.
* **machine**: time scales by ``1 / speedup`` (measured) or else by ``old peak / new peak`` FP16/BF16
  throughput (time proportional to 1 / peak, a model that ignores utilisation differences); device power
  becomes the new machine's average power (measured where published, else TDP). Host power scales with
  time only.
* **mechanization**: energy scales by ``new PUE / old PUE``.
* **map**: CO2e scales by ``new intensity / old intensity`` (gross and net separately); energy unchanged.
  A time shift (``reduce.whatif_inputs.time_shift_change``) is a map change whose intensity is the
  baseline's scaled by the series' best-window / start-now ratio.

Every multiplier is ``new / old`` (``< 1`` is a saving); ``reduction_x`` is its inverse ("5.6x less").

The package has one module per concept: ``baseline`` (the run it starts from), ``model``, ``machine``,
``mechanization`` and ``map`` (each its change and how it applies), ``factor`` (one change's multipliers)
and ``combine`` (the four applied in order).
"""

from __future__ import annotations

from mlfootprint.reduce.whatif.baseline import Baseline, baseline_from_run
from mlfootprint.reduce.whatif.combine import WhatIfResult, whatif
from mlfootprint.reduce.whatif.factor import Factor
from mlfootprint.reduce.whatif.machine import MachineChange
from mlfootprint.reduce.whatif.map import MapChange
from mlfootprint.reduce.whatif.mechanization import MechanizationChange
from mlfootprint.reduce.whatif.model import ModelChange

__all__ = [
    "Baseline",
    "Factor",
    "MachineChange",
    "MapChange",
    "MechanizationChange",
    "ModelChange",
    "WhatIfResult",
    "baseline_from_run",
    "whatif",
]
