"""The adversarial corpus: bad values for every numeric option of every command, the environment and the
config file. Each must be refused with exit status 2 and one line on stderr naming the value: no
traceback, no value silently accepted, no hang (the suite's timeout)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.cli_harness import Result, assert_refused, run_cli

#: bad for every numeric option (not a number, not finite, absurdly large, negative, empty)
BAD_ANYWHERE = [
    "abc", "", " ", "nan", "NaN", "inf", "-inf", "1e999", "1e308", "-1e308", "-1", "-0.5",
    "99999999999999999999999", "1,5", "0x10", "1e", "--", "٣",
]  # fmt: skip

ESTIMATE = ["--hardware", "V100", "--hours", "1", "--region", "DE"]
WHATIF = ["--hardware", "V100", "--hours", "1", "--from-region", "DE", "--pue", "1.1"]
SCHEDULE = ["--zone", "DE", "--arrival", "2022-03-01T00:00Z", "--duration", "1h", "--slack", "6h"]
SHIFT = ["--zone", "DE", "--job-hours", "1", "--slack-hours", "2"]
COMPUTE = ["--hardware", "V100", "--region", "DE"]


def _with(base: list[str], option: str, value: str) -> list[str]:
    """``base`` with ``option`` set to ``value`` (replacing it where ``base`` has it)."""
    argv = list(base)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return argv


#: (command prefix, base options, numeric options, extra values bad for these options)
NUMERIC: list[tuple[list[str], list[str], list[str], list[str]]] = [
    (["estimate"], ESTIMATE, ["--count", "--hours", "--power-w", "--host-power-w", "--pue", "--year",
                              ], ["0", "1e300"]),
    (["estimate"], ESTIMATE, ["--cfe-pct"], ["100.5", "1e300"]),
    (["estimate"], ["--hardware", "V100", "--region", "DE"], ["--days", "--device-hours"], ["0", "1e20"]),
    (["estimate"], ["--hardware", "V100", "--hours", "1"], ["--intensity"], ["430", "2.5", "1e300"]),
    (["report", "--estimate"], ESTIMATE, ["--count", "--hours", "--pue", "--year", "--power-w"], ["0"]),
    (["whatif"], WHATIF, ["--to-pue", "--to-intensity", "--to-year", "--to-cfe-pct", "--speedup",
                          "--model-flops-factor", "--model-time-factor", "--model-power-w",
                          "--to-net-intensity"], ["1e300"]),
    (["whatif"], WHATIF, ["--speedup", "--model-flops-factor", "--model-time-factor"],
     ["1e-300", "1e7", "0"]),
    (["run"], [], ["--interval", "--flush-interval"], ["0", "1e300", "0.001"]),
    (["run"], [], ["--pue"], ["1000", "0.5", "150", "1e300"]),
    (["schedule"], SCHEDULE, ["--duration", "--slack"], ["0", "999999999999h", "1e308", "6 parsecs"]),
    (["schedule"], [*SCHEDULE, "--interruptible"], ["--checkpoint-overhead"], ["0", "1e308"]),
    (["shift"], SHIFT, ["--job-hours"], ["0", "1e308", "876601"]),
    (["shift"], SHIFT, ["--slack-hours", "--forecast-error-pct"], ["1e308", "1e20"]),
    (["shift"], SHIFT, ["--seeds"], ["0", "99999999999999", "1.5"]),
    (["summary"], [], ["--price-per-kwh", "--price-per-device-hour"], ["1e308", "1e7"]),
    (["export"], [], ["--price-per-kwh"], ["1e308"]),
    (["runs", "list"], [], ["--limit"], ["0", "1.5", "99999999999999999999999"]),
    (["runs"], [], ["--limit"], ["0"]),
    (["demo"], [], ["--epochs"], ["0", "99999999999999999999", "1e9", "10001"]),
    (["estimate"], [*COMPUTE, "--achieved-tflops", "100"], ["--flops"], ["0", "1e31"]),
    (["estimate"], [*COMPUTE, "--flops", "1e20"], ["--achieved-tflops"], ["0", "1e6"]),
    (["estimate"], [*COMPUTE, "--flops", "1e20"], ["--mfu"], ["0", "1.5", "50"]),
    (["estimate"], [*COMPUTE, "--tokens", "1e9", "--mfu", "0.4"], ["--params", "--active-params"],
     ["0", "1e16"]),
    (["estimate"], [*COMPUTE, "--params", "1e9", "--mfu", "0.4"], ["--tokens"], ["0", "1e19"]),
    (["run"], [], ["--budget"], ["0kWh", "2kw", "1e12MWh", "-3kg", "5 parsecs", "2e9t", "kWh"]),
    (["run"], [], ["--prometheus-port"], ["65536", "70000", "1e9", "1.5", "8080.0"]),
    (["run"], [], ["--keep-samples"], ["0", "1e30", "1.5", "2000000000000", "alll", "9" * 23]),
    (["dashboard"], [], ["--port"], ["0", "65536", "70000", "1.5", "1e9"]),
    (["estimate"], ESTIMATE, ["--count"], ["10000001", "1.5"]),
    (["study", "compression"], [], ["--student-width", "--ticket-rate", "--sparsity"],
     ["0", "1", "1.0", "1.5", "50", "1e-400"]),
    (["study", "compression"], [], ["--sparsity"], ["0.5,1", "0.5,,0", "0.5,abc"]),
    (["study", "compression"], [], ["--alpha"], ["1.5", "1.0001", "100"]),
    (["study", "compression"], [], ["--finetune-epochs", "--rewind-iteration"],
     ["1.5", "1e12", "2e9", "99999999999"]),
    (["study", "compression"], [], ["--finetune-epochs", "--seeds", "--epochs"], ["10001"]),
    (["study", "compression"], [], ["--threads"], ["4097"]),
    (["study", "compression"], [], ["--teacher-width"], ["1000001"]),
    (["study", "compression"], [], ["--teacher-width", "--ticket-rounds", "--seeds", "--epochs",
                                    "--inference-rounds", "--threads"], ["0", "1.5", "99999999999"]),
    (["study", "compression"], [], ["--temperature", "--window"], ["0", "1e300"]),
]  # fmt: skip

CASES = [
    pytest.param(prefix, base, option, value, id=f"{' '.join(prefix)} {option} {value!r}")
    for prefix, base, options, extra in NUMERIC
    for option in options
    for value in BAD_ANYWHERE + extra
    if not (
        option == "--pue" and prefix == ["run"] and value in ("abc", "", " ", "--", "٣", "1,5", "0x10", "1e")
    )
    and not (option == "--flops" and value == "99999999999999999999999")  # 1e23 FLOPs: a GPT-3-sized run
]


def _names(result: Result, value: str) -> bool:
    """Whether the error line names ``value`` (as given, or as the number it parsed to)."""
    candidates = {value, repr(value), value.strip()}
    try:
        number = float(value)
        candidates |= {repr(number), f"{number:g}"}
    except ValueError:
        pass
    return any(c and c in result.err for c in candidates) or (not value.strip() and "''" in result.err)


@pytest.mark.parametrize(("prefix", "base", "option", "value"), CASES)
def test_bad_number_is_refused_naming_it(
    home: Path, prefix: list[str], base: list[str], option: str, value: str
) -> None:
    argv = prefix + _with(base, option, value)
    if prefix == ["run"]:
        argv += ["--", "true"]
    result = run_cli(argv)
    assert_refused(result)
    assert _names(result, value) or option in result.err, result.err
    assert not home.exists() or not any(home.iterdir()), "nothing is written for bad input"


COMPARE_BAD = {
    "no-runs": (["compare", "--metric", "accuracy"], "--project"),
    "ids-and-project": (["compare", "abcdef12", "--project", "p", "--metric", "accuracy"], "not both"),
    "bad-cost": (["compare", "--project", "p", "--metric", "accuracy", "--cost", "joules"], "joules"),
    "bad-tag": (["compare", "--project", "p", "--metric", "accuracy", "--tag", "noequals"], "noequals"),
    "no-metric": (["compare", "--project", "p"], "--metric"),
    "unknown-run": (["compare", "zzzzzzzz", "--metric", "accuracy"], "zzzzzzzz"),
    "empty-project": (["compare", "--project", "nothing-here", "--metric", "accuracy"], "nothing-here"),
    "bad-format": (["compare", "--project", "p", "--metric", "accuracy", "--format", "xml"], "xml"),
}


@pytest.mark.parametrize("name", sorted(COMPARE_BAD))
def test_bad_compare_is_refused(home: Path, name: str) -> None:
    argv, named = COMPARE_BAD[name]
    assert_refused(run_cli(argv), named)


BAD_TIMES = ["9999-12-31T23:00Z", "0001-01-01T00:00Z", "1969-12-31T23:00Z", "2101-01-01T00:00Z", "yesterday",
             "2022-13-01T00:00Z", "", "2022-02-30", "1e308", "-1"]  # fmt: skip


@pytest.mark.parametrize("value", BAD_TIMES)
@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["schedule", *SCHEDULE], "--arrival"),
        (["schedule", "--zone", "DE", "--arrival", "2022-03-01T00:00Z", "--duration", "1h"], "--deadline"),
        (["run", "--start-when-cleaner", "--zone", "DE", "--", "true"], "--deadline"),
        (["whatif", *WHATIF, "--when", "--zone", "DE", "--slack", "6h"], "--arrival"),
    ],
)
def test_bad_time_is_refused(home: Path, argv: list[str], option: str, value: str) -> None:
    argv = list(argv)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        cut = argv.index("--") if "--" in argv else len(argv)
        argv[cut:cut] = [option, value]
    assert_refused(run_cli(argv))


ENV_BAD = {
    "MLFOOTPRINT_PUE": ["1000", "0.5", "nan", "inf", "-1", "abc", "150", "1e308", "0"],
    "MLFOOTPRINT_INTERVAL_S": ["1e300", "0", "-1", "nan", "0.001", "abc", "inf", "99999"],
    "MLFOOTPRINT_FLUSH_INTERVAL_S": ["1e300", "0", "-1", "nan", "abc", "inf", "1e6"],
    "MLFOOTPRINT_SCOPE": ["bogus", "MACHINE", "machine;rm"],
    "MLFOOTPRINT_DB": ["bogus", "mysql://h/db", "sqlite:", "sqlite:///", "postgresql://", "sqlite:///x?y", "http://a"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "value"), [(k, v) for k, values in ENV_BAD.items() for v in values], ids=str
)
@pytest.mark.parametrize("command", [["run", "--", "true"], ["runs", "list"]], ids=["run", "runs-list"])
def test_bad_environment_is_refused(home: Path, variable: str, value: str, command: list[str]) -> None:
    result = run_cli(command, env={variable: value})
    if command[0] == "runs" and variable != "MLFOOTPRINT_DB":
        # read commands do not use the tracking settings; they must still not crash
        assert result.status in (0, 2) and "Traceback" not in result.err
        return
    assert_refused(result)
    assert variable in result.err or "--db" in result.err
    assert not home.exists() or not any(home.iterdir()), "nothing is written for bad input"


CONFIGS = {
    "pue-1000": "[mlfootprint]\npue = 1000\n",
    "pue-percent": "[mlfootprint]\npue = 150\n",
    "pue-nan": "[mlfootprint]\npue = nan\n",
    "interval-huge": "[mlfootprint]\ninterval_s = 1e300\n",
    "flush-huge": "[mlfootprint]\nflush_interval_s = 1e300\n",
    "flush-zero": "[mlfootprint]\nflush_interval_s = 0\n",
    "unknown-key": "[mlfootprint]\npeu = 1.1\n",
    "scope": "[mlfootprint]\nscope = everything\n",
    "no-section-header": "pue = 1.1\n",
    "duplicate-key": "[mlfootprint]\npue = 1.1\npue = 1.2\n",
    "duplicate-section": "[mlfootprint]\npue = 1.1\n[mlfootprint]\npue = 1.2\n",
    "interpolation": "[mlfootprint]\npue = %(x)s\n",
    "bare-cr": "[mlfootprint]\rpue = 7\r",
    "latin-1": "[mlfootprint]\nproject = caf\xe9\npue = 9\n",
    "nul": "[mlfootprint]\npue = 1\x00.1\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_bad_config_file_is_refused_naming_the_file(home: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / "config.ini"
    text = CONFIGS[name]
    path.write_bytes(text.encode("latin-1") if name == "latin-1" else text.encode())
    result = run_cli(["run", "--", "true"], env={"MLFOOTPRINT_CONFIG": str(path)})
    assert_refused(result, "config")
    assert not home.exists() or not any(home.iterdir()), "nothing is written for bad input"


def test_config_that_is_a_folder_or_binary(home: Path, tmp_path: Path) -> None:
    assert_refused(run_cli(["run", "--", "true"], env={"MLFOOTPRINT_CONFIG": str(tmp_path)}), "config")
    blob = tmp_path / "blob.ini"
    blob.write_bytes(bytes(range(256)) * 4)
    assert_refused(run_cli(["run", "--", "true"], env={"MLFOOTPRINT_CONFIG": str(blob)}), "config")


def test_config_error_names_the_line(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    path.write_text("[mlfootprint]\nproject = x\npue = 1000\n")
    result = run_cli(["run", "--", "true"], env={"MLFOOTPRINT_CONFIG": str(path)})
    assert_refused(result, f"{path}:3", "1000")


BAD_LABELS = ["", " ", "a\x00b", "line\nbreak", "bell\x07", "x" * 1001, "del\x7f"]


@pytest.mark.parametrize("value", BAD_LABELS, ids=repr)
@pytest.mark.parametrize("option", ["--name", "--project", "--tag"])
def test_bad_label_is_refused(home: Path, option: str, value: str) -> None:
    given = f"k={value}" if option == "--tag" and value.strip() else value
    assert_refused(run_cli(["run", option, given, "--", "true"]), option)


#: the extremes every option accepts: a run started with them can be listed, shown and deleted
EXTREMES = [
    ["--interval", "3600", "--flush-interval", "86400"],
    ["--interval", "0.05", "--flush-interval", "0.05"],
    ["--pue", "3", "--region", "PL"],
    ["--pue", "1"],
    ["--name", "é" * 1000, "--project", "π" * 1000, "--tag", "k=" + "v" * 1000],
    ["--scope", "process"],
]


@pytest.mark.parametrize("options", EXTREMES, ids=lambda o: " ".join(x[:12] for x in o))
def test_a_run_with_any_accepted_option_can_be_listed_shown_and_deleted(
    home: Path, options: list[str]
) -> None:
    ran = run_cli(["run", *options, "--", "true"])
    assert ran.status == 0, ran.err
    listed = run_cli(["runs", "list", "--format", "json"])
    assert listed.status == 0 and listed.err == ""
    run_id = json.loads(listed.out)["runs"][0]["id"]
    shown = run_cli(["runs", "show", run_id])
    assert shown.status == 0 and shown.err == "", shown.err
    deleted = run_cli(["runs", "delete", run_id, "--yes"])
    assert deleted.status == 0, deleted.err
    assert json.loads(run_cli(["runs", "list", "--format", "json"]).out)["runs"] == []
