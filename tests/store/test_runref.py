"""Run references: last, last~N, unique parts of ids, names; ambiguity is a one-line usage error."""

from __future__ import annotations

import pytest

from mlfootprint.errors import RunNotFoundError, UsageError
from mlfootprint.store.runref import resolve_run_ref, short_id

# newest first, as the ledger lists them; the first ten characters (the time) are shared
RUNS = [
    ("01M841S4TNZN2KG3J6YG6NDW07", "readme", "hourly"),
    ("01M841S4TM7QX0AB12CDEF3456", "readme", "sweep-lr"),
    ("01M841S4TKZZZZ99998888AAAA", "demo", "sweep-lr"),
]


def test_last_and_last_n_count_back_from_the_newest() -> None:
    assert resolve_run_ref("last", RUNS) == RUNS[0][0]
    assert resolve_run_ref("last~0", RUNS) == RUNS[0][0]
    assert resolve_run_ref("LAST~2", RUNS) == RUNS[2][0]
    with pytest.raises(RunNotFoundError, match="holds only 3 run"):
        resolve_run_ref("last~3", RUNS)


def test_the_short_id_and_any_unique_part_resolve_case_insensitively() -> None:
    assert short_id(RUNS[0][0]) == "6YG6NDW07"[-8:]
    assert resolve_run_ref("YG6NDW07", RUNS) == RUNS[0][0]
    assert resolve_run_ref("ndw0", RUNS) == RUNS[0][0]
    assert resolve_run_ref(RUNS[1][0], RUNS) == RUNS[1][0]


def test_a_shared_time_prefix_is_ambiguous_and_lists_the_candidates() -> None:
    with pytest.raises(RunNotFoundError) as info:
        resolve_run_ref("01M841", RUNS)
    message = str(info.value)
    assert "ambiguous" in message and "\n" not in message
    assert RUNS[0][0] in message and "readme/hourly" in message
    assert isinstance(info.value, UsageError)  # exit status 2


def test_names_resolve_when_one_run_has_them() -> None:
    assert resolve_run_ref("hourly", RUNS) == RUNS[0][0]
    assert resolve_run_ref("demo/sweep-lr", RUNS) == RUNS[2][0]
    with pytest.raises(RunNotFoundError, match=r"ambiguous: it matches .*readme/sweep-lr.*demo/sweep-lr"):
        resolve_run_ref("sweep-lr", RUNS)


def test_unknown_references_name_the_latest_runs_and_an_empty_ledger_says_so() -> None:
    with pytest.raises(
        RunNotFoundError, match=r"unknown run id 'nope'.*01M841S4TNZN2KG3J6YG6NDW07 \(readme/hourly\)"
    ):
        resolve_run_ref("nope", RUNS)
    with pytest.raises(RunNotFoundError, match="holds no runs"):
        resolve_run_ref("last", [], ledger="sqlite:///x")
