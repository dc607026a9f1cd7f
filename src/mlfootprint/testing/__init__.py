"""Public fakes for tests of code that uses mlfootprint (and for mlfootprint's own tests).

``FakeClock`` stands in for the clock; ``FakeMeter`` is a meter whose energy follows a power trace.
Hardware fakes (``FakeNVML``, ``FakeAMDSMI``, ``make_rapl_zone``, ``FakePsutil``) live beside them,
one module per thing faked.
"""

from mlfootprint.testing.amd import FakeAMDGPU, FakeAMDSMI, FakeAmdSmiError
from mlfootprint.testing.clock import FakeClock
from mlfootprint.testing.host import FakePsutil
from mlfootprint.testing.meter import FakeMeter
from mlfootprint.testing.nvml import FakeGPU, FakeNVML, FakeNVMLError
from mlfootprint.testing.rapl import make_rapl_zone, write_energy_uj
from mlfootprint.testing.traces import StepTrace

__all__ = [
    "FakeAMDGPU",
    "FakeAMDSMI",
    "FakeAmdSmiError",
    "FakeClock",
    "FakeGPU",
    "FakeMeter",
    "FakeNVML",
    "FakeNVMLError",
    "FakePsutil",
    "StepTrace",
    "make_rapl_zone",
    "write_energy_uj",
]
