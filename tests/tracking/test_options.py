"""The run's options: one frozen value, validated when made, resolved arguments > env > config > defaults."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.tracking.options import TrackerOptions, resolve_options
from mlfootprint.tracking.tracker import Tracker


def test_options_are_frozen_and_validated_when_made() -> None:
    options = TrackerOptions(region="FR", tags={"a": "1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.region = "DE"  # type: ignore[misc]
    for bad in ({"pue": 0.9}, {"pue": "0.5"}, {"interval_s": 0.01}, {"scope": "galaxy"},
                {"flush_interval_s": 0.0}, {"node_meters": "some"}, {"job": " "}):  # fmt: skip
        with pytest.raises(InvalidValueError):
            TrackerOptions(**bad)  # type: ignore[arg-type]
    assert options.with_(region="DE").region == "DE" and options.region == "FR"


def test_resolution_order_argument_env_config_default(tmp_path: Path) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[mlfootprint]\nregion = DE\nproject = from-file\ninterval_s = 2\n", encoding="utf-8")
    env = {"MLFOOTPRINT_CONFIG": str(config), "MLFOOTPRINT_PROJECT": "from-env"}
    resolved = resolve_options(TrackerOptions(interval_s=0.5), env=env)
    settings = resolved.settings
    assert (settings.interval_s, settings.source_of("interval_s")) == (0.5, "argument")
    assert (settings.project, settings.source_of("project")) == ("from-env", "$MLFOOTPRINT_PROJECT")
    assert settings.region == "DE" and settings.source_of("region").startswith("config file")
    assert (settings.flush_interval_s, settings.source_of("flush_interval_s")) == (10.0, "default")
    assert resolved.factors.region == "DE"


def test_a_datacenter_name_for_pue_resolves_to_its_published_figure() -> None:
    resolved = resolve_options(TrackerOptions(region="FR", pue="google"), env={})
    assert 1.0 < resolved.factors.pue < 1.2 and "oogle" in resolved.factors.pue_source


def test_the_tracker_takes_options_and_at_most_six_collaborators() -> None:
    parameters = inspect.signature(Tracker.__init__).parameters
    assert len(parameters) - 2 <= 6  # without self and options
    assert list(parameters)[1] == "options"
