"""Markdown, LaTeX and HTML renderings: structure, escaping, self-containment."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.runfactory import build_run
from mlfootprint.report.html import render_html
from mlfootprint.report.latex import escape_latex, render_latex
from mlfootprint.report.markdown import render_markdown
from mlfootprint.report.statement import TableVersion, statement_from_run

TABLES = (
    TableVersion(name="grid_intensity", rows=200, years="2023", sources="Ember & OWID", license="CC BY 4.0"),
)


def _statement():  # type: ignore[no-untyped-def]
    run = build_run(name="bert_base #3 100% & more")
    return statement_from_run(run, tables=TABLES)


def test_markdown_has_tables_and_sources() -> None:
    md = render_markdown(_statement(), images={"Power": "plots/x-power.png"})
    assert md.startswith("# Carbon statement for run bert_base #3 100% & more")
    assert "| PUE | 1.5 | Uptime Institute 2023 survey average |" in md
    assert "## Components" in md and "## Phases" in md and "## Reference data used" in md
    assert "![Power](plots/x-power.png)" in md
    assert "Greenhouse Gas Equivalencies Calculator" in md  # 0.336 kg: km by car, EPA


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a_b", r"a\_b"), ("100%", r"100\%"), ("A & B", r"A \& B"), ("#3", r"\#3"), ("$x$", r"\$x\$")],
)
def test_escape_latex(raw: str, escaped: str) -> None:
    assert escape_latex(raw) == escaped


def _unescaped(text: str, ch: str) -> list[int]:
    return [
        m.start() for m in re.finditer(re.escape(ch), text) if m.start() == 0 or text[m.start() - 1] != "\\"
    ]


def test_latex_structure_is_balanced_and_escaped() -> None:
    tex = render_latex(_statement())
    for env in ("table", "tabular"):
        assert tex.count(f"\\begin{{{env}}}") == tex.count(f"\\end{{{env}}}") == 1
    assert tex.index("\\begin{table}") < tex.index("\\begin{tabular}") < tex.index("\\end{tabular}")
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    for ch in ("_", "%", "#", "$"):
        assert _unescaped(body, ch) == [], ch
    assert r"bert\_base \#3 100\% \& more" in tex
    assert tex.count("{") == tex.count("}")
    # every row of the tabular has three columns (two unescaped &)
    rows = tex.split("\\begin{tabular}")[1].split("\\end{tabular}")[0].split("\\\\")
    for row in rows:
        if "&" in row.replace(r"\&", ""):
            assert len(_unescaped(row, "&")) == 2, row


def test_latex_compiles_when_pdflatex_is_installed(tmp_path: Path) -> None:
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed; structure checked above")
    (tmp_path / "r.tex").write_text(render_latex(_statement(), standalone=True))
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "r.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "r.pdf").stat().st_size > 0


def test_html_is_one_self_contained_file() -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    page = render_html(_statement(), images={"Power per component": png, "Energy": "<?xml?><svg></svg>"})
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "<script" not in page
    assert f'src="{png}"' in page
    assert "<svg></svg>" in page and "<?xml" not in page
    assert "bert_base #3 100% &amp; more" in page
    assert page.count("<table>") == 4  # facts, components, phases, reference data
