"""``mlfootprint doctor``: text and JSON, on this machine and on fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlfootprint.cli.doctor import build_report, render_text
from mlfootprint.cli.main import main
from mlfootprint.meters.discovery import open_meters
from mlfootprint.meters.nvml import NVMLProvider
from mlfootprint.meters.rapl import RAPLProvider
from mlfootprint.testing import FakeClock, FakeGPU, FakeNVML, make_rapl_zone


def test_doctor_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in report["providers"]]
    assert names == ["nvml", "amdsmi", "rapl", "cpu-estimate", "dram-estimate"]
    for p in report["providers"]:
        assert set(p) == {"name", "available", "reason", "fix", "devices"}
        assert p["reason"]
    assert {m["component"] for m in report["meters"]} >= {"cpu", "dram"}
    for m in report["meters"]:
        assert set(m) == {"meter_id", "component", "method", "source", "is_estimate"}


def test_doctor_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "Meter providers:" in out and "Meters a tracked run would use:" in out
    assert "nvml" in out and "rapl" in out


def test_doctor_bad_scope_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--scope", "galaxy"])
    assert exc.value.code == 2
    assert "galaxy" in capsys.readouterr().err


def test_report_of_fakes_names_fix_and_devices(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path)
    refusing = RAPLProvider(
        tmp_path,
        read_text=lambda p: (
            (_ for _ in ()).throw(PermissionError(13, "denied")) if p.name == "energy_uj" else p.read_text()
        ),
    )
    nvml = FakeNVML([FakeGPU(name="NVIDIA H100 80GB HBM3")], clock=clock)
    report = build_report(open_meters((NVMLProvider(nvml=nvml, env={}), refusing), clock=clock))
    assert report["meters"] == [
        {
            "meter_id": "nvml:0",
            "component": "gpu",
            "method": "counter",
            "source": "NVML total-energy counter (NVIDIA H100 80GB HBM3)",
            "is_estimate": False,
        }
    ]
    rapl = report["providers"][1]
    assert rapl["available"] is False and "udev" in rapl["fix"]
    text = render_text(report)
    assert "[no  ] rapl" in text and "fix: allow reading" in text
    assert "[ok  ] nvml" in text and "NVIDIA H100 80GB HBM3" in text
