"""The run's options: one frozen value, validated when made, resolved arguments > env > config > defaults."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.tracking.entry import track
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


def test_keep_samples_is_an_option_validated_and_resolved_like_the_others(tmp_path: Path) -> None:
    for bad in (0, -3, "none", "1.5", True):
        with pytest.raises(InvalidValueError, match="keep_samples"):
            TrackerOptions(keep_samples=bad)  # type: ignore[arg-type]
    assert resolve_options(TrackerOptions(), env={}).settings.keep_samples == 10_000
    from_env = resolve_options(TrackerOptions(), env={"MLFOOTPRINT_KEEP_SAMPLES": "all"}).settings
    assert (from_env.keep_samples, from_env.source_of("keep_samples")) == (None, "$MLFOOTPRINT_KEEP_SAMPLES")
    config = tmp_path / "config.ini"
    config.write_text("[mlfootprint]\nkeep_samples = 500\n", encoding="utf-8")
    from_file = resolve_options(TrackerOptions(), env={"MLFOOTPRINT_CONFIG": str(config)}).settings
    assert from_file.keep_samples == 500
    given = resolve_options(TrackerOptions(keep_samples="ALL"), env={"MLFOOTPRINT_KEEP_SAMPLES": "7"})
    assert given.settings.keep_samples is None and given.settings.source_of("keep_samples") == "argument"
    assert resolve_options(TrackerOptions(keep_samples=25), env={}).settings.keep_samples == 25
    tracker = track(region="FR", keep_samples=5, env={})  # track() passes it through
    assert tracker.options.keep_samples == 5 and tracker.settings.keep_samples == 5
