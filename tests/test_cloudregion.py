"""Cloud region detection from the instance metadata service, with an injected transport."""

from __future__ import annotations

from mlfootprint.cloudregion import detect_region
from mlfootprint.errors import IntensityError
from mlfootprint.intensity.live import HttpRequest, HttpResponse


def _serving(answers: dict[str, tuple[int, bytes]], seen: list[HttpRequest]):  # type: ignore[no-untyped-def]
    def transport(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        for prefix, (status, body) in answers.items():
            if request.url.startswith(prefix):
                return HttpResponse(status=status, body=body)
        raise IntensityError("cannot reach 169.254.169.254: timed out")

    return transport


def test_gcp_zone_becomes_its_region_with_the_metadata_header() -> None:
    seen: list[HttpRequest] = []
    gcp = {"http://metadata.google.internal/": (200, b"projects/1234/zones/europe-west4-a")}
    assert detect_region(_serving(gcp, seen)) == "gcp:europe-west4"
    assert seen[0].headers == {"Metadata-Flavor": "Google"} and seen[0].timeout_s <= 0.5


def test_aws_then_azure_are_asked_in_turn() -> None:
    aws = {"http://169.254.169.254/latest/": (200, b"eu-west-1")}
    assert detect_region(_serving(aws, [])) == "aws:eu-west-1"
    seen: list[HttpRequest] = []
    azure = {"http://169.254.169.254/metadata/": (200, b"WestEurope")}
    assert detect_region(_serving(azure, seen)) == "azure:westeurope"
    assert seen[-1].headers == {"Metadata": "true"}


def test_off_the_cloud_nothing_is_detected() -> None:
    seen: list[HttpRequest] = []
    assert detect_region(_serving({}, seen)) is None
    assert len(seen) == 3
    assert detect_region(_serving({"http://169.254.169.254/latest/": (404, b"")}, [])) is None
