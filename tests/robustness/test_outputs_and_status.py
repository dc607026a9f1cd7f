"""Output paths are checked before anything runs; ``run`` always returns its command's status."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.cli_harness import assert_refused, run_cli
from mlfootprint.cli.run import run_status

BAD_FILES = ["/nonexistent/x.json", "", "{tmp}", "{tmp}/missing/deeper/x.out", "{tmp}/file.txt/x.out"]


def _path(template: str, tmp_path: Path) -> str:
    (tmp_path / "file.txt").write_text("a file, not a folder")
    return template.replace("{tmp}", str(tmp_path))


@pytest.mark.parametrize("template", BAD_FILES)
@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--estimate", "--hardware", "V100", "--hours", "1", "--region", "DE", "--out"],
        ["export", "--out"],
        ["summary", "--plot"],
        ["whatif", "--hardware", "V100", "--hours", "1", "--from-region", "DE", "--pue", "1.1",
         "--to-pue", "1.05",
         "--plot"],
    ],
    ids=["report", "export", "summary", "whatif"],
)  # fmt: skip
def test_unwritable_output_file_is_refused_before_the_command(
    home: Path, tmp_path: Path, argv: list[str], template: str
) -> None:
    assert_refused(run_cli([*argv, _path(template, tmp_path)]))


@pytest.mark.parametrize("template", ["/nonexistent/x.json", "{tmp}", "{tmp}/file.txt/x.json"])
def test_run_checks_json_out_before_starting_the_command(home: Path, tmp_path: Path, template: str) -> None:
    marker = tmp_path / "ran"
    result = run_cli(
        ["run", "--json-out", _path(template, tmp_path), "--", "sh", "-c", f"touch {marker}; exit 3"]
    )
    assert_refused(result, "--json-out")
    assert not marker.exists()


def test_report_plots_folder_that_is_a_file(home: Path, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    result = run_cli(["report", "someid", "--format", "html", "--plots", str(tmp_path / "file.txt")])
    assert_refused(result, "--plots")


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_run_exits_with_the_command_status(home: Path, tmp_path: Path, code: int) -> None:
    out = tmp_path / "run.json"
    result = run_cli(["run", "--json-out", str(out), "--", "sh", "-c", f"exit {code}"])
    assert result.status == code, result.err
    assert out.is_file() and "Traceback" not in result.err


def test_run_status_of_signals_matches_track() -> None:
    assert run_status(0) == "finished"
    assert run_status(1) == "failed"
    assert run_status(130) == "interrupted"  # Ctrl-C, as track() stores a KeyboardInterrupt
    assert run_status(143) == "interrupted"  # SIGTERM
    assert run_status(137) == "failed"  # SIGKILL of the command: not an interruption we were asked for


def test_ctrl_c_in_run_is_stored_as_interrupted(home: Path) -> None:
    result = run_cli(["run", "--", "sh", "-c", "kill -INT $$"])
    assert result.status == 130, result.err
    listed = run_cli(["runs", "list", "--format", "json"])
    assert '"status": "interrupted"' in listed.out, listed.out


def test_ctrl_c_in_track_is_stored_as_interrupted(home: Path) -> None:
    import mlfootprint
    from mlfootprint.store import open_store
    from mlfootprint.testing import FakeClock, FakeMeter

    clock = FakeClock()
    meter = FakeMeter(
        clock, meter_id="nvml:0", component="gpu", method="counter", power_w=10.0, source="fake"
    )
    tracker = mlfootprint.track(region="FR", meters=[meter], clock=clock)
    with pytest.raises(KeyboardInterrupt), tracker:
        raise KeyboardInterrupt
    with open_store() as store:
        assert tracker.id is not None
        assert store.get_run(tracker.id).status == "interrupted"
