"""Counts (FLOPs, parameters, tokens) print without ``e`` notation, at the digits asked for."""

from __future__ import annotations

import pytest

from mlfootprint import fmt


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (3.14e23, 3, "3.14×10²³"),
        (174.6e9, 4, "1.746×10¹¹"),
        (3e11, 3, "3×10¹¹"),
        (9.9996e9, 3, "1×10¹⁰"),  # rounds up into the next power of ten
        (1234.0, 3, "1,234"),  # below a million: plain, every integer digit kept
        (999_999.0, 3, "999,999"),
        (0.5, 3, "0.5"),
        (1e-5, 3, "1×10⁻⁵"),
        (-2.5e7, 3, "-2.5×10⁷"),
        (0.0, 3, "0"),
    ],
)
def test_count_reads_without_e_notation(value: float, digits: int, text: str) -> None:
    assert fmt.count(value, digits) == text
    assert "e+" not in text and "e-" not in text
