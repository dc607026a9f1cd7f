"""Bounded storage in the ledger itself, on both backends: folding samples, merging, incremental phases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from helpers.store_strategies import T0, make_run, make_samples
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import PhaseRecord
from mlfootprint.store import open_store
from mlfootprint.store.compaction import Compaction, compaction_for, parse_keep_samples


def test_samples_before_the_boundary_fold_into_aggregates_that_merge_across_flushes(store_url: str) -> None:
    run = make_run(duration_s=40.0)
    # energy_j = 100 * t, power_w = 100 + t (see make_samples)
    with open_store(store_url) as store:
        store.save(run, make_samples("gpu", [1.0, 2.0, 3.0, 11.0, 12.0]))
        # boundary 10 s (before_s 12 rounded down to a whole 10-s aggregate): t 1, 2, 3 fold
        store.save(run, (), compaction=Compaction(meter_ids=("gpu",), before_s=12.0, width_s=10.0))
        (first,) = store.aggregates(run.id)
        assert (first.t_s, first.width_s, first.samples) == (0.0, 10.0, 3)
        assert (first.first_t_s, first.last_t_s) == (1.0, 3.0)
        assert (first.energy_j_first, first.energy_j_last) == (100.0, 300.0)
        assert (first.power_w_min, first.power_w_mean, first.power_w_max) == (101.0, 102.0, 103.0)
        assert [s.t_s for s in store.samples(run.id)] == [11.0, 12.0]
        # a late sample of an already folded interval (a retried flush) merges into it
        store.save(
            run, make_samples("gpu", [5.0, 21.0]),
            compaction=Compaction(meter_ids=("gpu",), before_s=25.0, width_s=10.0),
        )  # fmt: skip
        merged, second = store.aggregates(run.id)
        assert (merged.samples, merged.first_t_s, merged.last_t_s) == (4, 1.0, 5.0)
        assert (merged.energy_j_first, merged.energy_j_last) == (100.0, 500.0)
        assert merged.power_w_mean == pytest.approx((101 + 102 + 103 + 105) / 4)
        assert (merged.power_w_min, merged.power_w_max) == (101.0, 105.0)
        assert (second.t_s, second.samples, second.energy_j_last) == (10.0, 2, 1200.0)
        assert [s.t_s for s in store.samples(run.id)] == [21.0]
        # plots read both: the first reading, then the last one of each bucket
        plot = store.plot_samples(run.id, max_points=4)
        assert [(p.t_s, p.energy_j) for p in plot] == [
            (1.0, 100.0),
            (5.0, 500.0),
            (12.0, 1200.0),
            (21.0, 2100.0),
        ]
        assert plot[1].power_w == pytest.approx(100.0)  # (500 - 100) J / (5 - 1) s
        assert store.delete_run(run.id) == run.id
        store.save(run)
        assert store.aggregates(run.id) == []


def test_phases_from_writes_only_the_new_phases(store_url: str) -> None:
    def phase(i: int) -> PhaseRecord:
        at = T0 + timedelta(seconds=i)
        return PhaseRecord(
            name=f"p{i}", parent=None, started_at=at, ended_at=at, duration_s=1.0, energy_j=float(i),
            components={"gpu": float(i)},
        )  # fmt: skip

    with open_store(store_url) as store:
        store.save(make_run(phases=tuple(phase(i) for i in range(3))))
        later = make_run(phases=tuple(phase(i) for i in range(5)))
        store.save(later, phases_from=3)
        assert [p.name for p in store.get_run(later.id).phases] == ["p0", "p1", "p2", "p3", "p4"]
        # the stored ones are not rewritten: a record that differs before ``phases_from`` is not read
        renamed = replace(later, phases=(replace(phase(0), name="other"), *later.phases[1:]))
        store.save(renamed, phases_from=5)
        assert store.get_run(later.id).phases[0].name == "p0"
        store.save(renamed)  # from 0: everything rewritten
        assert store.get_run(later.id).phases[0].name == "other"


def test_keep_samples_values() -> None:
    assert parse_keep_samples("all") is None and parse_keep_samples(None) is None
    assert parse_keep_samples("250") == 250
    for bad in ("0", "-3", "some"):
        with pytest.raises(InvalidValueError, match="keep_samples"):
            parse_keep_samples(bad)
    assert compaction_for(("gpu",), before_s=299.0) is None  # not one whole 5-minute aggregate yet
    plan = compaction_for(("gpu",), before_s=650.0)
    assert plan is not None and plan.boundary_s == 600.0
