"""Markdown rendering of a carbon statement (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from mlfootprint.report.fmt import fmt_duration, fmt_kwh
from mlfootprint.report.fmt import sources_text as _sources
from mlfootprint.report.statement import Statement

__all__ = ["render_markdown"]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(st: Statement, *, images: Mapping[str, str] | None = None) -> str:
    """Render ``st`` as Markdown; ``images`` maps a caption to a relative file path to link."""
    out = [f"# {st.title}", "", f"> {st.summary}", ""]
    out += _table(["Quantity", "Value", "Source"], [[f.label, f.value, f.source or "-"] for f in st.facts])
    out += ["", f"Everyday equivalent: {st.equivalent.text} (source: {st.equivalent.source}).", ""]
    if st.components:
        out += ["## Components (IT energy, PUE not applied)", ""]
        out += _table(
            ["Component", "Meter", "Energy", "Interval", "Share (%)", "How obtained", "Source"],
            [
                [
                    c.component,
                    c.meter_id,
                    fmt_kwh(c.energy_kwh),
                    f"{fmt_kwh(c.energy_kwh_low)} to {fmt_kwh(c.energy_kwh_high)}",
                    f"{c.share_pct:.1f}",
                    c.how,
                    c.source,
                ]
                for c in st.components
            ],
        )
        out.append("")
    if st.phases:
        out += ["## Phases", ""]
        out += _table(
            ["Phase", "Parent", "Duration", "IT energy"],
            [[p.name, p.parent or "-", fmt_duration(p.duration_s), fmt_kwh(p.energy_kwh)] for p in st.phases],
        )
        out.append("")
    if st.assumptions:
        out += ["## Assumptions", ""]
        out += _table(["Name", "Value", "Source"], [[a.label, a.value, a.source] for a in st.assumptions])
        out.append("")
    if images:
        out += ["## Plots", ""]
        out += [f"![{caption}]({path})" for caption, path in images.items()]
        out.append("")
    if st.tables:
        out += ["## Reference data used", ""]
        out += _table(
            ["Table", "Rows", "Years", "Licence", "Sources"],
            [[t.name, t.rows, t.years, t.license, _sources(t.source_count)] for t in st.tables],
        )
        out.append("")
    for note in st.notes:
        out.append(f"_Note: {note}_")
    return "\n".join(out).rstrip() + "\n"
