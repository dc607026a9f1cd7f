"""A mistake found once the ledger's path is known is still refused before the ledger is created: the
command exits with one line and no file appears, neither at ``--db`` nor in the default home."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli_harness import assert_refused, run_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    folder = tmp_path / "ledger"
    folder.mkdir()
    return folder


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield int(s.getsockname()[1])


def _no_ledger(home: Path, db: Path) -> None:
    """Neither ledger exists (the resolved-factor cache of valid options may: it is not the ledger)."""
    assert list(db.iterdir()) == [], "a refused command created a file beside --db"
    written = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert all(p.relative_to(home).parts[0] == "cache" for p in written), written


def _nothing_written(home: Path, db: Path) -> None:
    assert list(db.iterdir()) == [], "a refused command created a file beside --db"
    assert not home.exists() or not any(home.iterdir()), "a refused command wrote to the default home"


RUN_BAD = {
    "region": (["--region", "NOWHERE"], "NOWHERE"),
    "zone": (["--zone", "NOWHERE"], "NOWHERE"),
    "datacenter": (["--pue", "no-such-datacenter"], "no-such-datacenter"),
    "series": (["--series", "/no/such/series.csv"], "series.csv"),
}


@pytest.mark.parametrize("case", sorted(RUN_BAD))
@pytest.mark.parametrize("where", ["--db", "default"])
def test_run_with_a_bad_name_creates_no_ledger(home: Path, db: Path, case: str, where: str) -> None:
    options, named = RUN_BAD[case]
    at = ["--db", f"sqlite:///{db / 'runs.sqlite3'}"] if where == "--db" else []
    assert_refused(run_cli(["run", *options, *at, "--", "true"]), named)
    _nothing_written(home, db)


def test_the_same_run_with_a_good_region_does_create_it(home: Path, db: Path) -> None:
    result = run_cli(
        ["run", "--region", "FR", "--quiet", "--db", f"sqlite:///{db / 'runs.sqlite3'}", "--", "true"]
    )
    assert result.status == 0, result.err
    assert [p.name for p in db.iterdir()] == ["runs.sqlite3"]


def test_run_with_a_busy_prometheus_port_creates_no_ledger(home: Path, db: Path, busy_port: int) -> None:
    pytest.importorskip("prometheus_client")
    argv = [
        "run",
        "--prometheus-port",
        str(busy_port),
        "--db",
        f"sqlite:///{db / 'runs.sqlite3'}",
        "--",
        "true",
    ]
    result = run_cli(argv)
    assert result.status != 0 and str(busy_port) in result.err and "Traceback" not in result.err
    _no_ledger(home, db)


def test_demo_with_a_bad_region_creates_no_ledger(home: Path, db: Path) -> None:
    assert_refused(
        run_cli(["demo", "--quick", "--region", "NOWHERE", "--db", f"sqlite:///{db / 'd.sqlite3'}"])
    )
    assert_refused(run_cli(["demo", "--quick", "--region", "NOWHERE"]), "NOWHERE")
    _nothing_written(home, db)


@pytest.mark.parametrize(
    "content", [None, "", "not json\n", '{"run": 1}\n'], ids=["missing", "empty", "text", "shape"]
)
def test_runs_import_of_a_bad_file_creates_no_ledger(
    home: Path, db: Path, tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "fallback.json"
    if content is not None:
        path.write_text(content)
    assert_refused(
        run_cli(["runs", "import", str(path), "--db", f"sqlite:///{db / 'runs.sqlite3'}"]), "fallback.json"
    )
    _nothing_written(home, db)


def test_summary_with_a_bad_plot_name_creates_no_ledger(home: Path, db: Path) -> None:
    assert_refused(
        run_cli(["summary", "--plot", "totals.txt", "--db", f"sqlite:///{db / 'r.sqlite3'}"]), "totals.txt"
    )
    _nothing_written(home, db)


def test_dashboard_on_a_busy_port_creates_no_ledger(home: Path, db: Path, busy_port: int) -> None:
    pytest.importorskip("uvicorn")
    pytest.importorskip("starlette")
    result = run_cli(["dashboard", "--port", str(busy_port), "--db", f"sqlite:///{db / 'r.sqlite3'}"])
    assert result.status != 0 and str(busy_port) in result.err and len(result.err_lines) == 1, result.err
    _nothing_written(home, db)


#: commands that only read the ledger: a named ledger that does not exist is a mistake, not an empty one
READERS = {
    "runs list": ["runs", "list"],
    "runs show": ["runs", "show", "last"],
    "runs delete": ["runs", "delete", "01AAAAAAAAAAAAAAAAAAAAAAAA", "--yes"],
    "report": ["report", "last"],
    "compare": ["compare", "last", "last~1", "--metric", "accuracy"],
    "whatif": ["whatif", "last", "--to-region", "FR"],
    "summary": ["summary"],
    "export": ["export"],
}


@pytest.mark.parametrize("command", sorted(READERS))
@pytest.mark.parametrize("named_by", ["--db", "MLFOOTPRINT_DB"])
def test_reading_a_named_ledger_that_does_not_exist_is_refused(
    home: Path, db: Path, command: str, named_by: str
) -> None:
    url = f"sqlite:///{db / 'typo.sqlite3'}"
    argv = READERS[command]
    if named_by == "--db":
        result = run_cli([*argv, "--db", url])
    else:
        result = run_cli(argv, env={"MLFOOTPRINT_DB": url})
    assert_refused(result, "typo.sqlite3", "no run ledger")
    _nothing_written(home, db)


def test_the_default_ledger_of_a_new_user_reads_as_empty(home: Path, db: Path) -> None:
    result = run_cli(["runs", "list"])
    assert result.status == 0 and "no runs" in result.out, result.err
