"""The bounds' ends (open or closed, on either side) and the one message every option gives for them."""

from __future__ import annotations

import pytest

from helpers.cli_harness import assert_refused, run_cli
from mlfootprint.bounds import PORT, PORT_OR_ANY, SAMPLES_KEPT, SHARE, WEIGHT, Bound
from mlfootprint.errors import InvalidValueError


@pytest.mark.parametrize(
    ("low_open", "high_open", "valid", "invalid", "words"),
    [
        (False, False, [0.0, 0.5, 1.0], [-0.01, 1.01], "must be between 0 and 1"),
        (True, False, [1e-9, 1.0], [0.0, 1.01], "must be greater than 0 and at most 1"),
        (False, True, [0.0, 0.999], [1.0, -0.01], "must be at least 0 and less than 1"),
        (True, True, [1e-9, 0.999], [0.0, 1.0], "must be greater than 0 and less than 1"),
    ],
)
def test_each_end_may_be_open_or_closed(
    low_open: bool, high_open: bool, valid: list[float], invalid: list[float], words: str
) -> None:
    bound = Bound(quantity="share", unit="", low=0.0, high=1.0, low_open=low_open, high_open=high_open)
    assert bound.describe() == words
    for value in valid:
        assert bound.problem(value) is None, value
    for value in invalid:
        assert bound.problem(value) == words, value


def test_share_and_weight_differ_only_at_their_ends() -> None:
    assert SHARE.problem(0.5) is None and WEIGHT.problem(0.5) is None
    assert SHARE.problem(1.0) is not None and WEIGHT.problem(1.0) is None
    assert SHARE.problem(0.0) is not None and WEIGHT.problem(0.0) is None


def test_ports_and_kept_samples_are_whole_numbers_in_range() -> None:
    assert PORT.parse("8050", "--port") == 8050
    assert PORT_OR_ANY.parse("0", "--prometheus-port") == 0
    with pytest.raises(InvalidValueError, match=r"--port: '0' must be between 1 and 65,535"):
        PORT.parse("0", "--port")
    with pytest.raises(InvalidValueError, match="is not a whole number"):
        PORT.parse("80.5", "--port")
    with pytest.raises(InvalidValueError, match="must be between 1 and 1,000,000,000,000"):
        SAMPLES_KEPT.parse("99999999999999999999999", "keep_samples")


@pytest.mark.parametrize(
    ("argv", "option", "value", "words"),
    [
        (["dashboard"], "--port", "70000", "must be between 1 and 65,535"),
        (["run"], "--prometheus-port", "70000", "must be between 0 and 65,535"),
        (["run"], "--keep-samples", "0", "must be 'all' or between 1 and 1,000,000,000,000"),
        (["study", "compression"], "--student-width", "1", "must be greater than 0 and less than 1"),
        (["study", "compression"], "--ticket-rate", "0", "must be greater than 0 and less than 1"),
        (["study", "compression"], "--sparsity", "0.5,1", "must be greater than 0 and less than 1"),
        (["study", "compression"], "--alpha", "1.5", "must be between 0 and 1"),
        (["study", "compression"], "--finetune-epochs", "-1", "must be between 0 and 10,000"),
        (
            ["study", "compression"],
            "--rewind-iteration",
            "99999999999",
            "must be between 0 and 1,000,000,000",
        ),
        (["study", "compression"], "--threads", "5000", "must be between 1 and 4,096"),
        (["study", "compression"], "--seeds", "10001", "must be between 1 and 10,000"),
        (["estimate", "--hardware", "V100", "--hours", "1"], "--count", "10000001", "1 and 10,000,000"),
    ],
)
def test_every_option_names_itself_the_value_and_the_range_the_same_way(
    argv: list[str], option: str, value: str, words: str
) -> None:
    tail = ["--", "true"] if argv == ["run"] else []
    result = run_cli([*argv, option, value, *tail])
    assert_refused(result, f"argument {option}: ", words)
    bad = value.split(",")[-1]
    assert f"'{bad}'" in result.err, result.err
