"""The shared-machine warning: other processes' share of the CPU during a machine-scope run."""

from __future__ import annotations

import pytest

from mlfootprint.tracking.sharedload import CpuSnapshot, other_share, shared_machine_warning, snapshot


def test_share_of_other_processes_is_busy_time_not_ours() -> None:
    before = CpuSnapshot(machine_busy_s=100.0, own_s=10.0)
    after = CpuSnapshot(machine_busy_s=110.0, own_s=12.5)  # machine busy 10 s, of which ours 2.5 s
    assert other_share(before, after) == pytest.approx(0.75)


def test_warns_only_for_machine_scope_above_the_threshold() -> None:
    before = CpuSnapshot(machine_busy_s=0.0, own_s=0.0)
    busy = CpuSnapshot(machine_busy_s=4.0, own_s=1.0)  # 75 % others
    quiet = CpuSnapshot(machine_busy_s=4.0, own_s=3.0)  # 25 % others
    text = shared_machine_warning(before, busy, scope="machine")
    assert text is not None and "75 %" in text and "--scope process" in text
    assert shared_machine_warning(before, busy, scope="process") is None
    assert shared_machine_warning(before, quiet, scope="machine") is None
    # too little CPU time to say anything, or counters unreadable
    assert shared_machine_warning(before, CpuSnapshot(machine_busy_s=0.1, own_s=0.0), scope="machine") is None
    assert shared_machine_warning(None, busy, scope="machine") is None


def test_snapshot_reads_injected_counters_and_survives_unreadable_ones() -> None:
    assert snapshot(lambda: 5.0, lambda: 2.0) == CpuSnapshot(machine_busy_s=5.0, own_s=2.0)

    def unreadable() -> float:
        raise OSError("no /proc/stat")

    assert snapshot(unreadable, lambda: 0.0) is None
    real = snapshot()
    assert real is not None and real.machine_busy_s > 0
