"""Every training and measurement of the study is an ordinary tracked run in the ledger.

The study uses the public API only (``mlfootprint.track`` and ``mlfootprint.store.open_store``), tags each
run with the study id, the model, its role and seed, and keeps what the records say.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import mlfootprint
from mlfootprint.study.compression.results import RunCost

if TYPE_CHECKING:
    from mlfootprint import Tracker
    from mlfootprint.records import RunRecord
    from mlfootprint.store import RunStore

__all__ = ["StudyRecorder", "cost_of"]


def cost_of(record: RunRecord) -> RunCost:
    """A run's totals as the study uses them (facility energy, PUE applied, and CO2e)."""
    return RunCost(
        run_id=record.id,
        energy_j=record.energy_j,
        energy_j_low=record.energy_j_low,
        energy_j_high=record.energy_j_high,
        co2e_g=record.co2e_g,
        duration_s=record.duration_s,
    )


class StudyRecorder:
    """Opens one tracked run per training or measurement, tagged with the study id.

    Args:
        study_id: the tag every run carries (``study=<id>``).
        project: the ledger project of the runs.
        store: the ledger (the caller keeps ownership).
        region: grid region for CO2e (None: the world average, and the tracker says so).
        scope: ``"process"`` (the study's own CPU time) or ``"machine"`` for the CPU estimate.
        tags: tags added to every run (dataset, family).
        warn: receives each distinct warning the tracker issues (e.g. no region given).
    """

    def __init__(
        self,
        *,
        study_id: str,
        project: str,
        store: RunStore,
        region: str | None,
        scope: str,
        tags: Mapping[str, str],
        warn: Callable[[str], None],
    ) -> None:
        self.study_id = study_id
        self._project = project
        self._store = store
        self._region = region
        self._scope = scope
        self._tags = {"study": study_id, **tags}
        self._warn = warn
        self._seen: set[str] = set()
        self.records: list[RunRecord] = []

    @contextmanager
    def run(self, name: str, *, model: str, role: str, seed: int | None = None) -> Iterator[Tracker]:
        """A tracked run around the block; its record is appended to ``records`` when it ends."""
        tags = {**self._tags, "model": model, "role": role}
        if seed is not None:
            tags["seed"] = str(seed)
        tracker = mlfootprint.track(
            project=self._project,
            name=name,
            region=self._region,
            scope=self._scope,
            store=self._store,
            tags=tags,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tracker.start()
        for message in caught:
            text = str(message.message)
            if text not in self._seen:
                self._seen.add(text)
                self._warn(text)
        try:
            yield tracker
        except BaseException as exc:
            tracker.stop(status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
            raise
        self.records.append(tracker.stop())

    def last_cost(self) -> RunCost:
        """The totals of the run that ended last."""
        return cost_of(self.records[-1])
