"""Pure parts of the work ledger: budget units, per-request attribution, prediction intervals."""

from __future__ import annotations

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.work.budget import check_budget, parse_budget
from mlfootprint.work.predict import Checkpoint, linear_baseline, predict
from mlfootprint.work.progress_file import ProgressReader, report_progress
from mlfootprint.work.requests import attribute_requests


@pytest.mark.parametrize(
    ("text", "kind", "limit"),
    [
        ("2kWh", "energy", 7.2e6),
        ("500 Wh", "energy", 1.8e6),
        ("1.5MWh", "energy", 5.4e9),
        ("250mWh", "energy", 900.0),
        ("5kg", "co2e", 5e3),
        ("300g", "co2e", 300.0),
        ("1.2t", "co2e", 1.2e6),
    ],
)
def test_budget_units(text: str, kind: str, limit: float) -> None:
    b = parse_budget(text, "stop")
    assert (b.kind, b.on_exceed) == (kind, "stop")
    assert b.limit == pytest.approx(limit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2kw", "unknown unit 'kw'; closest: kWh"),
        ("2 KWH", "unknown unit 'KWH'"),
        ("kWh", "must be a number and a unit"),
        ("0kg", "greater than 0"),
        ("-3kg", "must be a number and a unit"),
        ("2e9MWh", "an energy budget must be greater than 0 and at most 1e+09 kWh"),
        ("5000000t", "a CO2e budget must be greater than 0 and at most 1e+09 kg"),
    ],
)
def test_bad_budgets_name_the_value(text: str, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message) as err:
        parse_budget(text)
    assert "--budget" in str(err.value) and "\n" not in str(err.value)


def test_budget_check_uses_used_then_predicted() -> None:
    b = parse_budget("1kWh")
    assert check_budget(b, used_energy_j=4e6, used_co2e_g=0).exceeded is True  # used 1.1 kWh
    over = check_budget(b, used_energy_j=1e6, used_co2e_g=0, predicted_energy_j=5e6)
    assert over.exceeded and over.basis == "predicted"
    assert not check_budget(b, used_energy_j=1e6, used_co2e_g=0, predicted_energy_j=3e6).exceeded


def test_concurrent_requests_share_an_interval_and_idle_is_kept_apart() -> None:
    # samples every second, 10 J per second; requests: two together over [0, 1], one alone over
    # [2, 2.5]; [1, 2] and [2.5, 4] idle
    reqs, idle = attribute_requests([(0, 1), (0, 1), (2, 2.5)], [0, 1, 2, 3, 4], [0, 10, 20, 30, 40])
    assert [r.energy_j for r in reqs] == pytest.approx([5.0, 5.0, 5.0])
    assert idle == pytest.approx(25.0)
    # energy is conserved: attributed + idle = total
    assert sum(r.energy_j for r in reqs) + idle == pytest.approx(40.0)


def test_overlapping_requests_share_by_overlap() -> None:
    # [0, 2] and [1, 2]: in [0, 1] the first alone; in [1, 2] half each
    reqs, idle = attribute_requests([(0, 2), (1, 2)], [0, 1, 2], [0, 10, 30])
    assert [r.energy_j for r in reqs] == pytest.approx([10 + 10, 10])
    assert idle == 0


def points(durations: list[float], power_w: float = 100.0) -> list[Checkpoint]:
    out, t = [], 0.0
    for i, d in enumerate(durations):
        t += d
        out.append(
            Checkpoint(done=float(i + 1), t_s=t, energy_j=t * power_w, co2e_g=t * power_w / 3.6e6 * 400)
        )
    return out


def test_prediction_of_an_exactly_steady_run_is_exact() -> None:
    p = predict(points([10.0] * 4), total=10)
    assert p.duration_s == pytest.approx(100.0) and p.energy_j == pytest.approx(10_000.0)
    assert p.co2e_g == pytest.approx(10_000 / 3.6e6 * 400)


def test_warm_up_first_epoch_is_left_out_but_not_by_the_baseline() -> None:
    # first epoch 30 s (compilation), then 10 s each; 20 epochs: actual 30 + 19 x 10 = 220 s
    pts = points([30.0, 10.0, 10.0, 10.0])
    assert predict(pts, total=20).duration_s == pytest.approx(220.0)
    assert linear_baseline(pts[:1], total=20)[0] == pytest.approx(600.0)


def test_one_checkpoint_gets_the_floor_interval() -> None:
    p = predict(points([10.0]), total=10)
    assert (p.duration_s_low, p.duration_s_high) == pytest.approx((10 + 81, 10 + 99))
    assert "one unit" in p.method


def test_intensity_ahead_prices_the_remaining_energy() -> None:
    pts = points([10.0, 10.0])
    p = predict(pts, total=4, intensity_ahead=lambda a, b: 100.0)
    so_far = pts[-1].co2e_g
    assert p.co2e_g == pytest.approx(so_far + 2000.0 / 3.6e6 * 100.0)


def test_bad_progress_is_rejected() -> None:
    with pytest.raises(InvalidValueError):
        predict([], total=3)
    with pytest.raises(InvalidValueError, match="total"):
        predict(points([1.0, 1.0]), total=1)


def test_progress_file_round_trip(tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "progress.txt"  # type: ignore[operator]
    assert report_progress(1, 10) is False
    monkeypatch.setenv("MLFOOTPRINT_PROGRESS_FILE", str(path))
    reader = ProgressReader(path)
    assert reader.read() == []
    report_progress(1, 10)
    report_progress(2)
    with path.open("a") as f:
        f.write("garbage\n3 1")  # a malformed line, and a partial one
    assert reader.read() == [(1.0, 10.0), (2.0, None)]
    with path.open("a") as f:
        f.write("0\n")
    assert reader.read() == [(3.0, 10.0)]
