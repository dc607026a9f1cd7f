"""Facts compiled for mlfootprint beyond the shared fact tables, merged by ``build_reference.py``.

Every CSV here carries its own ``source``, ``year`` (or the row's data year), ``license`` and, where a
figure is uncertain, ``confidence`` (high | medium | low) and a note saying why. The loaders widen the
uncertainty interval of a low-confidence figure instead of pretending it is precise.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

Row = dict[str, str]
Writer = Callable[[str, list[str], list[Row]], None]

#: US state -> (USPS code, dominant eGRID subregion, note when the state spans several)
US_STATES: dict[str, tuple[str, str, str]] = {
    "Alabama": ("AL", "SRSO", ""),
    "Alaska": ("AK", "AKGD", "AKMS covers the islands and the rest"),
    "Arizona": ("AZ", "AZNM", ""),
    "Arkansas": ("AR", "SRMV", "north-west Arkansas is SPSO"),
    "California": ("CA", "CAMX", ""),
    "Colorado": ("CO", "RMPA", ""),
    "Connecticut": ("CT", "NEWE", ""),
    "Delaware": ("DE", "RFCE", ""),
    "District of Columbia": ("DC", "RFCE", ""),
    "Florida": ("FL", "FRCC", "the western panhandle is SRSO"),
    "Georgia": ("GA", "SRSO", ""),
    "Hawaii": ("HI", "HIOA", "islands other than Oahu are HIMS"),
    "Idaho": ("ID", "NWPP", ""),
    "Illinois": ("IL", "RFCW", "southern Illinois is SRMW"),
    "Indiana": ("IN", "RFCW", ""),
    "Iowa": ("IA", "MROW", ""),
    "Kansas": ("KS", "SPNO", ""),
    "Kentucky": ("KY", "SRTV", "parts of Kentucky are RFCW"),
    "Louisiana": ("LA", "SRMV", ""),
    "Maine": ("ME", "NEWE", ""),
    "Maryland": ("MD", "RFCE", ""),
    "Massachusetts": ("MA", "NEWE", ""),
    "Michigan": ("MI", "RFCM", "the Upper Peninsula is MROE"),
    "Minnesota": ("MN", "MROW", ""),
    "Mississippi": ("MS", "SRMV", "parts are SRSO and SRTV"),
    "Missouri": ("MO", "SRMW", ""),
    "Montana": ("MT", "NWPP", ""),
    "Nebraska": ("NE", "MROW", ""),
    "Nevada": ("NV", "AZNM", "southern Nevada (Las Vegas) is AZNM; northern Nevada is NWPP"),
    "New Hampshire": ("NH", "NEWE", ""),
    "New Jersey": ("NJ", "RFCE", ""),
    "New Mexico": ("NM", "AZNM", ""),
    "New York": ("NY", "NYUP", "New York City is NYCW and Long Island NYLI"),
    "North Carolina": ("NC", "SRVC", ""),
    "North Dakota": ("ND", "MROW", ""),
    "Ohio": ("OH", "RFCW", ""),
    "Oklahoma": ("OK", "SPSO", ""),
    "Oregon": ("OR", "NWPP", ""),
    "Pennsylvania": ("PA", "RFCE", "western Pennsylvania is RFCW"),
    "Rhode Island": ("RI", "NEWE", ""),
    "South Carolina": ("SC", "SRVC", ""),
    "South Dakota": ("SD", "MROW", ""),
    "Tennessee": ("TN", "SRTV", ""),
    "Texas": ("TX", "ERCT", "the panhandle is SPSO and east Texas SRMV"),
    "Utah": ("UT", "NWPP", ""),
    "Vermont": ("VT", "NEWE", ""),
    "Virginia": ("VA", "SRVC", ""),
    "Washington": ("WA", "NWPP", ""),
    "West Virginia": ("WV", "RFCW", ""),
    "Wisconsin": ("WI", "MROE", "western Wisconsin is MROW"),
    "Wyoming": ("WY", "RMPA", "western Wyoming is NWPP"),
}
EGRID_STATE_MAP_SOURCE = (
    "US EPA eGRID subregion map (eGRID2022 subregion boundaries); state assigned to the subregion "
    "serving most of its load, compiled for mlfootprint"
)


def read(name: str) -> list[Row]:
    with (HERE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def supplement_accelerators(rows: list[Row], license_for: Callable[[str], str]) -> list[Row]:
    """Amend shipped rows (aliases, family, class power estimate) and add new ones; then inherit."""
    by_name = {row["name"]: row for row in rows}
    for sup in read("accelerators.csv"):
        if sup["name"] in by_name:
            row = by_name[sup["name"]]
            row["aliases"] = ";".join(dict.fromkeys(_split(row.get("aliases", "")) + _split(sup["aliases"])))
            for column in ("family", "estimated_power_w", "estimated_power_basis", "confidence"):
                if sup.get(column):
                    row[column] = sup[column]
            continue
        row = {k: v for k, v in sup.items() if k != "power_confidence"}
        row["license"] = sup["license"] or license_for(sup["source"])
        if sup.get("power_confidence") == "medium" and sup.get("tdp_w"):
            row["power_basis"] = f"{sup['power_basis']} (medium confidence)"
        rows.append(row)
        by_name[row["name"]] = row
    for generic in ("P100", "V100"):
        by_name[generic]["family"] = generic
    for name in ("TPU v2", "TPU v3", "TPU v4"):
        by_name[name]["family"] = name
    heads = {
        row["family"]: row
        for row in rows
        if row.get("family") and row.get("measured_avg_power_w") and row["name"] == row["family"]
    }
    heads.update(
        {
            row["family"]: row
            for row in rows
            if row.get("measured_avg_power_w") and row["name"] == row["family"]
        }
    )
    for row in rows:
        head = heads.get(row.get("family", ""))
        if head is None or row is head or row.get("measured_avg_power_w"):
            continue
        row["measured_avg_power_w"] = head["measured_avg_power_w"]
        row["measured_power_spread_frac"] = head["measured_power_spread_frac"]
        row["measured_power_source"] = (
            f"inherited from the {head['name']} family: {head['measured_power_source']} "
            "(measured on the family's boards, not this variant)"
        )
    return rows


def supplement_pue(rows: list[Row]) -> list[Row]:
    have = {(row["key"], row["year"]) for row in rows}
    for sup in read("pue.csv"):
        if (sup["key"], sup["year"]) in have:
            continue
        rows.append(dict(sup))
    return rows


def supplement_subnational(rows: list[Row]) -> list[Row]:
    """US states as rows of their dominant eGRID subregion (same figure, stated mapping)."""
    egrid = {
        row["region_code"].removeprefix("US-EGRID-"): row
        for row in rows
        if row["region_code"].startswith("US-EGRID-")
    }
    for state, (code, sub, note) in US_STATES.items():
        base = egrid[sub]
        aliases = [f"{state} (US)", f"{state}, US", f"{state}, USA", f"US {state}", f"{state} state"]
        rows.append(
            {
                "region_code": f"US-{code}",
                "country_iso3": "USA",
                "region_name": state,
                "aliases": ";".join(aliases),
                "grid_type": f"US state, mapped to eGRID subregion {sub}",
                "year": base["year"],
                "g_co2e_per_kwh": base["g_co2e_per_kwh"],
                "g_co2_per_kwh": base["g_co2_per_kwh"],
                "basis": base["basis"],
                "source": f"{base['source']}; state-to-subregion mapping: {EGRID_STATE_MAP_SOURCE}",
                "license": base["license"],
                "notes": f"US state {code}: figure of eGRID subregion {sub}" + (f" ({note})" if note else ""),
            }
        )
    return rows


def build_supplement_tables(write: Writer) -> None:
    """Tables that exist only in the supplement: places, embodied emissions, calibration set."""
    for name in ("places.csv", "embodied.csv", "calibration.csv"):
        rows = read(name)
        write(name, list(rows[0].keys()), rows)
