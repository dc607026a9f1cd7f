"""The strict loader: rejections name file, line, column and value; user tables merge and win."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlfootprint.errors import ReferenceDataError
from mlfootprint.reference import (
    accelerators,
    find_accelerator,
    intensity_facts,
    load_accelerators,
    load_cpus,
    load_pue,
    pue_facts,
    resolve_intensity,
    resolve_pue,
    validate_table,
)

ACC_HEADER = (
    "name,vendor,kind,aliases,tdp_w,measured_avg_power_w,measured_power_spread_frac,measured_power_source,"
    "peak_fp16_bf16_tflops,peak_fp32_tflops,memory_gb,year,source,license\n"
)


def write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_accelerator_table_loads_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ACC_HEADER
        + "V100,NVIDIA,gpu,,300,310,0.05,our lab meter,125,15.7,32,2017,our measurement,CC0\n"
        + "Acme X1,Acme,gpu,X1;acme-x1,450,,,,800,60,96,2025,Acme datasheet,\n",
    )
    own = load_accelerators(path)
    assert [a.name for a in own] == ["V100", "Acme X1"]
    merged = accelerators(path)
    assert len(merged) == len(accelerators()) + 1
    assert find_accelerator("V100", merged).measured_avg_power_w == 310.0
    assert find_accelerator("acme x1", merged).tdp_w == 450.0
    assert find_accelerator("Tesla V100-SXM2-16GB", merged).name == "Tesla V100 SXM2"
    # the shipped table is untouched
    assert find_accelerator("V100").measured_avg_power_w == 325.0


def test_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "name,vendor,kind,source\nX,Y,gpu,z\n")
    with pytest.raises(ReferenceDataError) as info:
        load_accelerators(path)
    message = str(info.value)
    assert str(path) in message and "'tdp_w'" in message and "\n" not in message


def test_duplicate_key_including_aliases(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ACC_HEADER + "Acme X1,Acme,gpu,,450,,,,,,,2025,a,\n" + "Acme X2,Acme,gpu,acme-x1,450,,,,,,,2025,a,\n",
    )
    with pytest.raises(ReferenceDataError, match=r"line 3: duplicate key 'acmex1' \(first on line 2\)"):
        load_accelerators(path)


@pytest.mark.parametrize(
    ("cells", "column", "value", "reason"),
    [
        ("9000,,,", "tdp_w", "9000", "implausible"),
        ("abc,,,", "tdp_w", "abc", "not a number"),
        ("nan,,,", "tdp_w", "nan", "not a finite number"),
        ("300,310,1.5,x", "measured_power_spread_frac", "1.5", "implausible"),
        ("0.5,,,", "tdp_w", "0.5", "implausible"),
    ],
)
def test_bad_values_named(tmp_path: Path, cells: str, column: str, value: str, reason: str) -> None:
    path = write(tmp_path, ACC_HEADER + f"Acme X1,Acme,gpu,,{cells},,,,2025,a,\n")
    with pytest.raises(ReferenceDataError) as info:
        load_accelerators(path)
    message = str(info.value)
    assert f"{path}: line 2, column '{column}': '{value}'" in message and reason in message


def test_year_out_of_range_and_required_value(tmp_path: Path) -> None:
    path = write(tmp_path, ACC_HEADER + "Acme X1,Acme,gpu,,300,,,,,,,1950,a,\n")
    with pytest.raises(ReferenceDataError, match="column 'year': '1950' is implausible"):
        load_accelerators(path)
    path = write(tmp_path, ACC_HEADER + "Acme X1,Acme,gpu,,300,,,,,,,2020,,\n")
    with pytest.raises(ReferenceDataError, match="column 'source': '' is empty"):
        load_accelerators(path)
    path = write(tmp_path, ACC_HEADER + "Acme X1,Acme,fpga,,300,,,,,,,2020,a,\n")
    with pytest.raises(ReferenceDataError, match="column 'kind': 'fpga' is not one of gpu, tpu"):
        load_accelerators(path)


def test_measured_power_needs_its_source(tmp_path: Path) -> None:
    path = write(tmp_path, ACC_HEADER + "Acme X1,Acme,gpu,,300,250,,,,,,2020,a,\n")
    with pytest.raises(ReferenceDataError, match="measured_power_source"):
        load_accelerators(path)


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="cannot read"):
        load_accelerators(tmp_path / "missing.csv")
    with pytest.raises(ReferenceDataError, match="empty file"):
        load_accelerators(write(tmp_path, ""))
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ReferenceDataError, match=r"bin.csv:1:1: byte 0xff is not UTF-8"):
        load_accelerators(tmp_path / "bin.csv")


def test_pue_range_and_user_override(tmp_path: Path) -> None:
    header = "key,who,aliases,scope,year,pue,source,license\n"
    bad = write(tmp_path, header + "ours,Our DC,,site,2024,0.9,meter,\n")
    with pytest.raises(ReferenceDataError, match=r"column 'pue': '0\.9' is implausible"):
        load_pue(bad)
    good = write(
        tmp_path, header + "ours,Our DC,our-dc,site,2024,1.3,meter,\ngoogle,Google,,fleet,2024,1.2,x,\n"
    )
    facts = pue_facts(good)
    assert resolve_pue("our-dc", facts=facts).pue == 1.3
    assert resolve_pue("google", facts=facts).pue == 1.2
    assert resolve_pue("google", 2023, facts=facts).pue == 1.1


def test_user_intensity_table_wins(tmp_path: Path) -> None:
    header = "region_code,country_iso3,region_name,aliases,year,g_co2e_per_kwh,g_co2_per_kwh,"
    header += "basis,source,license\n"
    path = write(tmp_path, header + "US-EGRID-CAMX,USA,WECC California,,2022,200,,ours,our utility bill,\n")
    facts = intensity_facts(subnational=path)
    assert resolve_intensity("CAMX", facts=facts).g_per_kwh == 200.0
    bad = write(tmp_path, header + "X-1,USA,X,,2022,2500,,ours,src,\n", "bad.csv")
    with pytest.raises(ReferenceDataError, match="'g_co2e_per_kwh': '2500' is implausible"):
        intensity_facts(subnational=bad)


def test_cpu_table_needs_power(tmp_path: Path) -> None:
    header = "name,vendor,segment,cores,threads,tdp_w,tdp_per_core_w,year,source,license\n"
    ok = write(tmp_path, header + "Acme C1,Acme,server,10,,100,,2024,datasheet,\n")
    assert load_cpus(ok)[0].tdp_per_core_w == 10.0
    bad = write(tmp_path, header + "Acme C1,Acme,server,10,,,,2024,datasheet,\n", "bad.csv")
    with pytest.raises(ReferenceDataError, match="'tdp_w'"):
        load_cpus(bad)


def test_validate_table_counts_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path, ACC_HEADER + "Acme X1,Acme,gpu,,450,,,,,,,2025,a,\nAcme X2,Acme,gpu,,450,,,,,,,2025,a,\n"
    )
    assert validate_table("accelerators", path) == 2
