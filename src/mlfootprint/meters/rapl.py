"""Linux RAPL energy counters through powercap sysfs (``/sys/class/powercap``).

Layout (as the kernel presents it)::

    intel-rapl:0/            name=package-0   the CPU package (cores + uncore)
      intel-rapl:0:0/        name=core        inside the package: never added to it
      intel-rapl:0:1/        name=uncore      inside the package: never added to it
      intel-rapl:0:2/        name=dram        the memory attached to that package: added as DRAM
    intel-rapl:1/            name=psys        the whole SoC platform (client chips): see below
    intel-rapl-mmio:0/       name=package-0   the same package through MMIO: a duplicate, skipped

What is counted: every package zone (component ``cpu``) and every ``dram`` sub-zone (component
``dram``). ``psys`` covers the package, the DRAM and more, so adding it would count them twice: it
is used only when the machine has no package zone, and otherwise listed by ``probe()`` as not used.
AMD Zen processors (Linux 5.8+) appear under the same ``intel-rapl`` names; ``amd-rapl`` names
are accepted too.

Counters wrap at ``max_energy_range_uj`` (about 262 kJ on many Intel parts: some 20 minutes at
200 W); every read corrects one wrap, and the sampler reads far more often than that.

Since Linux 5.10, ``energy_uj`` is readable by root only (the PLATYPUS power side channel,
CVE-2020-8694); ``probe()`` says so and gives the fix, and discovery falls back to the estimate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError, MeterUnavailableError
from mlfootprint.meters.base import Meter, ProbeResult
from mlfootprint.meters.integrating import counter_delta

__all__ = ["RAPLMeter", "RAPLProvider", "RAPLZone", "find_rapl_zones"]

DEFAULT_ROOT = Path("/sys/class/powercap")

_TOP = re.compile(r"^(?P<prefix>[a-z]+-rapl(?:-mmio)?):(?P<index>\d+)$")

PERMISSION_FIX = (
    "allow reading the counters (this opens a power side channel to local users): "
    "sudo chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*/*/energy_uj "
    "(until reboot), or for good a udev rule in /etc/udev/rules.d/70-powercap.rules: "
    'ACTION=="add", SUBSYSTEM=="powercap", RUN+="/bin/chmod o+r /sys%p/energy_uj"'
)

ReadText = Callable[[Path], str]


def _read_path(path: Path) -> str:
    return path.read_text(encoding="ascii")


@dataclass(frozen=True, slots=True, kw_only=True)
class RAPLZone:
    """One powercap zone we may count: where it is, what it is, and its wrap range."""

    path: Path
    label: str  # e.g. "package-0", "package-0/dram", "psys"
    component: str  # cpu | dram | psys
    max_energy_range_uj: int | None


def _zone_name(path: Path, read_text: ReadText) -> str:
    return read_text(path / "name").strip()


def _max_range(path: Path, read_text: ReadText) -> int | None:
    try:
        return int(read_text(path / "max_energy_range_uj").strip())
    except (OSError, ValueError):
        return None


def find_rapl_zones(root: Path, read_text: ReadText = _read_path) -> tuple[list[RAPLZone], list[RAPLZone]]:
    """The zones to count and the zones left out (psys beside packages, MMIO duplicates).

    Core and uncore sub-zones are neither: they are inside their package and never listed.
    """
    if not root.is_dir():
        return [], []
    packages: list[RAPLZone] = []
    drams: list[RAPLZone] = []
    psys: list[RAPLZone] = []
    mmio: list[tuple[Path, str]] = []
    for top in sorted(root.iterdir(), key=lambda p: p.name):
        match = _TOP.match(top.name)
        if match is None or not top.is_dir():
            continue
        try:
            name = _zone_name(top, read_text)
        except OSError:
            continue
        if match.group("prefix").endswith("-mmio"):
            mmio.append((top, name))
            continue
        if name.startswith("psys"):
            psys.append(
                RAPLZone(
                    path=top, label=name, component="psys", max_energy_range_uj=_max_range(top, read_text)
                )
            )
            continue
        if name == "dram":
            drams.append(
                RAPLZone(
                    path=top, label="dram", component="dram", max_energy_range_uj=_max_range(top, read_text)
                )
            )
            continue
        if not name.startswith("package"):
            continue
        packages.append(
            RAPLZone(path=top, label=name, component="cpu", max_energy_range_uj=_max_range(top, read_text))
        )
        for child in sorted(top.glob(f"{top.name}:*")):
            try:
                child_name = _zone_name(child, read_text)
            except OSError:
                continue
            if child_name == "dram":
                drams.append(
                    RAPLZone(
                        path=child,
                        label=f"{name}/dram",
                        component="dram",
                        max_energy_range_uj=_max_range(child, read_text),
                    )
                )
    package_names = {z.label for z in packages}
    left_out = [
        RAPLZone(path=p, label=f"{n} (MMIO duplicate)", component="cpu", max_energy_range_uj=None)
        for p, n in mmio
        if n in package_names
    ]
    packages += [
        RAPLZone(path=p, label=n, component="cpu", max_energy_range_uj=_max_range(p, read_text))
        for p, n in mmio
        if n not in package_names and n.startswith("package")
    ]
    if packages:
        return packages + drams, left_out + psys
    return psys + drams, left_out


def _read_counter(zone: Path, read_text: ReadText) -> int:
    path = zone / "energy_uj"
    try:
        return int(read_text(path).strip())
    except PermissionError as exc:
        raise MeterUnavailableError(f"{path} is readable by root only; {PERMISSION_FIX}") from exc
    except (OSError, ValueError) as exc:
        raise MeterError(f"cannot read RAPL counter {path}: {exc}") from exc


class RAPLMeter:
    """One RAPL zone's ``energy_uj`` counter, wrap-corrected, in joules since open."""

    def __init__(self, zone: RAPLZone, *, read_text: ReadText = _read_path) -> None:
        self._zone = zone
        self._read_text = read_text
        self._last_uj = _read_counter(zone.path, read_text)
        self._total_uj = 0
        self._closed = False

    @property
    def meter_id(self) -> str:
        return f"rapl:{self._zone.label}"

    @property
    def component(self) -> str:
        return self._zone.component

    @property
    def method(self) -> str:
        return "counter"

    @property
    def source(self) -> str:
        return f"RAPL energy counter ({self._zone.label}, {self._zone.path.name})"

    @property
    def is_estimate(self) -> bool:
        return False

    def read_energy_j(self) -> float:
        if self._closed:
            raise MeterError(f"meter {self.meter_id} is closed")
        current = _read_counter(self._zone.path, self._read_text)
        self._total_uj += counter_delta(self._last_uj, current, self._zone.max_energy_range_uj)
        self._last_uj = current
        return self._total_uj / 1e6

    def energy_bounds_j(self) -> tuple[float, float]:
        value = self._total_uj / 1e6
        return (value, value)

    def close(self) -> None:
        self._closed = True


class RAPLProvider:
    """Package and DRAM counters from powercap sysfs.

    Args:
        root: the powercap directory (tests pass a ``tmp_path`` built with ``make_rapl_zone``).
        read_text: reads one sysfs file; injectable so tests can simulate files that refuse to be read
            (``chmod 000`` does not stop root).
    """

    name = "rapl"

    def __init__(self, root: Path = DEFAULT_ROOT, *, read_text: ReadText | None = None) -> None:
        self._root = root
        self._read_text: ReadText = read_text or _read_path

    def zones(self) -> tuple[list[RAPLZone], list[RAPLZone]]:
        """(zones counted, zones left out) under the root."""
        return find_rapl_zones(self._root, self._read_text)

    @property
    def components(self) -> frozenset[str]:
        """The components the readable zones cover (``cpu``, ``dram``, ``psys``)."""
        if not self.probe().available:
            return frozenset()
        return frozenset(z.component for z in self.zones()[0])

    def probe(self) -> ProbeResult:
        used, left_out = self.zones()
        if not used:
            return ProbeResult(
                provider=self.name,
                available=False,
                reason=(
                    f"no RAPL zones under {self._root} "
                    "(not Linux on bare metal, a VM, or the driver is not loaded)"
                ),
                fix="on bare-metal Linux: sudo modprobe intel_rapl_common (AMD Zen needs Linux 5.8 or newer)",
            )
        for zone in used:
            try:
                _read_counter(zone.path, self._read_text)
            except MeterUnavailableError:
                return ProbeResult(
                    provider=self.name,
                    available=False,
                    reason=f"{zone.path / 'energy_uj'} is readable by root only (Linux 5.10+, CVE-2020-8694)",
                    fix=PERMISSION_FIX,
                    devices=tuple(z.label for z in used),
                )
            except MeterError as exc:
                return ProbeResult(provider=self.name, available=False, reason=str(exc), fix=None)
        devices = tuple(f"{z.label}: counted as {z.component}" for z in used) + tuple(
            f"{z.label}: not counted (would double-count package and DRAM)"
            if z.component == "psys"
            else f"{z.label}: not counted"
            for z in left_out
        )
        return ProbeResult(
            provider=self.name, available=True, reason=f"{len(used)} RAPL zone(s) readable", devices=devices
        )

    def open(self, *, clock: Clock) -> list[Meter]:
        used, _ = self.zones()
        if not used:
            raise MeterUnavailableError(f"no RAPL zones under {self._root}")
        return [RAPLMeter(zone, read_text=self._read_text) for zone in used]
