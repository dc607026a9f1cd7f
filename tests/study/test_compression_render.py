"""The study's table in every format, from hand-made rows (no torch needed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mlfootprint.study.compression.measure import InferenceWindow
from mlfootprint.study.compression.render import render_json, render_latex, render_markdown, render_text
from mlfootprint.study.compression.results import ModelShape, RunCost, SeedOutcome, StudyResult, build_rows


def _result() -> StudyResult:
    def cost(run_id: str, energy_j: float) -> RunCost:
        low, high, co2e_g = energy_j * 0.5, energy_j * 1.5, energy_j / 3.6e6 * 473
        return RunCost(run_id=run_id, energy_j=energy_j, energy_j_low=low, energy_j_high=high, co2e_g=co2e_g,
                       duration_s=2.0)  # fmt: skip

    teacher = cost("t", 720.0)
    outcomes = [
        SeedOutcome(model="teacher", seed=0, accuracy=0.975, own_runs=(teacher,)),
        SeedOutcome(model="pruned-structured-0.5", seed=0, accuracy=0.97, own_runs=(cost("s", 36.0),),
                    upstream_runs=(teacher,)),
        SeedOutcome(model="pruned-unstructured-0.5", seed=0, accuracy=0.976, own_runs=(cost("u", 72.0),),
                    upstream_runs=(teacher,)),
    ]  # fmt: skip
    shapes = [
        ModelShape(model="teacher", kind="teacher", sparsity=0.0, params=1_000, nonzero_params=1_000,
                   flops=2_000, flops_nonzero=2_000),
        ModelShape(model="pruned-structured-0.5", kind="pruned-structured", sparsity=0.5, params=300,
                   nonzero_params=300, flops=600, flops_nonzero=600),
        ModelShape(model="pruned-unstructured-0.5", kind="pruned-unstructured", sparsity=0.5, params=1_000,
                   nonzero_params=500, flops=2_000, flops_nonzero=1_000),
    ]  # fmt: skip
    windows = []
    for m, j in (("teacher", 2.0), ("pruned-structured-0.5", 0.5), ("pruned-unstructured-0.5", 2.0)):
        for mode, passes in (("batch", 1), ("single", 360)):
            for r in (1, 2):
                windows.append(
                    InferenceWindow(
                        model=m,
                        mode=mode,
                        round=r,
                        samples=360,
                        forward_passes=passes,
                        duration_s=0.5,
                        energy_j=j * (1 + 0.01 * r),
                        components={},
                        phase=f"{m}/{mode}/{r}",
                    )
                )
    rows = build_rows(shapes, outcomes, windows, pue=1.5, inference_run_id="inf")
    return StudyResult(
        study_id="cmp-test", dataset="digits", dataset_source="scikit-learn", family="mlp", device="cpu",
        config={"seeds": 1}, rows=rows, inference_run_id="inf", inference_samples=360,
        meters=("cpu-estimate (estimated from TDP x utilisation): 12 W per thread",),
        energy_method="cpu: estimated from TDP x utilisation", pue=1.5, pue_source="user",
        intensity_kg_per_kwh=0.473, intensity_source="world average", duration_s=12.0,
        notes=("a note with 100 % & _underscores_",),
        how={"flops": "FlopCounterMode", "latency_ms": "wall time"},
    )  # fmt: skip


def test_json_has_the_documented_fields_and_no_nan() -> None:
    doc = json.loads(render_json(_result()))
    assert doc["study_id"] == "cmp-test" and doc["dataset"] == "digits"
    row = doc["rows"][1]
    assert row["model"] == "pruned-structured-0.5"
    # 36 J to obtain beyond the teacher; 1.5 x (2.0 - 0.5) J / 360 saved per inference -> 5,760 inferences
    assert row["payback_inferences"] == pytest.approx(5760.0, rel=0.02)
    assert doc["rows"][2]["payback_inferences"] is None  # unstructured: nothing saved
    assert "NaN" not in render_json(_result())


def test_text_and_markdown_say_how_numbers_were_obtained() -> None:
    result = _result()
    text = render_text(result)
    assert "never" in text and "how each number was obtained" in text and "FlopCounterMode" in text
    md = render_markdown(result, plot="pareto.png")
    assert md.startswith("## Compression study cmp-test")
    assert "![" in md and "(pareto.png)" in md
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len({line.count(" | ") for line in table[:4]}) == 1  # header and rows: same number of cells


def test_latex_is_balanced_and_compiles_when_pdflatex_is_installed(tmp_path: Path) -> None:
    tex = render_latex(_result())
    assert tex.count("{") == tex.count("}") and "±" not in tex and "µ" not in tex
    body = tex.split("\\begin{tabular}")[1].split("\\end{tabular}")[0]
    rows = [r for r in body.split("\\\\") if re.search(r"(?<!\\)&", r)]
    assert len({len(re.findall(r"(?<!\\)&", r)) for r in rows}) == 1
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed; structure checked above")
    (tmp_path / "s.tex").write_text(render_latex(_result(), standalone=True))
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "s.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
