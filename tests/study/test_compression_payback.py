"""Pay-back arithmetic and the study's row accounting, with hand-computed values (no torch needed)."""

from __future__ import annotations

import math

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression._deps import StudyUnavailableError, require
from mlfootprint.study.compression.measure import InferenceWindow
from mlfootprint.study.compression.payback import payback_inferences
from mlfootprint.study.compression.results import ModelShape, RunCost, SeedOutcome, build_rows


def test_payback_is_extra_energy_over_saving_per_inference() -> None:
    # 100 J extra to obtain; 0.5 J -> 0.1 J per inference saves 0.4 J: 250 inferences
    pb = payback_inferences(extra_obtain_j=100.0, baseline_j_per_inference=0.5, model_j_per_inference=0.1)
    assert pb.inferences == pytest.approx(250.0)
    assert pb.saving_j_per_inference == pytest.approx(0.4)
    assert "100 J extra" in pb.reason


def test_no_saving_never_pays_back_and_says_so() -> None:
    for model_j in (0.5, 0.7):
        pb = payback_inferences(
            extra_obtain_j=100.0, baseline_j_per_inference=0.5, model_j_per_inference=model_j
        )
        assert pb.inferences is None
        assert pb.reason.startswith("never: no inference energy saving")


def test_a_saving_within_the_measurement_spread_is_no_saving() -> None:
    pb = payback_inferences(
        extra_obtain_j=100.0,
        baseline_j_per_inference=0.50,
        model_j_per_inference=0.49,
        noise_j_per_inference=0.02,
    )
    assert pb.inferences is None and "within the measurement's spread" in pb.reason
    beyond = payback_inferences(
        extra_obtain_j=100.0,
        baseline_j_per_inference=0.50,
        model_j_per_inference=0.45,
        noise_j_per_inference=0.02,
    )
    assert beyond.inferences == pytest.approx(2000.0)


def test_nothing_extra_to_obtain_pays_back_at_once() -> None:
    pb = payback_inferences(extra_obtain_j=-5.0, baseline_j_per_inference=0.5, model_j_per_inference=0.1)
    assert pb.inferences == 0.0 and pb.reason.startswith("at once")


def test_bad_numbers_are_named() -> None:
    with pytest.raises(InvalidValueError, match="extra_obtain_j"):
        payback_inferences(extra_obtain_j=math.nan, baseline_j_per_inference=1.0, model_j_per_inference=0.5)
    with pytest.raises(InvalidValueError, match="must not be negative"):
        payback_inferences(extra_obtain_j=1.0, baseline_j_per_inference=-1.0, model_j_per_inference=0.5)


def _cost(run_id: str, energy_j: float) -> RunCost:
    return RunCost(
        run_id=run_id,
        energy_j=energy_j,
        energy_j_low=energy_j / 2,
        energy_j_high=energy_j * 2,
        co2e_g=energy_j / 3.6e6 * 400.0,
        duration_s=1.0,
    )


def _window(model: str, mode: str, r: int, energy_j: float, samples: int) -> InferenceWindow:
    return InferenceWindow(
        model=model, mode=mode, round=r, samples=samples, forward_passes=samples if mode == "single" else 1,
        duration_s=0.5, energy_j=energy_j, components={"cpu-estimate": energy_j}, phase=f"{model}/{mode}/{r}",
    )  # fmt: skip


def test_rows_count_what_it_took_to_obtain_each_model() -> None:
    teacher = [_cost("t0", 3600.0), _cost("t1", 5400.0)]  # 1.0 and 1.5 Wh
    outcomes = [
        SeedOutcome(model="teacher", seed=0, accuracy=0.96, own_runs=(teacher[0],)),
        SeedOutcome(model="teacher", seed=1, accuracy=0.98, own_runs=(teacher[1],)),
        # two ticket rounds per seed on top of the teacher's training
        SeedOutcome(model="ticket-2", seed=0, accuracy=0.97,
                    own_runs=(_cost("r01", 1800.0), _cost("r02", 1800.0)), upstream_runs=(teacher[0],)),
        SeedOutcome(model="ticket-2", seed=1, accuracy=0.95,
                    own_runs=(_cost("r11", 3600.0), _cost("r12", 3600.0)), upstream_runs=(teacher[1],)),
    ]  # fmt: skip
    shapes = [
        ModelShape(model="teacher", kind="teacher", sparsity=0.0, params=100, nonzero_params=100, flops=200,
                   flops_nonzero=200),
        ModelShape(model="ticket-2", kind="ticket", sparsity=0.75, params=100, nonzero_params=25, flops=200,
                   flops_nonzero=50),
    ]  # fmt: skip
    # teacher 2.0 J per 1,000 samples (pue 1.5: 3.0 J facility); ticket 1.0 J (1.5 J facility)
    windows = [
        _window("teacher", "batch", 1, 2.0, 1000), _window("teacher", "batch", 2, 2.0, 1000),
        _window("teacher", "single", 1, 4.0, 1000), _window("teacher", "single", 2, 4.0, 1000),
        _window("ticket-2", "batch", 1, 1.0, 1000), _window("ticket-2", "batch", 2, 1.0, 1000),
        _window("ticket-2", "single", 1, 4.0, 1000), _window("ticket-2", "single", 2, 4.0, 1000),
    ]  # fmt: skip
    teacher_row, ticket_row = build_rows(shapes, outcomes, windows, pue=1.5, inference_run_id="inf")
    assert teacher_row.accuracy == pytest.approx(0.97)
    assert teacher_row.accuracy_std == pytest.approx(math.sqrt(2) * 0.01)
    assert teacher_row.train_energy_kwh == teacher_row.obtain_energy_kwh == pytest.approx(1.25e-3)
    # ticket: all rounds are its training (1.0 Wh, 2.0 Wh -> 1.5 Wh), plus the teacher to obtain (2.75 Wh)
    assert ticket_row.train_energy_kwh == pytest.approx(1.5e-3)
    assert ticket_row.obtain_energy_kwh == pytest.approx(2.75e-3)
    assert ticket_row.obtain_energy_kwh_low == pytest.approx(2.75e-3 / 2)
    assert ticket_row.train_co2e_kg == pytest.approx(1.5e-3 * 0.4)
    assert ticket_row.inference_energy_kwh_per_1k == pytest.approx(1.5 / 3.6e6)
    assert teacher_row.inference_energy_kwh_per_1k == pytest.approx(3.0 / 3.6e6)
    assert ticket_row.inference_saving_pct == pytest.approx(50.0)
    # extra to obtain 1.5 Wh = 5,400 J; saved 1.5 mJ per inference: 3.6 million inferences
    assert ticket_row.payback_inferences == pytest.approx(3.6e6)
    assert ticket_row.payback_inferences_single is None  # one by one it saves nothing
    assert "never" in ticket_row.payback_note
    assert ticket_row.latency_ms == pytest.approx(0.5)  # 1 s over 2,000 one-sample passes
    assert ticket_row.run_ids == ("r01", "r02", "r11", "r12", "inf")
    assert ticket_row.obtain_run_ids == ("t0", "t1", "r01", "r02", "r11", "r12")
    assert teacher_row.payback_inferences is None and teacher_row.payback_note == "baseline"


def test_a_missing_package_says_how_to_install_it() -> None:
    with pytest.raises(StudyUnavailableError, match=r"pip install 'mlfootprint\[study\]'"):
        require("mlfootprint_no_such_package_for_the_study")


def test_one_window_per_model_needs_a_larger_saving_to_count() -> None:
    outcomes = [
        SeedOutcome(model="teacher", seed=0, accuracy=0.9, own_runs=(_cost("t", 100.0),)),
        SeedOutcome(
            model="a", seed=0, accuracy=0.9, own_runs=(_cost("a", 10.0),), upstream_runs=(_cost("t", 100.0),)
        ),
        SeedOutcome(
            model="b", seed=0, accuracy=0.9, own_runs=(_cost("b", 10.0),), upstream_runs=(_cost("t", 100.0),)
        ),
    ]
    shapes = [
        ModelShape(model=m, kind=m, sparsity=0.0, params=1, nonzero_params=1, flops=1, flops_nonzero=1)
        for m in ("teacher", "a", "b")
    ]
    windows = [
        _window("teacher", "batch", 1, 1.00, 1000),
        _window("a", "batch", 1, 0.95, 1000),  # 5 %: within the 10 % floor of a single window
        _window("b", "batch", 1, 0.80, 1000),  # 20 %: 10 J / 0.2 mJ = 50,000 inferences
    ]
    _, a, b = build_rows(shapes, outcomes, windows, pue=1.0, inference_run_id="inf")
    assert a.inference_saving_pct == pytest.approx(5.0) and a.payback_inferences is None
    assert "within the measurement's spread" in a.payback_note
    assert b.payback_inferences == pytest.approx(50_000.0)
    assert b.payback_inferences_single is None and "one by one: not measured" in b.payback_note
