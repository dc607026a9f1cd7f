# size: three live clients behind one protocol, each a short adapter over the shared HTTP path
"""Live intensity clients (Electricity Maps, UK Carbon Intensity, WattTime) and a visible fallback.

HTTP goes through an injected transport (default: stdlib ``urllib``) with a timeout and bounded
retries; responses are cached on disk under ``home_dir()/cache/intensity``. Credentials travel only
in request headers: never in URLs, cache file names or contents, log lines or error messages.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlfootprint import logs
from mlfootprint.bounds import INTENSITY_G_PER_KWH, TIME_MAX, TIME_MIN
from mlfootprint.errors import IntensityError, UnknownNameError
from mlfootprint.intensity.base import IntensitySeries, epoch_s
from mlfootprint.redact import check_secret, mask_text

__all__ = [
    "ElectricityMapsClient",
    "FallbackSource",
    "HttpRequest",
    "HttpResponse",
    "ResponseCache",
    "UKCarbonIntensityClient",
    "WattTimeClient",
    "urllib_transport",
]

logger = logs.get(__name__)

_EPOCH_MIN_S = TIME_MIN.timestamp()
_EPOCH_MAX_S = TIME_MAX.timestamp()
LBS_PER_MWH_TO_G_PER_KWH = 0.45359237


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpRequest:
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpResponse:
    status: int
    body: bytes


Transport = Callable[[HttpRequest], HttpResponse]


def urllib_transport(request: HttpRequest) -> HttpResponse:
    """Send a GET with the standard library; network failures become ``IntensityError``."""
    req = urllib.request.Request(request.url, headers=dict(request.headers), method="GET")
    try:
        with urllib.request.urlopen(req, timeout=request.timeout_s) as resp:
            return HttpResponse(status=int(resp.status), body=resp.read())
    except urllib.error.HTTPError as exc:
        return HttpResponse(status=int(exc.code), body=exc.read() or b"")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise IntensityError(f"cannot reach {urllib.parse.urlsplit(request.url).netloc}: {reason}") from None
    except (ValueError, http.client.HTTPException) as exc:  # e.g. a header value urllib refuses
        raise IntensityError(
            f"request to {urllib.parse.urlsplit(request.url).netloc} failed: {type(exc).__name__} "
            "(details withheld: they may hold a credential)"
        ) from None


class ResponseCache:
    """JSON bodies on disk, keyed by provider and URL (never by credentials), with a time to live."""

    def __init__(
        self, directory: Path | None = None, *, ttl_s: float = 3600.0, now: Callable[[], float] = time.time
    ):
        if directory is None:
            from mlfootprint.config import home_dir

            directory = home_dir() / "cache" / "intensity"
        self.directory = directory
        self.ttl_s = ttl_s
        self._now = now

    def _path(self, provider: str, url: str) -> Path:
        return self.directory / f"{provider}-{hashlib.sha256(url.encode()).hexdigest()[:24]}.json"

    def get(self, provider: str, url: str) -> bytes | None:
        path = self._path(provider, url)
        try:
            if self._now() - path.stat().st_mtime > self.ttl_s:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, provider: str, url: str, body: bytes) -> None:
        """Store ``body`` (0600 in a 0700 folder); a cache that cannot be written is skipped, not fatal."""
        from mlfootprint.private import write_private

        try:
            write_private(self._path(provider, url), body)
        except OSError as exc:
            logger.warning("intensity cache %s not written: %s", self.directory, exc.strerror or exc)


class _Client:
    provider = "http"
    default_resolution_s = 3600.0
    license = "see provider terms"
    signal = "average"

    def __init__(
        self,
        *,
        transport: Transport | None = None,
        cache: ResponseCache | None = None,
        timeout_s: float = 10.0,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str | None = None,
    ) -> None:
        self._transport = transport or urllib_transport
        self._cache = cache
        self._timeout_s = timeout_s
        self._retries = max(0, retries)
        self._sleep = sleep
        self._secrets: list[str] = []
        if base_url is not None:
            self.base_url = base_url

    @property
    def name(self) -> str:
        return self.provider

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _get_json(self, url: str, headers: Mapping[str, str], *, use_cache: bool = True) -> Any:
        if use_cache and self._cache is not None:
            cached = self._cache.get(self.provider, url)
            if cached is not None:
                return json.loads(cached)
        last = ""
        for attempt in range(self._retries + 1):
            if attempt:
                self._sleep(min(2.0 ** (attempt - 1), 8.0))
            try:
                resp = self._transport(HttpRequest(url=url, headers=headers, timeout_s=self._timeout_s))
            except IntensityError as exc:
                last = str(exc)
                continue
            except Exception as exc:  # noqa: BLE001 - an injected transport's own error; redacted below
                last = f"{type(exc).__name__}: {exc}"
                continue
            if resp.status == 200:
                try:
                    data = json.loads(resp.body)
                except (ValueError, RecursionError):
                    raise IntensityError(f"{self.provider}: response is not JSON") from None
                if not isinstance(data, dict):
                    raise IntensityError(f"{self.provider}: response is not a JSON object")
                if use_cache and self._cache is not None:
                    self._cache.put(self.provider, url, resp.body)
                return data
            last = f"HTTP {resp.status}"
            if resp.status in (400, 401, 403, 404):
                break
        message = mask_text(
            f"{self.provider}: request failed after {attempt + 1} attempt(s): {last}", self._secrets
        )
        logger.warning("%s", message)
        raise IntensityError(message)

    def _parse(self, build: Callable[[], list[tuple[float, float]]]) -> list[tuple[float, float]]:
        """The points ``build`` reads from a response; a malformed response is an ``IntensityError``."""
        try:
            return build()
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise IntensityError(
                f"{self.provider}: malformed response ({type(exc).__name__}: {exc})"
            ) from None

    def _series(self, zone: str, points: list[tuple[float, float]], source: str) -> IntensitySeries:
        import numpy as np

        if not points:
            raise IntensityError(f"{self.provider}: no data for {zone}")
        for t, v in points:
            problem = INTENSITY_G_PER_KWH.problem(v)
            if problem is not None:
                raise IntensityError(f"{self.provider}: response value {v!r} for {zone}: intensity {problem}")
            if not _EPOCH_MIN_S <= t <= _EPOCH_MAX_S:
                raise IntensityError(
                    f"{self.provider}: response time {t!r} for {zone} is not between 1970 and 2100"
                )
        points.sort()
        times = np.array([int(t) for t, _ in points], dtype=np.int64)
        values = np.array([v for _, v in points], dtype=np.float64)
        steps = np.diff(times)
        resolution = float(np.median(steps)) if steps.size else self.default_resolution_s
        return IntensitySeries(
            zone=zone,
            times_s=times,
            values_g_per_kwh=values,
            resolution_s=resolution,
            source=source,
            license=self.license,
            sha256="",
            signal=self.signal,
        )


def _iso(when: datetime) -> str:
    return datetime.fromtimestamp(epoch_s(when), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> float:
    return epoch_s(datetime.fromisoformat(text.replace("Z", "+00:00")))


class ElectricityMapsClient(_Client):
    """Electricity Maps v3 (``past-range``); the API key comes from ``ELECTRICITYMAPS_API_KEY``."""

    provider = "electricitymaps"
    base_url = "https://api.electricitymap.org/v3"
    license = "Electricity Maps terms of use"
    signal = "lca"

    def __init__(
        self, *, api_key: str | None = None, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        env = os.environ if env is None else env
        self._key = api_key or env.get("ELECTRICITYMAPS_API_KEY", "")
        self._secrets = [self._key]
        if self._key:
            check_secret("ELECTRICITYMAPS_API_KEY", self._key)

    def series(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        if not self._key:
            raise IntensityError("electricitymaps: no API key; set ELECTRICITYMAPS_API_KEY")
        query = urllib.parse.urlencode({"zone": zone, "start": _iso(start), "end": _iso(end)})
        data = self._get_json(
            f"{self.base_url}/carbon-intensity/past-range?{query}", {"auth-token": self._key}
        )
        rows = data.get("data") or data.get("history") or []
        points = self._parse(
            lambda: [
                (_parse_time(r["datetime"]), float(r["carbonIntensity"]))
                for r in rows
                if r.get("carbonIntensity") is not None
            ]
        )
        return self._series(zone, points, "Electricity Maps API")

    def forecast(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The provider's forecast for the coming hours (``/carbon-intensity/forecast``)."""
        if not self._key:
            raise IntensityError("electricitymaps: no API key; set ELECTRICITYMAPS_API_KEY")
        query = urllib.parse.urlencode({"zone": zone})
        data = self._get_json(f"{self.base_url}/carbon-intensity/forecast?{query}", {"auth-token": self._key})
        rows = data.get("forecast") or data.get("data") or []
        points = [
            (_parse_time(r["datetime"]), float(r["carbonIntensity"]))
            for r in rows
            if r.get("carbonIntensity") is not None
        ]
        return self._series(zone, points, "Electricity Maps API forecast")


class UKCarbonIntensityClient(_Client):
    """National Grid ESO Carbon Intensity API (Great Britain, half-hourly, no key)."""

    provider = "carbonintensity-uk"
    base_url = "https://api.carbonintensity.org.uk"
    default_resolution_s = 1800.0
    license = "CC BY 4.0 (National Grid ESO)"

    def series(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        if zone.upper() not in ("GB", "UK", "GBR"):
            raise UnknownNameError("zone", zone, ["GB"])
        data = self._get_json(
            f"{self.base_url}/intensity/{_iso(start)}/{_iso(end)}", {"Accept": "application/json"}
        )

        def parse() -> list[tuple[float, float]]:
            points = []
            for row in data.get("data", []):
                value = row["intensity"].get("actual")
                if value is None:
                    value = row["intensity"].get("forecast")
                if value is not None:
                    points.append((_parse_time(row["from"]), float(value)))
            return points

        return self._series("GB", self._parse(parse), "UK Carbon Intensity API")

    def forecast(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The 48-hour forecast from ``start`` (``/intensity/{from}/fw48h``)."""
        if zone.upper() not in ("GB", "UK", "GBR"):
            raise UnknownNameError("zone", zone, ["GB"])
        data = self._get_json(
            f"{self.base_url}/intensity/{_iso(start)}/fw48h", {"Accept": "application/json"}
        )
        points = [
            (_parse_time(row["from"]), float(row["intensity"]["forecast"]))
            for row in data.get("data", [])
            if row["intensity"].get("forecast") is not None
        ]
        return self._series("GB", points, "UK Carbon Intensity API forecast")


class WattTimeClient(_Client):
    """WattTime v3 marginal signal (``co2_moer``, lbs/MWh converted to g/kWh).

    Credentials from ``WATTTIME_USERNAME`` and ``WATTTIME_PASSWORD``.
    """

    provider = "watttime"
    base_url = "https://api.watttime.org"
    default_resolution_s = 300.0
    license = "WattTime terms of use"
    signal = "marginal"

    def __init__(self, *, env: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        env = os.environ if env is None else env
        self._user = env.get("WATTTIME_USERNAME", "")
        self._password = env.get("WATTTIME_PASSWORD", "")
        self._token = ""
        self._secrets = [self._password]
        if self._password:
            check_secret("WATTTIME_PASSWORD", self._password)
        if self._user:
            check_secret("WATTTIME_USERNAME", self._user)

    def _login(self) -> str:
        if not (self._user and self._password):
            raise IntensityError("watttime: no credentials; set WATTTIME_USERNAME and WATTTIME_PASSWORD")
        basic = base64.b64encode(f"{self._user}:{self._password}".encode()).decode()
        self._secrets.append(basic)
        data = self._get_json(f"{self.base_url}/login", {"Authorization": f"Basic {basic}"}, use_cache=False)
        token = str(data.get("token", ""))
        if not token:
            raise IntensityError("watttime: login returned no token")
        self._secrets.append(token)
        return token

    def series(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        if not self._token:
            self._token = self._login()
        query = urllib.parse.urlencode(
            {"region": zone, "start": _iso(start), "end": _iso(end), "signal_type": "co2_moer"}
        )
        data = self._get_json(
            f"{self.base_url}/v3/historical?{query}", {"Authorization": f"Bearer {self._token}"}
        )
        points = self._parse(
            lambda: [
                (_parse_time(r["point_time"]), float(r["value"]) * LBS_PER_MWH_TO_G_PER_KWH)
                for r in data.get("data", [])
            ]
        )
        return self._series(zone, points, "WattTime API (marginal)")

    def forecast(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The marginal-emissions forecast (``/v3/forecast``)."""
        if not self._token:
            self._token = self._login()
        query = urllib.parse.urlencode({"region": zone, "signal_type": "co2_moer"})
        data = self._get_json(
            f"{self.base_url}/v3/forecast?{query}", {"Authorization": f"Bearer {self._token}"}
        )
        points = [
            (_parse_time(r["point_time"]), float(r["value"]) * LBS_PER_MWH_TO_G_PER_KWH)
            for r in data.get("data", [])
        ]
        return self._series(zone, points, "WattTime API forecast (marginal)")


class FallbackSource:
    """A source that falls back, visibly, to an annual figure when the primary one fails.

    The returned series is constant over the asked range and carries ``fallback_reason``.
    """

    def __init__(
        self, primary: Any, *, annual_g_per_kwh: float, annual_source: str, license: str = "see source"
    ):
        self.primary = primary
        self.annual_g_per_kwh = annual_g_per_kwh
        self.annual_source = annual_source
        self.license = license

    @property
    def name(self) -> str:
        return f"{self.primary.name} (fallback: {self.annual_source})"

    def series(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        import numpy as np

        try:
            result: IntensitySeries = self.primary.series(zone, start, end)
            return result
        except IntensityError as exc:
            reason = (
                f"{self.primary.name} unavailable ({exc}); using the annual figure from {self.annual_source}"
            )
            logger.warning("%s", reason)
        a, b = epoch_s(start), epoch_s(end)
        return IntensitySeries(
            zone=zone,
            times_s=np.array([int(a)], dtype=np.int64),
            values_g_per_kwh=np.array([self.annual_g_per_kwh]),
            resolution_s=max(b - a, 1.0),
            source=self.annual_source,
            license=self.license,
            signal="annual",
            fallback_reason=reason,
        )
