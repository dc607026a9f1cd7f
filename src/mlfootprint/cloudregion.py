"""Which cloud region is this machine in? Asked of the instance metadata service, only on request.

Never at import and never by default: ``mlfootprint run --detect-region`` (or ``detect_region()``) asks
Google Cloud, AWS (IMDSv1) and Azure's link-local metadata endpoints in turn, each with a short timeout,
and returns ``gcp:europe-west4``-style names the reference tables know, or None off the cloud. The
transport is injected (tests never touch the network).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["METADATA_TIMEOUT_S", "detect_region"]

#: per-endpoint timeout: off the cloud the link-local address does not answer
METADATA_TIMEOUT_S = 0.3

_GCP = "http://metadata.google.internal/computeMetadata/v1/instance/zone"
_AWS = "http://169.254.169.254/latest/meta-data/placement/region"
_AZURE = "http://169.254.169.254/metadata/instance/compute/location?api-version=2021-02-01&format=text"


def _get(transport: Callable[[Any], Any], url: str, headers: dict[str, str], timeout_s: float) -> str | None:
    from mlfootprint.errors import IntensityError
    from mlfootprint.intensity.live import HttpRequest

    try:
        response = transport(HttpRequest(url=url, headers=headers, timeout_s=timeout_s))
    except (IntensityError, OSError):
        return None
    if response.status != 200:
        return None
    text = response.body.decode("utf-8", "replace").strip()
    return text or None


def detect_region(
    transport: Callable[[Any], Any] | None = None, *, timeout_s: float = METADATA_TIMEOUT_S
) -> str | None:
    """The cloud region of this instance (``gcp:...``, ``aws:...``, ``azure:...``), or None.

    Args:
        transport: sends one GET (``intensity.live.HttpRequest`` -> ``HttpResponse``); default urllib.
        timeout_s: the timeout of each request.
    """
    if transport is None:
        from mlfootprint.intensity.live import urllib_transport

        transport = urllib_transport
    zone = _get(transport, _GCP, {"Metadata-Flavor": "Google"}, timeout_s)
    if zone:  # projects/123/zones/europe-west4-a
        name = zone.rsplit("/", 1)[-1]
        return f"gcp:{name.rsplit('-', 1)[0]}" if name.count("-") >= 2 else f"gcp:{name}"
    region = _get(transport, _AWS, {}, timeout_s)
    if region and "<" not in region:
        return f"aws:{region}"
    location = _get(transport, _AZURE, {"Metadata": "true"}, timeout_s)
    if location and "<" not in location:
        return f"azure:{location.lower()}"
    return None
