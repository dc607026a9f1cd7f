"""Planted secrets appear in no byte written (stdout, stderr, logs, cache, ledger, crash logs, reports);
keys are validated without echo; files the tool creates are private."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers.cli_harness import run_cli
from mlfootprint.errors import ConfigError, IntensityError
from mlfootprint.intensity.live import (
    ElectricityMapsClient,
    HttpRequest,
    HttpResponse,
    ResponseCache,
    WattTimeClient,
)
from mlfootprint.redact import mask_text, mask_url

SECRETS = ["S3cretUserinfo", "S3cretQueryPw", "S3cretSslPw", "S3cretApiKey", "S3cretToken", "S3cretWattPw"]

PG_URLS = [
    "postgresql://mlfp:S3cretUserinfo@127.0.0.1:1/x?password=S3cretQueryPw&sslpassword=S3cretSslPw",
    "postgres://u@127.0.0.1:1/x?sslmode=disable&password=S3cretQueryPw",
    "postgresql://u:S3cretUserinfo@[::1]:1/x",
    "postgresql://u:S3cretUserinfo@127.0.0.1:notaport/x",
    "postgresql://u:S3cretUserinfo@/x?host=/nonexistent&password=S3cretQueryPw",
]


def _every_byte(*roots: Path) -> bytes:
    data = b""
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else [root]:
            if path.is_file():
                data += path.read_bytes()
    return data


@pytest.mark.parametrize("url", PG_URLS)
def test_database_secrets_never_printed_or_written(home: Path, tmp_path: Path, url: str) -> None:
    caplog_file = tmp_path / "log.txt"
    handler = logging.FileHandler(caplog_file)
    logging.getLogger("mlfootprint").addHandler(handler)
    logging.getLogger("mlfootprint").setLevel(logging.DEBUG)
    try:
        results = [
            run_cli(["runs", "list", "--db", url]),
            run_cli(["run", "--db", url, "--", "true"]),
            run_cli(["summary", "--db", url]),
            run_cli(["runs", "list"], env={"MLFOOTPRINT_DB": url}),
            run_cli(["report", "01ABCDEF", "--db", url, "--out", str(tmp_path / "r.md")]),
        ]
    finally:
        logging.getLogger("mlfootprint").removeHandler(handler)
        handler.close()
    written = "".join(r.out + r.err for r in results).encode() + _every_byte(home, tmp_path)
    for result in results:
        assert result.status in (1, 2) and len(result.err_lines) == 1, result.err
        assert "Traceback" not in result.err
    for secret in SECRETS:
        assert secret.encode() not in written, secret


def test_masking_keeps_the_rest_of_the_url() -> None:
    assert mask_url("postgresql://me:pw@db:5432/x?sslmode=require&password=pw2") == (
        "postgresql://me:***@db:5432/x?sslmode=require&password=***"
    )
    assert mask_text("dsn host=db password=pw2 dbname=x") == "dsn host=db password=*** dbname=x"
    assert mask_url("sqlite:///home/me/runs.sqlite3") == "sqlite:///home/me/runs.sqlite3"


def test_api_key_with_a_newline_is_refused_without_echo() -> None:
    with pytest.raises(ConfigError) as caught:
        ElectricityMapsClient(env={"ELECTRICITYMAPS_API_KEY": "S3cretApiKey\n"})
    assert "S3cretApiKey" not in str(caught.value) and "ELECTRICITYMAPS_API_KEY" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        WattTimeClient(env={"WATTTIME_USERNAME": "me", "WATTTIME_PASSWORD": "S3cret\x00WattPw"})
    assert "S3cret" not in str(caught.value)


def test_failing_live_calls_leak_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = ResponseCache(tmp_path / "cache")

    def transport(request: HttpRequest) -> HttpResponse:
        token = request.headers.get("auth-token", "") + request.headers.get("Authorization", "")
        if "Basic" in token:
            return HttpResponse(status=200, body=json.dumps({"token": "S3cretToken"}).encode())
        raise ValueError(f"Invalid header value {token!r}")  # what urllib says, with the credential in it

    start, end = datetime(2024, 1, 1, tzinfo=timezone.utc), datetime(2024, 1, 2, tzinfo=timezone.utc)
    clients = [
        ElectricityMapsClient(env={"ELECTRICITYMAPS_API_KEY": "S3cretApiKey"}, transport=transport,
                              cache=cache,
                              sleep=lambda s: None),
        WattTimeClient(env={"WATTTIME_USERNAME": "me", "WATTTIME_PASSWORD": "S3cretWattPw"},
                       transport=transport,
                       cache=cache, sleep=lambda s: None),
    ]  # fmt: skip
    messages = []
    with caplog.at_level(logging.DEBUG):
        for client in clients:
            with pytest.raises((IntensityError, ValueError)) as caught:
                client.series("DE", start, end)
            messages.append(str(caught.value))
    written = "\n".join(messages).encode() + caplog.text.encode() + _every_byte(tmp_path)
    for secret in SECRETS:
        assert secret.encode() not in written, secret


def test_malformed_live_responses_are_errors_not_crashes(tmp_path: Path) -> None:
    start, end = datetime(2024, 1, 1, tzinfo=timezone.utc), datetime(2024, 1, 2, tzinfo=timezone.utc)
    bodies = [b"[]", b"null", b'{"data": [{"datetime": "soon", "carbonIntensity": 1}]}',
              b'{"data": [{"datetime": "2024-01-01T00:00Z", "carbonIntensity": -5}]}',
              b'{"data": [{"datetime": "2024-01-01T00:00Z", "carbonIntensity": "1e999"}]}',
              b'{"data": [{"carbonIntensity": 5}]}', b'{"data": 5}', b"[" * 100000]  # fmt: skip
    for body in bodies:
        client = ElectricityMapsClient(
            env={"ELECTRICITYMAPS_API_KEY": "k"},
            transport=lambda request, b=body: HttpResponse(status=200, body=b),
        )
        with pytest.raises(IntensityError):
            client.series("DE", start, end)


def test_created_files_are_private(home: Path, tmp_path: Path) -> None:
    result = run_cli(["run", "--", "true"])
    assert result.status == 0, result.err
    cache = ResponseCache(home / "cache" / "intensity")
    cache.put("p", "https://example.invalid/x", b"{}")
    created = [p for p in home.rglob("*")]
    assert any(p.name == "runs.sqlite3" for p in created)
    assert any(p.suffix == ".json" for p in created)
    for path in [home, *created]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, (path, oct(mode))
        else:
            assert mode & 0o077 == 0, (path, oct(mode))
    assert os.access(home / "runs.sqlite3", os.R_OK)


@pytest.mark.postgres
def test_password_query_parameter_never_reaches_summary_or_records(home: Path, tmp_path: Path) -> None:
    base = os.environ.get("MLFOOTPRINT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("MLFOOTPRINT_TEST_POSTGRES_URL is not set")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}password=S3cretQueryPw&sslpassword=S3cretSslPw"  # trust auth ignores them
    ran = run_cli(["run", "--db", url, "--json-out", str(tmp_path / "run.json"), "--verbose", "--", "true"])
    assert ran.status == 0, ran.err
    assert "stored in" in ran.err and "password=***" in ran.err
    compact = run_cli(["run", "--db", url, "--", "true"])
    assert compact.status == 0 and "stored" in compact.err and "S3cret" not in compact.err
    listed = run_cli(["runs", "list", "--db", url, "--format", "json"])
    exported = run_cli(["export", "--db", url, "--format", "json"])
    written = (ran.out + ran.err + listed.out + listed.err + exported.out).encode() + _every_byte(
        home, tmp_path
    )
    for secret in SECRETS:
        assert secret.encode() not in written, secret
