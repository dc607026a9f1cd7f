"""HTML rendering of a carbon statement: one self-contained file (inline CSS and plots; pure)."""

from __future__ import annotations

import html
from collections.abc import Mapping

from mlfootprint.report.fmt import fmt_duration
from mlfootprint.report.fmt import sources_text as _sources
from mlfootprint.report.statement import Statement

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
blockquote{background:#f6f8fa;border-left:4px solid #2e7d32;margin:1rem 0;padding:.6rem 1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}figure svg,figure img{max-width:100%;height:auto}
.note{color:#57606a;font-size:.85rem}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(header: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_esc(c)}</td>' if i in numeric else f"<td>{_esc(c)}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(caption: str, image: str) -> str:
    """``image`` is inline SVG markup or a ``data:image/png;base64,...`` URI."""
    if image.startswith("data:image/"):
        inner = f'<img alt="{_esc(caption)}" src="{image}">'
    else:
        start = image.find("<svg")
        inner = image[start:] if start >= 0 else image
    return f"<figure>{inner}<figcaption>{_esc(caption)}</figcaption></figure>"


def render_html(st: Statement, *, images: Mapping[str, str] | None = None) -> str:
    """Render ``st`` as one HTML file; ``images`` maps a caption to inline SVG or a PNG data URI."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(st.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(st.title)}</h1>",
        f"<blockquote>{_esc(st.summary)}</blockquote>",
        _table(["Quantity", "Value", "Source"], [[f.label, f.value, f.source or "-"] for f in st.facts]),
        f"<p>Everyday equivalent: {_esc(st.equivalent.text)} "
        f'<span class="note">(source: {_esc(st.equivalent.source)})</span></p>',
    ]
    if st.components:
        parts.append("<h2>Components (IT energy, PUE not applied)</h2>")
        parts.append(
            _table(
                [
                    "Component",
                    "Meter",
                    "Energy (kWh)",
                    "Interval (kWh)",
                    "Share (%)",
                    "How obtained",
                    "Source",
                ],
                [
                    [
                        c.component,
                        c.meter_id,
                        f"{c.energy_kwh:.4g}",
                        f"{c.energy_kwh_low:.4g} to {c.energy_kwh_high:.4g}",
                        f"{c.share_pct:.1f}",
                        c.how,
                        c.source,
                    ]
                    for c in st.components
                ],
                numeric=frozenset({2, 4}),
            )
        )
    if st.phases:
        parts.append("<h2>Phases</h2>")
        parts.append(
            _table(
                ["Phase", "Parent", "Duration", "IT energy (kWh)"],
                [
                    [p.name, p.parent or "-", fmt_duration(p.duration_s), f"{p.energy_kwh:.4g}"]
                    for p in st.phases
                ],
                numeric=frozenset({3}),
            )
        )
    if st.cost:
        parts.append("<h2>Cost of the result</h2>")
        parts.append(
            _table(["Quantity", "Value", "Source"], [[f.label, f.value, f.source or "-"] for f in st.cost])
        )
    if st.assumptions:
        parts.append("<h2>Assumptions</h2>")
        parts.append(
            _table(["Name", "Value", "Source"], [[a.label, a.value, a.source] for a in st.assumptions])
        )
    if images:
        parts.append("<h2>Plots</h2>")
        parts += [_figure(caption, image) for caption, image in images.items()]
    if st.tables:
        parts.append("<h2>Reference data used</h2>")
        parts.append(
            _table(
                ["Table", "Rows", "Years", "Licence", "Sources"],
                [[t.name, str(t.rows), t.years, t.license, _sources(t.source_count)] for t in st.tables],
            )
        )
    parts += [f'<p class="note">Note: {_esc(n)}</p>' for n in st.notes]
    parts.append('<p class="note">Generated by mlfootprint.</p></body></html>')
    return "\n".join(parts) + "\n"
