"""What experiment trackers receive: per-epoch metrics from each top-level phase, and the run's report.

An *epoch* is a phase named ``epoch...`` at any depth (the Lightning, Keras and Hugging Face callbacks
open ``epoch-N`` inside their ``fit`` stage phase), or any other top-level phase except the stage phases
``fit``, ``train``, ``validate``, ``test`` and ``predict`` (``with run.phase("warmup"):``); other nested
phases are not logged. For each epoch, in display units:

* ``mlfootprint/epoch_energy_kwh``   facility energy of the epoch (IT energy of its components x PUE)
* ``mlfootprint/epoch_co2e_g``       that energy x the run's grid intensity
* ``mlfootprint/epoch_power_w``      its mean facility power; ``.../epoch_power_w/<component>`` the IT
  power of each component (gpu, cpu, dram, ...)
* ``mlfootprint/epoch_duration_s``
* ``mlfootprint/energy_kwh`` and ``mlfootprint/co2e_g``: the same summed over the epochs so far
* with ``units_per_epoch`` (e.g. the training samples per epoch): ``mlfootprint/energy_j_per_<unit>`` and
  ``mlfootprint/co2e_mg_per_<unit>``.

At the end of the run the run's totals go in as metrics too (``run_metrics``), and its carbon statement
(Markdown and JSON, the same as ``mlfootprint report``) as an artifact.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import PhaseRecord, RunRecord, Sample
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = ["EpochSink", "epoch_metrics", "final_metrics", "write_report"]

PREFIX = "mlfootprint/"


def _unit_name(unit: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", unit.strip().lower()).strip("_")
    if not name:
        raise InvalidValueError("unit", unit, "must name what is counted, e.g. 'sample' or 'token'")
    return name


#: phases that hold epochs rather than being one
STAGES = frozenset({"fit", "train", "validate", "test", "predict"})


def is_epoch(phase: PhaseRecord) -> bool:
    """Whether experiment trackers log ``phase`` as one epoch (see the module's docstring)."""
    if phase.name.lower().startswith("epoch"):
        return True
    return phase.parent is None and phase.name.lower() not in STAGES


def epoch_metrics(
    run: RunRecord, phase: PhaseRecord, *, units: float | None = None, unit: str = "sample"
) -> dict[str, float]:
    """The metrics of one epoch (pure; see the module's docstring for their meaning)."""
    energy_j = phase.energy_j * run.pue
    energy_kwh = kwh_from_j(energy_j)
    co2e_g = energy_kwh * run.intensity_g_per_kwh
    metrics = {
        f"{PREFIX}epoch_energy_kwh": energy_kwh,
        f"{PREFIX}epoch_co2e_g": co2e_g,
        f"{PREFIX}epoch_duration_s": phase.duration_s,
    }
    if phase.duration_s > 0:
        metrics[f"{PREFIX}epoch_power_w"] = energy_j / phase.duration_s
        component_of = {c.meter_id: c.component for c in run.components}
        by_component: dict[str, float] = {}
        for meter_id, joules in phase.components.items():
            component = component_of.get(meter_id, "other")
            by_component[component] = by_component.get(component, 0.0) + joules
        for component, joules in sorted(by_component.items()):
            metrics[f"{PREFIX}epoch_power_w/{component}"] = joules / phase.duration_s
    if units is not None and units > 0:
        name = _unit_name(unit)
        metrics[f"{PREFIX}energy_j_per_{name}"] = energy_j / units
        metrics[f"{PREFIX}co2e_mg_per_{name}"] = 1000.0 * co2e_g / units
    return metrics


def final_metrics(run: RunRecord) -> dict[str, float]:
    """The run's totals (display units), logged once at the end."""
    metrics = {
        f"{PREFIX}run_energy_kwh": kwh_from_j(run.energy_j),
        f"{PREFIX}run_energy_kwh_low": kwh_from_j(run.energy_j_low),
        f"{PREFIX}run_energy_kwh_high": kwh_from_j(run.energy_j_high),
        f"{PREFIX}run_co2e_kg": kg_from_g(run.co2e_g),
        f"{PREFIX}run_co2e_kg_low": kg_from_g(run.co2e_g_low),
        f"{PREFIX}run_co2e_kg_high": kg_from_g(run.co2e_g_high),
        f"{PREFIX}run_duration_s": run.duration_s,
        f"{PREFIX}run_intensity_g_per_kwh": run.intensity_g_per_kwh,
        f"{PREFIX}run_pue": run.pue,
    }
    if run.duration_s > 0:
        metrics[f"{PREFIX}run_power_w"] = run.energy_j / run.duration_s
    if run.co2e_g_net is not None:
        metrics[f"{PREFIX}run_co2e_kg_net"] = kg_from_g(run.co2e_g_net)
    return metrics


def write_report(run: RunRecord, folder: Path) -> list[Path]:
    """Write the run's carbon statement as Markdown and JSON into ``folder``; return the files."""
    from mlfootprint.reference import list_tables
    from mlfootprint.report.json_report import render_json
    from mlfootprint.report.markdown import render_markdown
    from mlfootprint.report.statement import statement_from_run, table_versions
    from mlfootprint.serialize import run_to_dict

    statement = statement_from_run(run, tables=table_versions(list_tables()))
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / f"mlfootprint-{run.id}.md"
    js = folder / f"mlfootprint-{run.id}.json"
    md.write_text(render_markdown(statement), encoding="utf-8")
    js.write_text(render_json(statement, run=run_to_dict(run)), encoding="utf-8")
    return [md, js]


class EpochSink(ABC):
    """A sink that logs one step per epoch and the report at the end; subclasses say where to."""

    name = "experiment tracker"

    def __init__(self, *, units_per_epoch: float | None = None, unit: str = "sample") -> None:
        if units_per_epoch is not None and not units_per_epoch > 0:
            raise InvalidValueError("units_per_epoch", units_per_epoch, "must be a positive count")
        self.units_per_epoch = units_per_epoch
        self.unit = _unit_name(unit)
        self.epochs = 0
        self._energy_kwh = 0.0
        self._co2e_g = 0.0

    @abstractmethod
    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Record ``metrics`` at ``step`` (the epoch index)."""

    @abstractmethod
    def log_final(self, run: RunRecord, metrics: dict[str, float], report: Sequence[Path]) -> None:
        """Record the totals and attach the report files; end what the sink began."""

    def start(self, run: RunRecord) -> None:  # noqa: B027 -- optional hook
        """Nothing to do: the tracker's run exists in the experiment tracker from construction."""

    def flush(self, run: RunRecord, samples: Sequence[Sample]) -> None:  # noqa: B027 -- optional hook
        """Nothing per flush: experiment trackers are logged per epoch."""

    def phase(self, run: RunRecord, phase: PhaseRecord) -> None:
        if not is_epoch(phase):
            return
        metrics = epoch_metrics(run, phase, units=self.units_per_epoch, unit=self.unit)
        self._energy_kwh += metrics[f"{PREFIX}epoch_energy_kwh"]
        self._co2e_g += metrics[f"{PREFIX}epoch_co2e_g"]
        metrics[f"{PREFIX}energy_kwh"] = self._energy_kwh
        metrics[f"{PREFIX}co2e_g"] = self._co2e_g
        self.log_metrics(metrics, self.epochs)
        self.epochs += 1

    def stop(self, run: RunRecord) -> None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="mlfootprint-report-") as tmp:
            files = write_report(run, Path(tmp))
            self.log_final(run, final_metrics(run), files)
