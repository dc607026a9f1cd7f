"""Build the package's reference tables from the compiled fact tables.

Usage::

    python tools/build_reference.py [SHARED_REFERENCE_DIR]

Reads the fact tables in ``../shared/reference/`` (beside the checkout by default) and writes
``src/mlfootprint/reference/data/*.csv``. The output is deterministic: running it twice gives the same
bytes. The package never reads the fact tables at run time; the committed CSVs are the product's data.

Facts added here that are not in the fact tables, each with its citation in the row it lands in:
measured average system power per accelerator (Patterson et al. 2021, Table 3; Chowdhery et al. 2022,
Appendix B), TPU v2/v3 TDP (Patterson et al. 2021, Table 4), the OWID "World" series, ISO 3166-1 alpha-2
codes and common country aliases.

Facts compiled for this package beyond the shared fact tables live in ``tools/reference_supplement/``
(one CSV per concept, every row with ``source``, ``year``, ``license`` and a ``confidence``), merged by
``tools/reference_supplement/__init__.py``: more accelerators and their aliases, accelerator families
(a variant inherits its family's published measured average and says so), PUE by year and for HPC
centres and GPU clouds, US states mapped to eGRID subregions, cloud and HPC sites by name, embodied
(manufacturing) emissions per device, and the calibration set of published footprints.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
OUT = ROOT / "src" / "mlfootprint" / "reference" / "data"

PATTERSON_2021 = (
    "Patterson et al. 2021, Carbon Emissions and Large Neural Network Training (arXiv:2104.10350)"
)
PATTERSON_T3 = PATTERSON_2021 + ", Table 3: measured average system power per accelerator"
PATTERSON_T4 = PATTERSON_2021 + ", Table 4"
PALM_B = (
    "Chowdhery et al. 2022, PaLM: Scaling Language Modeling with Pathways (arXiv:2204.02311), Appendix B: "
    "measured average system power per TPU v4 chip"
)

#: shipped name -> (new name or None, aliases, extra fields)
ACCELERATOR_EDITS: dict[str, tuple[str | None, list[str], dict[str, str]]] = {
    "Tesla K80": (None, ["K80"], {}),
    "Tesla P100 PCIe 16GB": (None, ["P100 PCIe"], {}),
    "Tesla P100 SXM2 16GB": (None, ["P100 SXM2"], {}),
    "Tesla V100 PCIe": (None, ["V100 PCIe"], {"memory_gb": ""}),
    "Tesla V100 SXM2": (None, ["V100 SXM2"], {"memory_gb": ""}),
    "T4": (None, [], {}),
    "A10": (None, [], {}),
    "A100 PCIe 40GB": (None, ["A100 PCIe"], {}),
    "A100 PCIe 80GB": (None, ["A100 80GB PCIe"], {}),
    "A100 SXM4 40GB": (None, ["A100", "A100 SXM4", "A100 SXM 40GB"], {}),
    "A100 SXM4 80GB": (None, ["A100 SXM 80GB"], {}),
    "L4": (None, [], {}),
    "L40S": (None, [], {}),
    "H100 PCIe 80GB": (None, ["H100 PCIe"], {}),
    "H100 SXM5 80GB": (None, ["H100", "H100 SXM", "H100 SXM5", "H100 80GB HBM3"], {}),
    "H100 NVL": (None, [], {}),
    "H200 SXM 141GB": (None, ["H200", "H200 SXM"], {}),
    "H200 NVL 141GB": (None, ["H200 NVL"], {}),
    "B200 (HGX/DGX)": ("B200", ["B200 HGX", "B200 DGX"], {}),
    "GB200 (per Blackwell GPU)": ("GB200", ["GB200 NVL72"], {}),
    "GeForce RTX 3090": (None, ["RTX 3090"], {}),
    "GeForce RTX 4090": (None, ["RTX 4090"], {}),
    "Instinct MI100": (None, ["MI100"], {}),
    "Instinct MI250X": (None, ["MI250X"], {}),
    "Instinct MI300X": (None, ["MI300X"], {}),
    "TPU v2": (
        None,
        ["TPU2", "Cloud TPU v2"],
        {
            "tdp_w": "280",
            "power_basis": "TDP per chip (Patterson et al. 2021, Table 4)",
            "measured_avg_power_w": "221",
            "measured_power_spread_frac": "0.05",
            "measured_power_source": PATTERSON_T3,
        },
    ),
    "TPU v3": (
        None,
        ["TPU3", "Cloud TPU v3"],
        {
            "tdp_w": "450",
            "power_basis": "TDP per chip (Patterson et al. 2021, Table 4); Google docs: chip mean 220 W "
            "(min 123, max 262)",
            "measured_avg_power_w": "283",
            "measured_power_spread_frac": "0.10",
            "measured_power_source": PATTERSON_T3,
        },
    ),
    "TPU v4": (
        None,
        ["TPU4", "Cloud TPU v4"],
        {
            "tdp_w": "",
            "power_basis": "no TDP published; Google docs: chip mean 170 W (min 90, max 192)",
            "measured_avg_power_w": "378.5",
            "measured_power_spread_frac": "",
            "measured_power_source": PALM_B,
        },
    ),
    "TPU v5e": (None, ["TPU5e"], {}),
    "TPU v5p": (None, ["TPU5p"], {}),
    "TPU v6e (Trillium)": ("TPU v6e", ["Trillium", "TPU6e"], {}),
}

#: generic rows: Patterson et al. 2021 speak of "P100" and "V100" without a board variant
GENERIC_ACCELERATORS = [
    {
        "name": "P100",
        "vendor": "NVIDIA",
        "kind": "gpu",
        "aliases": "Tesla P100",
        "form_factor": "any (SXM2 figures)",
        "tdp_w": "300",
        "power_basis": "TDP as used by Patterson et al. 2021, Table 1 (SXM2 board)",
        "measured_avg_power_w": "271",
        "measured_power_spread_frac": "0.11",
        "measured_power_source": PATTERSON_T3,
        "peak_fp16_bf16_tflops": "21.2",
        "fp16_bf16_definition": "FP16 (non-tensor, half precision), SXM2",
        "peak_fp32_tflops": "10.6",
        "memory_gb": "16",
        "year": "2016",
        "source": PATTERSON_2021 + "; peaks from the NVIDIA Tesla P100 (NVLink) datasheet",
        "license": "facts from the paper and the vendor datasheet",
        "notes": "generic row for papers that name no board variant; measured power includes host share",
    },
    {
        "name": "V100",
        "vendor": "NVIDIA",
        "kind": "gpu",
        "aliases": "Tesla V100",
        "form_factor": "any (SXM2 figures)",
        "tdp_w": "300",
        "power_basis": "TDP as used by Patterson et al. 2021, Table 4 (SXM2 board)",
        "measured_avg_power_w": "325",
        "measured_power_spread_frac": "0.02",
        "measured_power_source": PATTERSON_T3,
        "peak_fp16_bf16_tflops": "125",
        "fp16_bf16_definition": "FP16 tensor (mixed precision), SXM2",
        "peak_fp32_tflops": "15.7",
        "memory_gb": "",
        "year": "2017",
        "source": PATTERSON_2021 + "; peaks from the NVIDIA Tesla V100 datasheet",
        "license": "facts from the paper and the vendor datasheet",
        "notes": "generic row for papers that name no board variant; 16 or 32 GB; "
        "measured power includes host share",
    },
]

ACCELERATOR_COLUMNS = [
    "name",
    "vendor",
    "kind",
    "aliases",
    "form_factor",
    "tdp_w",
    "power_basis",
    "measured_avg_power_w",
    "measured_power_spread_frac",
    "measured_power_source",
    "peak_fp16_bf16_tflops",
    "fp16_bf16_definition",
    "peak_fp32_tflops",
    "memory_gb",
    "year",
    "source",
    "license",
    "notes",
    "family",
    "estimated_power_w",
    "estimated_power_basis",
    "confidence",
]

_ISO2_PAIRS = """
ABW:AW AFG:AF AGO:AO ALB:AL ARE:AE ARG:AR ARM:AM ASM:AS ATG:AG AUS:AU AUT:AT AZE:AZ BDI:BI BEL:BE BEN:BJ
BFA:BF BGD:BD BGR:BG BHR:BH BHS:BS BIH:BA BLR:BY BLZ:BZ BMU:BM BOL:BO BRA:BR BRB:BB BRN:BN BTN:BT BWA:BW
CAF:CF CAN:CA CHE:CH CHL:CL CHN:CN CIV:CI CMR:CM COD:CD COG:CG COK:CK COL:CO COM:KM CPV:CV CRI:CR CUB:CU
CYM:KY CYP:CY CZE:CZ DEU:DE DJI:DJ DMA:DM DNK:DK DOM:DO DZA:DZ ECU:EC EGY:EG ERI:ER ESP:ES EST:EE ETH:ET
FIN:FI FJI:FJ FLK:FK FRA:FR FRO:FO GAB:GA GBR:GB GEO:GE GHA:GH GIB:GI GIN:GN GLP:GP GMB:GM GNB:GW GNQ:GQ
GRC:GR GRD:GD GRL:GL GTM:GT GUF:GF GUM:GU GUY:GY HKG:HK HND:HN HRV:HR HTI:HT HUN:HU IDN:ID IND:IN IRL:IE
IRN:IR IRQ:IQ ISL:IS ISR:IL ITA:IT JAM:JM JOR:JO JPN:JP KAZ:KZ KEN:KE KGZ:KG KHM:KH KIR:KI KNA:KN KOR:KR
KWT:KW LAO:LA LBN:LB LBR:LR LBY:LY LCA:LC LKA:LK LSO:LS LTU:LT LUX:LU LVA:LV MAC:MO MAR:MA MDA:MD MDG:MG
MDV:MV MEX:MX MKD:MK MLI:ML MLT:MT MMR:MM MNE:ME MNG:MN MOZ:MZ MRT:MR MSR:MS MTQ:MQ MUS:MU MWI:MW MYS:MY
NAM:NA NCL:NC NER:NE NGA:NG NIC:NI NLD:NL NOR:NO NPL:NP NRU:NR NZL:NZ OMN:OM PAK:PK PAN:PA PER:PE PHL:PH
PNG:PG POL:PL PRI:PR PRK:KP PRT:PT PRY:PY PSE:PS PYF:PF QAT:QA REU:RE ROU:RO RUS:RU RWA:RW SAU:SA SDN:SD
SEN:SN SGP:SG SHN:SH SLB:SB SLE:SL SLV:SV SOM:SO SPM:PM SRB:RS SSD:SS STP:ST SUR:SR SVK:SK SVN:SI SWE:SE
SWZ:SZ SYC:SC SYR:SY TCA:TC TCD:TD TGO:TG THA:TH TJK:TJ TKM:TM TLS:TL TON:TO TTO:TT TUN:TN TUR:TR TWN:TW
TZA:TZ UGA:UG UKR:UA URY:UY USA:US UZB:UZ VCT:VC VEN:VE VGB:VG VIR:VI VNM:VN VUT:VU WSM:WS YEM:YE ZAF:ZA
ZMB:ZM ZWE:ZW
"""
ISO2 = dict(pair.split(":") for pair in _ISO2_PAIRS.split())

COUNTRY_ALIASES = {
    "USA": "United States of America;U.S.",
    "GBR": "UK;Great Britain;Britain",
    "KOR": "Korea;Republic of Korea",
    "PRK": "Democratic People's Republic of Korea",
    "CZE": "Czech Republic",
    "RUS": "Russian Federation",
    "TUR": "Turkiye",
    "NLD": "Holland;The Netherlands",
    "CIV": "Ivory Coast",
    "COD": "DR Congo;Congo-Kinshasa",
    "COG": "Republic of the Congo;Congo-Brazzaville",
    "CPV": "Cabo Verde",
    "SWZ": "Swaziland",
    "TLS": "Timor-Leste",
    "MKD": "Macedonia",
    "IRN": "Islamic Republic of Iran",
    "VNM": "Viet Nam",
    "LAO": "Lao PDR",
    "MAC": "Macau",
}

OWID_SOURCE = (
    'Our World in Data (2025), chart "Carbon intensity of electricity generation" '
    "(grapher/carbon-intensity-electricity), based on Ember Yearly Electricity Data (2025) and Energy "
    "Institute Statistical Review of World Energy (2024); https://ourworldindata.org/grapher/"
    "carbon-intensity-electricity"
)
OWID_BASIS = "lifecycle gCO2e/kWh of generation (Ember method)"
OWID_LICENSE = "CC BY 4.0 (OWID; Ember)"
#: OWID "World" (OWID_WRL) series of the same release, gCO2e/kWh
WORLD_SERIES = {2019: "505.5", 2020: "492.0", 2021: "494.7", 2022: "489.7", 2023: "484.4", 2024: "473.0"}

#: subnational rows that are national totals get keys that cannot be confused with ISO codes
SUBNATIONAL_RENAMES = {
    "USA": "US-EGRID-TOTAL",
    "AUS": "AU-NGA-NATIONAL",
    "CAN": "CA-NIR-NATIONAL",
    "CHN": "CN-MEE-NATIONAL",
    "CHN-EXCL-GREEN": "CN-MEE-NATIONAL-EXCL-GREEN",
    "IND": "IN-CEA-NATIONAL",
}
SUBNATIONAL_ALIASES = {
    "AU-NSW": "NSW;ACT",
    "AU-VIC": "VIC",
    "AU-QLD": "QLD",
    "AU-TAS": "TAS",
    "AU-WA-SWIS": "SWIS",
    "AU-WA-NWIS": "NWIS",
    "AU-NT-DKIS": "DKIS",
    "CA-QC": "Quebec",
}

PUE_KEYS = {
    "Uptime Institute global average": (
        "uptime-global-average",
        "uptime;global-average;average;industry-average",
    ),
    "Google": ("google", "gcp;google cloud"),
    "AWS": ("aws", "amazon;amazon web services"),
    "Meta": ("meta", "facebook"),
    "IDC estimate: public cloud industry average": ("cloud-average", "public-cloud;idc-cloud"),
    "IDC estimate: on-premises enterprise data centers": (
        "enterprise",
        "on-premises;on-prem;typical-enterprise;idc-enterprise",
    ),
}


def license_for(source: str) -> str:
    """Name the licence or terms of a source string, as listed in SOURCES.md."""
    checks = [
        ("region-carbon-info", "Apache-2.0 (Google region-carbon-info)"),
        ("Our World in Data", OWID_LICENSE),
        ("Ember", OWID_LICENSE),
        ("eGRID", "US public domain (EPA)"),
        ("DCCEEW", "CC BY 4.0 (Commonwealth of Australia, DCCEEW)"),
        ("National Greenhouse Accounts", "CC BY 4.0 (Commonwealth of Australia, DCCEEW)"),
        ("Environment and Climate Change Canada", "Open Government Licence - Canada"),
        ("National Inventory Report", "Open Government Licence - Canada"),
        ("ECCC", "Open Government Licence - Canada"),
        ("MEE", "facts only (China MEE/NBS announcement)"),
        ("Ministry of Ecology and Environment", "facts only (China MEE/NBS announcement)"),
        ("CEA", "facts only (India CEA CO2 Baseline Database)"),
        ("Central Electricity Authority", "facts only (India CEA CO2 Baseline Database)"),
        ("Green Algorithms", "CC BY 4.0 (Green Algorithms)"),
        ("codecarbon", "MIT (CodeCarbon)"),
        ("Google Cloud TPU documentation", "CC BY 4.0 (Google documentation)"),
    ]
    found = [name for needle, name in checks if needle.lower() in source.lower()]
    if not found:
        return "facts only (cited publication)"
    return "; ".join(dict.fromkeys(found))


def read(shared: Path, name: str) -> list[dict[str, str]]:
    with (shared / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(name: str, columns: list[str], rows: list[dict[str, str]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})
    print(f"wrote {name}: {len(rows)} rows")


def build_accelerators(shared: Path) -> None:
    rows: list[dict[str, str]] = []
    for src in read(shared, "accelerators.csv"):
        new_name, aliases, extra = ACCELERATOR_EDITS[src["name"]]
        row = {
            "name": new_name or src["name"],
            "vendor": src["vendor"],
            "kind": src["kind"],
            "aliases": ";".join(aliases),
            "form_factor": src["form_factor"],
            "tdp_w": src["tdp_w"] if not src["power_basis"].startswith("measured") else "",
            "power_basis": src["power_basis"],
            "peak_fp16_bf16_tflops": src["peak_fp16_or_bf16_tflops"],
            "fp16_bf16_definition": src["fp16_bf16_definition"],
            "peak_fp32_tflops": src["peak_fp32_tflops"],
            "memory_gb": src["memory_gb"],
            "year": src["year"],
            "source": src["source"],
            "notes": src["notes"],
        }
        row.update(extra)
        if "measured_power_source" in extra:
            row["source"] = f"{src['source']}; power: {extra['measured_power_source']}"
        row["license"] = license_for(row["source"])
        rows.append(row)
    rows.extend(GENERIC_ACCELERATORS)
    from reference_supplement import supplement_accelerators

    rows = supplement_accelerators(rows, license_for)
    rows.sort(key=lambda r: (r["vendor"], r["kind"], r["name"]))
    write("accelerators.csv", ACCELERATOR_COLUMNS, rows)


def launch_year(text: str) -> str:
    match = re.search(r"(\d{4})|'(\d{2})", text)
    if not match:
        return ""
    return match.group(1) or f"20{match.group(2)}"


def build_cpus(shared: Path) -> None:
    rows: list[dict[str, str]] = []
    fallback_keys = {
        "Green Algorithms": "fallback-green-algorithms-per-core",
        "CodeCarbon unknown CPU constant": "fallback-codecarbon-constant",
        "CodeCarbon default power per thread": "fallback-codecarbon-per-thread",
    }
    for src in read(shared, "cpus.csv"):
        row = dict(src)
        row["year"] = launch_year(src["launch"])
        if src["segment"] == "fallback":
            row["name"] = next(key for needle, key in fallback_keys.items() if needle in src["name"])
            row["notes"] = f"{src['name']}: {src['notes']}"
        if src["name"] == "Intel Core i9-13900K":
            row.update(cores="24", threads="32", tdp_per_core_w="5.21", year="2022")
            row["source"] = f"{src['source']}; cores and threads: Intel ARK product specifications"
            row["notes"] = (
                "24 cores = 8 performance + 16 efficient (Intel ARK); per-core figure mixes core types"
            )
        row["license"] = license_for(src["source"])
        rows.append(row)
    columns = ["name", "vendor", "segment", "cores", "threads", "tdp_w", "tdp_per_core_w", "year"]
    write("cpus.csv", [*columns, "source", "cross_check", "license", "notes"], rows)


def build_country(shared: Path) -> None:
    rows: list[dict[str, str]] = []
    for src in read(shared, "grid_intensity_country.csv"):
        iso3 = src["iso_code"]
        rows.append(
            {
                "iso3": iso3,
                "iso2": ISO2[iso3],
                "country": src["country"],
                "aliases": COUNTRY_ALIASES.get(iso3, ""),
                "year": src["year"],
                "g_co2e_per_kwh": src["g_co2e_per_kwh"],
                "basis": src["basis"],
                "source": src["source"],
                "license": license_for(src["source"]),
                "notes": src["notes"],
            }
        )
    for year, value in sorted(WORLD_SERIES.items()):
        rows.append(
            {
                "iso3": "OWID_WRL",
                "iso2": "",
                "country": "World",
                "aliases": "global;world average",
                "year": str(year),
                "g_co2e_per_kwh": value,
                "basis": OWID_BASIS,
                "source": OWID_SOURCE,
                "license": OWID_LICENSE,
                "notes": "OWID aggregate 'World' (OWID_WRL)"
                + ("; latest year in this release" if year == 2024 else ""),
            }
        )
    rows.sort(key=lambda r: (r["iso3"], int(r["year"])))
    columns = [
        "iso3",
        "iso2",
        "country",
        "aliases",
        "year",
        "g_co2e_per_kwh",
        "basis",
        "source",
        "license",
        "notes",
    ]
    write("grid_intensity_country.csv", columns, rows)


def build_subnational(shared: Path) -> None:
    rows: list[dict[str, str]] = []
    for src in read(shared, "grid_intensity_subnational.csv"):
        code = src["region_code"]
        key = SUBNATIONAL_RENAMES.get(code, code)
        aliases = SUBNATIONAL_ALIASES.get(code, "")
        if code.startswith("US-EGRID-"):
            short = code.removeprefix("US-EGRID-")
            aliases = f"{short};eGRID {short}"
        rows.append(
            {
                "region_code": key,
                "country_iso3": src["country_iso"],
                "region_name": src["region_name"],
                "aliases": aliases,
                "grid_type": src["grid_type"],
                "year": src["year"],
                "g_co2e_per_kwh": src["g_co2e_per_kwh"],
                "g_co2_per_kwh": src["g_co2_per_kwh"],
                "basis": src["basis"],
                "source": src["source"],
                "license": license_for(src["source"]),
                "notes": src["notes"],
            }
        )
    from reference_supplement import supplement_subnational

    rows = supplement_subnational(rows)
    columns = [
        "region_code",
        "country_iso3",
        "region_name",
        "aliases",
        "grid_type",
        "year",
        "g_co2e_per_kwh",
        "g_co2_per_kwh",
        "basis",
        "source",
        "license",
        "notes",
    ]
    write("grid_intensity_subnational.csv", columns, rows)


def build_cloud(shared: Path) -> None:
    rows: list[dict[str, str]] = []
    for src in read(shared, "cloud_regions.csv"):
        row = {k: v for k, v in src.items() if k != "iso_code"}
        row["iso3"] = src["iso_code"]
        row["license"] = license_for(src["source"])
        rows.append(row)
    columns = [
        "provider",
        "region_id",
        "location",
        "iso3",
        "grid_zone",
        "year",
        "g_co2e_per_kwh",
        "google_cfe_pct",
        "intensity_basis",
        "source",
        "license",
        "notes",
    ]
    write("cloud_regions.csv", columns, rows)


def build_pue(shared: Path) -> None:
    rows: list[dict[str, str]] = []
    for src in read(shared, "pue.csv"):
        who, scope = src["who"], src["scope"]
        if who == "Microsoft":
            key, aliases = ("microsoft", "azure;msft") if "fleet" in scope else ("microsoft-design", "")
        elif who == "Meta" and "buildings" in scope:
            key, aliases = "meta-new-buildings", ""
        else:
            key, aliases = PUE_KEYS[who]
        rows.append(
            {
                "key": key,
                "who": who,
                "aliases": aliases,
                "scope": scope,
                "year": src["year"],
                "pue": src["pue"],
                "source": src["source"],
                "verification": src["verification"],
                "license": "facts only (cited report)",
                "notes": src["notes"],
            }
        )
    from reference_supplement import supplement_pue

    rows = supplement_pue(rows)
    rows.sort(key=lambda r: (r["key"], int(r["year"])))
    columns = ["key", "who", "aliases", "scope", "year", "pue", "source", "verification", "license", "notes"]
    columns.append("confidence")
    write("pue.csv", columns, rows)


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "reference"
    OUT.mkdir(parents=True, exist_ok=True)
    build_accelerators(shared)
    build_cpus(shared)
    build_country(shared)
    build_subnational(shared)
    build_cloud(shared)
    build_pue(shared)
    from reference_supplement import build_supplement_tables

    build_supplement_tables(write)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
