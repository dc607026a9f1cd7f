"""What the ledger already holds of a tracked run, so that each flush writes only what is new.

A flush writes the run row (running totals, O(1)), the components (one row per meter), the phases that
ended since the last successful flush, and the new samples; samples that fell out of the recent window
are folded into aggregates (``store.compaction``). Nothing is recomputed over the run's history, so a
flush at hour 700 costs what a flush at minute 1 does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from mlfootprint.records import RunRecord
from mlfootprint.tracking.sampler import RawSample

__all__ = ["FlushState"]


class FlushState:
    """Counts what earlier flushes stored; gives the next flush's ``save`` options.

    Args:
        meter_ids: the run's meters.
        keep_samples: samples per meter kept at full resolution; None keeps every sample.
        aggregate_s: the width of one aggregate of older samples.
    """

    def __init__(
        self,
        meter_ids: Sequence[str],
        *,
        keep_samples: int | None,
        aggregate_s: float | None = None,
    ) -> None:
        self._meter_ids = tuple(meter_ids)
        self._keep_samples = keep_samples
        self._aggregate_s = aggregate_s
        #: the times of the latest ``keep_samples`` readings (the recent window)
        self._recent: deque[float] = deque(maxlen=keep_samples or 1)
        self.phases_saved = 0
        #: where the last stored compaction stopped: older samples are all folded already
        self.folded_to_s = 0.0

    def options(self, record: RunRecord, batch: Sequence[RawSample]) -> dict[str, Any]:
        """``save`` keyword arguments for saving ``record`` with ``batch``."""
        compaction = None
        keep = self._keep_samples
        if keep is not None:
            recent = self._recent
            last = recent[-1] if recent else float("-inf")
            new = [t for t in dict.fromkeys(t for _, t, _ in batch) if t > last]
            surplus = len(recent) + len(new) - keep  # readings that fall out of the window
            if surplus >= 0:  # the oldest reading kept, without copying the window (O(batch))
                oldest = recent[surplus] if surplus < len(recent) else new[surplus - len(recent)]
                from mlfootprint.store.compaction import DEFAULT_AGGREGATE_S, compaction_for  # window full

                compaction = compaction_for(
                    self._meter_ids,
                    before_s=oldest,
                    width_s=self._aggregate_s or DEFAULT_AGGREGATE_S,
                    after_s=self.folded_to_s,
                )
        return {"phases_from": min(self.phases_saved, len(record.phases)), "compaction": compaction}

    def saved(self, record: RunRecord, batch: Sequence[RawSample], options: dict[str, Any]) -> None:
        """Note a successful save of ``record`` with ``batch`` and the ``options`` it was saved with."""
        self.phases_saved = len(record.phases)
        compaction = options.get("compaction")
        if compaction is not None:
            self.folded_to_s = compaction.boundary_s
        recent = self._recent
        for t_s in dict.fromkeys(t for _, t, _ in batch):
            if not recent or t_s > recent[-1]:
                recent.append(t_s)
