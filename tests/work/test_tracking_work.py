"""Work recorded by the tracker: FLOPs, counts, metrics, prediction, budgets; stored and read back."""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.work.budget import BudgetWarning
from mlfootprint.work.costs import cost_of_result

SLOW = {"interval_s": 3600.0, "flush_interval_s": 3600.0}  # the sampler stays out of the way


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def gpu(clock: FakeClock, power_w: float = 250.0) -> FakeMeter:
    return FakeMeter(
        clock, meter_id="nvml:0", component="gpu", power_w=power_w, source="NVML (NVIDIA A100-SXM4-40GB)"
    )


def test_flops_counts_and_metrics_per_run_and_phase_are_stored(clock: FakeClock, store: SQLStore) -> None:
    with track(
        project="p", region="FR", pue=1.0, meters=[gpu(clock)], clock=clock, store=store, **SLOW
    ) as run:
        with run.phase("epoch-0"):
            clock.advance(100.0)
            run.add_flops(3e15)
            run.count(samples=1000, tokens=200_000)
        with run.phase("epoch-1"):
            clock.advance(100.0)
            run.add_flops(3e15)
            run.count(samples=1000, tokens=200_000)
            run.log_metric("accuracy", 0.91, step=1)
        run.count(requests=4)
    stored = store.get_run(run.id or "")
    work = {w.phase: w for w in stored.work}
    assert set(work) == {"", "epoch-0", "epoch-1"}
    assert work[""].flops == 6e15 and work[""].flops_method == "user"
    assert (work[""].samples, work[""].tokens, work[""].requests) == (2000, 400_000, 4)
    assert work["epoch-1"].flops == 3e15 and work["epoch-1"].samples == 1000
    assert [(m.name, m.value, m.step) for m in stored.metrics] == [("accuracy", 0.91, 1)]
    # 250 W x 200 s = 50 kJ; PUE 1.0
    cost = cost_of_result(stored)
    assert cost["per_unit"]["sample"]["energy_wh"] == pytest.approx(50_000 / 3600 / 2000)
    assert cost["per_unit"]["1k_tokens"]["flops"] == pytest.approx(6e15 / 400)
    assert cost["per_unit"]["request"]["co2e_g"] == pytest.approx(stored.co2e_g / 4)
    assert cost["achieved_tflops_per_device"] == pytest.approx(6e15 / 200 / 1e12)
    assert cost["flops_per_joule"] == pytest.approx(6e15 / 50_000)
    # A100 SXM4 40GB: 312 TFLOP/s FP16/BF16 peak in the accelerator table
    assert cost["mfu_frac"] == pytest.approx(30e12 / 312e12)
    assert "FP16/BF16 peak" in cost["mfu_basis"]


def test_bad_work_values_are_named(clock: FakeClock, store: SQLStore) -> None:
    with track(region="FR", meters=[gpu(clock)], clock=clock, store=store, **SLOW) as run:
        with pytest.raises(InvalidValueError, match="samples"):
            run.count(samples=-1)
        with pytest.raises(InvalidValueError, match="flops"):
            run.add_flops(float("nan"))
        with pytest.raises(InvalidValueError, match="accuracy"):
            run.log_metric("accuracy", float("inf"))


def steady_run(
    clock: FakeClock, store: SQLStore, epochs: int, seed: int, **kwargs: object
) -> tuple[list, object]:
    """Epochs of 60 s +-3 % at 250 W +-3 %: a steady run with realistic jitter."""
    rng = random.Random(seed)
    power = {"w": 250.0}
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=lambda t: power["w"])
    predictions = []
    with track(region="FR", pue=1.1, meters=[meter], clock=clock, store=store, **SLOW, **kwargs) as run:  # type: ignore[arg-type]
        clock.advance(20.0)  # warm-up in the first epoch: compilation, caches
        for epoch in range(epochs):
            power["w"] = 250.0 * (1 + rng.gauss(0, 0.03))
            clock.advance(60.0 * (1 + rng.gauss(0, 0.03)))
            predictions.append(run.progress(epoch + 1, epochs))
            if run.stop_requested:
                break
    return predictions, run.result


@pytest.mark.parametrize("seed", range(5))
def test_prediction_after_20_percent_is_within_10_percent_and_covers_the_actual(
    clock: FakeClock, store: SQLStore, seed: int
) -> None:
    predictions, result = steady_run(clock, store, 50, seed)
    at_20 = predictions[9]  # after 10 of 50 epochs
    assert at_20 is not None and at_20.progress_frac == pytest.approx(0.2)
    actual_j, actual_s = result.energy_j, result.duration_s  # type: ignore[attr-defined]
    assert abs(at_20.energy_j - actual_j) / actual_j < 0.10
    assert abs(at_20.duration_s - actual_s) / actual_s < 0.10
    assert at_20.energy_j_low <= actual_j <= at_20.energy_j_high
    assert at_20.duration_s_low <= actual_s <= at_20.duration_s_high
    stored = result.extra["predictions"]  # type: ignore[attr-defined]
    assert len(stored) == 50
    assert stored[9]["energy_error_pct"] == pytest.approx((at_20.energy_j - actual_j) / actual_j * 100)
    assert stored[9]["energy_interval_contains_actual"] is True


def test_energy_budget_warns_on_the_prediction_and_stops(clock: FakeClock, store: SQLStore) -> None:
    # 50 epochs of ~60 s at 250 W x 1.1 = ~0.23 kWh; a 0.1 kWh budget is exceeded by the prediction
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        predictions, result = steady_run(clock, store, 50, 1, budget_kwh=0.1, on_exceed="stop")
    assert len(predictions) == 1  # stopped after the first epoch's prediction
    budget_warnings = [w for w in caught if issubclass(w.category, BudgetWarning)]
    assert len(budget_warnings) == 1 and "will be exceeded" in str(budget_warnings[0].message)
    extra = result.extra  # type: ignore[attr-defined]
    assert extra["budget"]["exceeded"] is True and extra["budget"]["basis"] == "predicted"
    assert extra["end_reason"].startswith("stopped by budget: budget 0.1kWh will be exceeded")
    stored = store.get_run(result.id)  # type: ignore[attr-defined]
    assert stored.extra["end_reason"] == extra["end_reason"]


def test_co2e_budget_warn_only_does_not_stop(clock: FakeClock, store: SQLStore) -> None:
    with pytest.warns(BudgetWarning, match="kg CO2e"):
        predictions, result = steady_run(clock, store, 10, 2, budget_co2e_kg=0.001, on_exceed="warn")
    assert len(predictions) == 10
    assert "end_reason" not in result.extra  # type: ignore[attr-defined]


def test_budget_options_are_checked_before_anything_runs() -> None:
    with pytest.raises(InvalidValueError, match="budget_co2e_kg"):
        track(budget_kwh=1, budget_co2e_kg=1)
    with pytest.raises(InvalidValueError, match="on_exceed"):
        track(budget_kwh=1, on_exceed="explode")
    with pytest.raises(InvalidValueError, match="budget_kwh"):
        track(budget_kwh=-2)


def test_runs_show_and_report_carry_the_cost_of_the_result(
    clock: FakeClock, store: SQLStore, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlfootprint.cli.main import main

    _, result = steady_run(clock, store, 10, 3)
    with track(
        project="p", region="FR", pue=1.0, meters=[gpu(clock)], clock=clock, store=store, **SLOW
    ) as run:
        clock.advance(100.0)
        run.add_flops(3e15)
        run.count(samples=1000)
        run.log_metric("accuracy", 0.9)
    url = store.url
    assert main(["runs", "show", run.id or "", "--db", url]) == 0
    text = capsys.readouterr().out
    assert "Cost of the result (Schwartz et al. 2019):" in text
    assert "MFU" in text and "per sample" in text and "accuracy" in text
    assert main(["runs", "show", result.id, "--db", url]) == 0  # type: ignore[attr-defined]
    text = capsys.readouterr().out
    assert "Prediction (10 made" in text and "actual inside the interval" in text
    assert main(["report", run.id or "", "--db", url, "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "## Cost of the result" in md and "| Model FLOPs utilisation |" in md
    assert main(["report", run.id or "", "--db", url, "--format", "json"]) == 0
    assert '"cost_of_result"' in capsys.readouterr().out
    assert main(["runs", "show", run.id or "", "--db", url, "--format", "json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["cost"]["per_unit"]["sample"]["flops"] == 3e12
    assert main(["summary", "--project", "p", "--db", url, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["work"]["total"]["flops"] == 3e15
    assert summary["work"]["total"]["per_unit"]["sample"]["runs"] == 1


def test_work_survives_the_json_round_trip(clock: FakeClock, store: SQLStore) -> None:
    from mlfootprint.serialize import run_from_dict, run_to_dict

    with track(region="FR", meters=[gpu(clock)], clock=clock, store=store, **SLOW) as run:
        clock.advance(5.0)
        run.add_flops(1e12, method="hf-total-flos")
        run.count(tokens=4096)
        run.log_metric("val_loss", 1.5, step=2)
    again = run_from_dict(run_to_dict(run.result))  # type: ignore[arg-type]
    assert again.work == run.result.work  # type: ignore[union-attr]
    assert again.metrics == run.result.metrics  # type: ignore[union-attr]


def test_serving_loop_energy_per_request_from_the_samples(clock: FakeClock, store: SQLStore) -> None:
    import time

    # requests of 1 s at 100 W, each followed by 1 s idle; the sampler reads between the two
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=100.0)
    with track(region="FR", pue=1.0, meters=[meter], clock=clock, store=store, interval_s=0.05,
               flush_interval_s=0.05) as run:  # fmt: skip
        time.sleep(0.15)
        for _ in range(6):
            with run.request():
                clock.advance(1.0)
                time.sleep(0.15)
            clock.advance(1.0)
            time.sleep(0.15)
    requests = run.result.extra["requests"]  # type: ignore[union-attr]
    assert requests["requests"] == 6
    assert requests["energy_j_per_request_mean"] == pytest.approx(100.0, rel=0.02)
    assert requests["idle_energy_j"] == pytest.approx(600.0, rel=0.05)
    assert requests["energy_j_per_request_with_idle"] == pytest.approx(200.0, rel=0.03)
    total = next(w for w in run.result.work if w.phase == "")  # type: ignore[union-attr]
    assert total.requests == 6


def test_co2e_ahead_uses_the_hourly_series_for_the_predicted_hours(tmp_path: Path, store: SQLStore) -> None:
    from datetime import datetime, timedelta, timezone

    start = datetime(2022, 6, 1, 12, 0, tzinfo=timezone.utc)
    # 100 g/kWh until 13:00, 500 g/kWh after: a 2-hour run's second hour is five times dirtier
    rows = ["datetime_utc,FR"] + [
        f"{(start + timedelta(hours=h)).strftime('%Y-%m-%dT%H:%M:%SZ')},{100.0 if h < 1 else 500.0}"
        for h in range(6)
    ]
    series = tmp_path / "fr.csv"
    series.write_text("\n".join(rows) + "\n", encoding="utf-8")
    clock = FakeClock(start=start)
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=1000.0)
    with track(region="FR", pue=1.0, meters=[meter], clock=clock, store=store, intensity_series=series,
               zone="FR", **SLOW) as run:  # fmt: skip
        clock.advance(1800.0)
        run.progress(1, 4)
        clock.advance(1800.0)
        p = run.progress(2, 4)  # at 13:00; two more half-hours to go, both at 500 g/kWh
    assert p is not None and "hourly series" in p.method
    assert p.energy_j == pytest.approx(2 * 3.6e6)
    assert p.co2e_g == pytest.approx(1.0 * 100.0 + 1.0 * 500.0)  # 1 kWh so far at 100, 1 kWh ahead at 500
    assert run.result is not None and run.result.co2e_g == pytest.approx(100.0)
