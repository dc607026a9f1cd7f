"""One Settings object: explicit arguments > ``MLFOOTPRINT_*`` environment > config file > defaults.

The config file is INI (``[mlfootprint]`` section) at ``$MLFOOTPRINT_CONFIG`` or
``<config home>/mlfootprint/config.ini``. Keys match the field names below (``db``, ``region``,
``pue``, ``interval_s``, ``flush_interval_s``, ``scope``, ``project``, ``series``, ``zone``, ``year``,
``keep_samples``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from mlfootprint.bounds import FLUSH_INTERVAL_S, INTERVAL_S, PUE, SAMPLES_KEPT, YEAR, or_word
from mlfootprint.errors import ConfigError, InvalidValueError
from mlfootprint.home import home_dir

__all__ = ["Settings", "default_db_url", "home_dir", "load_settings"]

ENV_PREFIX = "MLFOOTPRINT_"
#: a config file larger than this is not a config file
MAX_CONFIG_BYTES = 64 * 1024


def default_db_url(env: Mapping[str, str] | None = None) -> str:
    """``$MLFOOTPRINT_DB`` if set, else ``sqlite:///<home>/runs.sqlite3``."""
    env = os.environ if env is None else env
    if env.get("MLFOOTPRINT_DB"):
        return env["MLFOOTPRINT_DB"]
    return f"sqlite:///{home_dir(env) / 'runs.sqlite3'}"


def _config_path(env: Mapping[str, str]) -> Path:
    if env.get("MLFOOTPRINT_CONFIG"):
        return Path(env["MLFOOTPRINT_CONFIG"])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mlfootprint" / "config.ini"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Resolved settings; ``sources`` says where each non-default value came from."""

    db: str | None = None
    region: str | None = None
    pue: float | None = None
    interval_s: float = 1.0
    flush_interval_s: float = 10.0
    scope: str = "machine"
    project: str = "default"
    series: str | None = None  # an intensity series file for time-resolved CO2e
    zone: str | None = None  # the series' zone (column) to use
    year: int | None = None  # year of the PUE and intensity figures (default: the run's own year)
    keep_samples: int | None = 10_000  # samples per meter kept whole; older ones aggregated; None: all
    sources: Mapping[str, str] | None = None

    def source_of(self, name: str) -> str:
        return (self.sources or {}).get(name, "default")

    @property
    def db_url(self) -> str:
        return self.db or default_db_url()


_FLOATS = {"pue", "interval_s", "flush_interval_s", "year"}


def _keep_samples(raw: str, origin: str) -> int | None:
    text = raw.strip().lower()
    if text == "all":
        return None
    try:
        return int(SAMPLES_KEPT.parse(text, f"{origin}: keep_samples"))
    except InvalidValueError as exc:
        raise ConfigError(f"{exc.name}: {exc.value!r} {or_word(exc.reason, 'all')}") from None


def _coerce(name: str, raw: str, origin: str) -> Any:
    if name == "keep_samples":
        return _keep_samples(raw, origin)
    if name not in _FLOATS:
        value: Any = raw.strip()
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or len(value) > 4096:
            raise ConfigError(
                f"{origin}: {name} {value[:40]!r} is not valid text "
                "(a control character, or over 4096 characters)"
            )
        if name == "scope" and value not in ("machine", "process"):
            raise ConfigError(f"{origin}: scope {raw!r} must be 'machine' or 'process'")
        return value
    bound = {"pue": PUE, "interval_s": INTERVAL_S, "flush_interval_s": FLUSH_INTERVAL_S, "year": YEAR}[name]
    try:
        number = bound.parse(raw, f"{origin}: {name}")
        return int(number) if name == "year" else number
    except InvalidValueError as exc:
        raise ConfigError(str(exc)) from None


def _key_line(path: Path, key: str) -> str:
    """``path:LINE`` of ``key`` in an INI file (just ``path`` when it cannot be found)."""
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return str(path)
    for number, line in enumerate(lines, start=1):
        head = line.split("=", 1)[0].split(":", 1)[0].strip().lower()
        if head == key:
            return f"{path}:{number}"
    return str(path)


def load_settings(env: Mapping[str, str] | None = None, **explicit: Any) -> Settings:
    """Resolve settings. ``explicit`` values that are not None win over everything else."""
    env = os.environ if env is None else env
    names = [f.name for f in fields(Settings) if f.name != "sources"]
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    path = _config_path(env)
    if path.exists() and not path.is_file():
        raise ConfigError(f"config file {path} is not a file")
    if path.is_file():
        import configparser  # only when there is a file: a cold start without one skips it

        parser = configparser.ConfigParser(interpolation=None)
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KiB")
            parser.read_string(path.read_text(encoding="utf-8-sig"), source=str(path))
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"config file {path}: byte {exc.start} is not UTF-8; save it as UTF-8"
            ) from None
        except OSError as exc:
            raise ConfigError(f"config file {path}: cannot read it: {exc.strerror or exc}") from None
        except configparser.Error as exc:
            raise ConfigError(f"config file {path}: {' '.join(str(exc).split())[:300]}") from None
        if parser.has_section("mlfootprint"):
            for key, raw in parser.items("mlfootprint"):
                origin = f"config file {_key_line(path, key)}"
                if key not in names:
                    raise ConfigError(f"{origin}: unknown key {key[:60]!r} (known: {', '.join(names)})")
                values[key] = _coerce(key, raw, origin)
                sources[key] = f"config file {path}"

    for name in names:
        env_raw = env.get(ENV_PREFIX + name.upper())
        if env_raw:
            values[name] = _coerce(name, env_raw, f"${ENV_PREFIX}{name.upper()}")
            sources[name] = f"${ENV_PREFIX}{name.upper()}"

    for name, value in explicit.items():
        if name not in names:
            raise TypeError(f"unknown setting {name!r}")
        if value is not None:
            if name in _FLOATS:
                values[name] = _coerce(name, repr(value) if isinstance(value, float) else str(value), name)
            elif name == "keep_samples":
                values[name] = _coerce(name, str(value), name)
            else:
                values[name] = value
            sources[name] = "argument"

    return replace(Settings(), **values, sources=sources)
