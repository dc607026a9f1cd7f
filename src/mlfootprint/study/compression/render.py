"""The study's table as text, Markdown (a report section), LaTeX and JSON (pure)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from mlfootprint.report.fmt import fmt_duration, fmt_kg
from mlfootprint.report.latex import escape_latex, latex_document
from mlfootprint.study.compression.results import ModelRow, StudyResult

__all__ = ["render_json", "render_latex", "render_markdown", "render_text"]

_PREFIXES = ((1e3, "kWh"), (1.0, "Wh"), (1e-3, "mWh"), (1e-6, "µWh"))


def _unit(values_wh: Sequence[float]) -> tuple[float, str]:
    """The unit (scale in Wh, name) that writes the column's largest value with 1 to 3 integer digits."""
    finite = [abs(v) for v in values_wh if math.isfinite(v) and v != 0]
    top = max(finite, default=1.0)
    for scale, name in _PREFIXES:
        if top >= scale:
            return scale, name
    return _PREFIXES[-1]


def _num(value: float, digits: int = 3) -> str:
    return "-" if not math.isfinite(value) else f"{value:.{digits}g}"


def _payback(value: float | None) -> str:
    if value is None:
        return "never"
    return f"{value:.0f}" if value < 1e5 else f"{value:.2g}"


class _Columns:
    """The table's header and cells, shared by every format (energies in one unit per column)."""

    def __init__(self, result: StudyResult) -> None:
        rows = result.rows
        self.train = _unit([r.obtain_energy_kwh * 1000 for r in rows])
        self.infer = _unit([r.inference_energy_kwh_per_1k_single * 1000 for r in rows])
        self.header = [
            "model", "accuracy (± sd)", "params", "non-zero", "MFLOPs", "MFLOPs nz",
            f"train ({self.train[1]})", f"obtain ({self.train[1]})",
            f"infer batch ({self.infer[1]}/1k)", f"infer single ({self.infer[1]}/1k)",
            "latency (ms)", "saving (%)", "pay-back (inferences)",
        ]  # fmt: skip

    def cells(self, r: ModelRow) -> list[str]:
        t, i = self.train[0], self.infer[0]
        return [
            r.model,
            f"{r.accuracy:.1%} ± {r.accuracy_std:.1%}",
            f"{r.params:,}",
            f"{r.nonzero_params:,}",
            _num(r.flops / 1e6),
            _num(r.flops_nonzero / 1e6),
            _num(r.train_energy_kwh * 1000 / t),
            _num(r.obtain_energy_kwh * 1000 / t),
            f"{_num(r.inference_energy_kwh_per_1k * 1000 / i)}"
            f" ± {_num(r.inference_energy_kwh_per_1k_std * 1000 / i, 2)}",
            f"{_num(r.inference_energy_kwh_per_1k_single * 1000 / i)}"
            f" ± {_num(r.inference_energy_kwh_per_1k_single_std * 1000 / i, 2)}",
            _num(r.latency_ms),
            "-" if r.model == "teacher" else f"{r.inference_saving_pct:.1f}",
            "-" if r.model == "teacher" else _payback(r.payback_inferences),
        ]


def _summary(result: StudyResult) -> str:
    return (
        f"{len(result.rows)} models trained on {result.dataset} ({result.family}, {result.device}), "
        f"{result.config.get('seeds')} seed(s); study {result.study_id}, "
        f"{fmt_duration(result.duration_s)} in all. Energy: {result.energy_method}."
    )


def _how_lines(result: StudyResult) -> list[tuple[str, str]]:
    return [(field, how) for field, how in result.how.items()]


def render_text(result: StudyResult) -> str:
    """A plain-text table with the provenance below it."""
    cols = _Columns(result)
    table = [cols.header, *[cols.cells(r) for r in result.rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols.header))]
    lines = [
        f"Compression study {result.study_id}: {result.dataset}, {result.family} family, {result.device}"
    ]
    for k, row in enumerate(table):
        cells = [
            c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    total_co2e = sum(r.train_co2e_kg for r in result.rows)
    lines += [
        "",
        f"CO2e of all training: {fmt_kg(total_co2e)} (mean per seed, at "
        f"{result.intensity_kg_per_kwh:.3g} kg/kWh: {result.intensity_source})",
        f"energy: {result.energy_method}",
        *[f"meter: {m}" for m in result.meters],
        f"runs: stored under tag study={result.study_id} "
        f"(mlfootprint summary --by tag:model; inference run {result.inference_run_id})",
        "",
        "how each number was obtained:",
        *[f"  {field}: {how}" for field, how in _how_lines(result)],
    ]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(result: StudyResult, *, plot: str | None = None) -> str:
    """A report section: summary, the table, how each number was obtained, notes (and the plot's link)."""
    cols = _Columns(result)
    out = [f"## Compression study {result.study_id}", "", f"> {_summary(result)}", ""]
    out.append("| " + " | ".join(cols.header) + " |")
    out.append("|" + "|".join("---" for _ in cols.header) + "|")
    out += ["| " + " | ".join(_md_cell(c) for c in cols.cells(r)) + " |" for r in result.rows]
    out += ["", "### How each number was obtained", "", "| Field | How obtained |", "|---|---|"]
    out += [f"| {_md_cell(f)} | {_md_cell(h)} |" for f, h in _how_lines(result)]
    out += ["", "Meters: " + "; ".join(result.meters) + ".", ""]
    out.append(f"Data: {result.dataset_source}. PUE {result.pue:g} ({result.pue_source}).")
    out.append("")
    if plot:
        out += [f"![Accuracy against measured inference energy; marker area: energy to obtain]({plot})", ""]
    out += [f"_Note: {n}_" for n in result.notes]
    return "\n".join(out).rstrip() + "\n"


def _tex(text: object) -> str:
    """Escaped for LaTeX, with the two non-ASCII signs the table uses written in math mode."""
    return escape_latex(text).replace("±", "$\\pm$").replace("µ", "$\\mu$")


def render_latex(result: StudyResult, *, label: str = "tab:compression", standalone: bool = False) -> str:
    """A ``table`` a paper can ``\\input`` (standard LaTeX only); ``standalone`` wraps it in a document."""
    e = _tex
    cols = _Columns(result)
    keep = [0, 1, 2, 3, 4, 6, 7, 8, 9, 11, 12]
    header = [cols.header[i] for i in keep]
    lines = [
        "% Compression study generated by mlfootprint",
        "\\begin{table}[ht]",
        "\\centering",
        "\\scriptsize",
        "\\begin{tabular}{l" + "r" * (len(keep) - 1) + "}",
        "\\hline",
        " & ".join(e(h) for h in header) + " \\\\",
        "\\hline",
    ]
    for r in result.rows:
        cells = cols.cells(r)
        lines.append(" & ".join(e(cells[i]) for i in keep) + " \\\\")
    lines += [
        "\\hline",
        "\\end{tabular}",
        f"\\caption{{{e(_summary(result))} Inference energy measured per 1,000 test samples (batched "
        "and one by one); pay-back: inferences after which the saving repays the extra energy to obtain "
        "the model.}",
        f"\\label{{{label}}}",
        "\\end{table}",
    ]
    return latex_document(lines, standalone=standalone)


def render_json(result: StudyResult) -> str:
    """The JSON document (``study_id``, ``dataset``, ``rows`` and provenance); non-finite numbers are null."""

    def clean(value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(result.to_dict()), indent=2) + "\n"
