from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlfootprint.errors import SeriesError, UnknownNameError
from mlfootprint.intensity.base import SeriesSet
from mlfootprint.reduce.where import best_regions, read_zone_groups, select_group, where_summary


def table() -> SeriesSet:
    values = np.array([[100.0, 50.0, 300.0], [100.0, 150.0, 10.0]])
    return SeriesSet(
        zones=("A", "B", "C"),
        times_s=np.array([0, 3600]),
        values_g_per_kwh=values,
        resolution_s=3600.0,
        source="t.csv",
    )


def test_one_and_infinite_migration() -> None:
    w = where_summary(table())
    # means 100, 100, 155 -> overall 118.33; hourly minima 50 and 10 -> mean 30
    assert w.mean_g_per_kwh == pytest.approx(355 / 3)
    assert (w.lowest_zone, w.highest_zone) == ("A", "C")
    assert w.one_migration_reduction_g_per_kwh == pytest.approx(355 / 3 - 100)
    assert w.infinite_migration_reduction_g_per_kwh == pytest.approx(355 / 3 - 30)
    with pytest.raises(UnknownNameError, match="closest"):
        where_summary(table(), ["A", "Bx"])


def test_best_region_per_job() -> None:
    r = best_regions(table(), ["A", "B", "C"], arrivals=np.array([0, 1]), length=1)
    assert [r.zones[i] for i in r.zone_index] == ["B", "C"]
    assert r.emissions.tolist() == [50.0, 10.0]
    assert r.home_emissions.tolist() == [100.0, 100.0]


def test_groups_file(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text("\ufeffzone_code,zone_name,Europe,USA\nDE,Germany,1,\nUS-X,X,,1\n", encoding="utf-8")
    groups = read_zone_groups(p)
    assert select_group(groups, "europe") == ("DE",)
    with pytest.raises(UnknownNameError):
        select_group(groups, "Mars")
    with pytest.raises(SeriesError):
        read_zone_groups(tmp_path / "none.csv")
