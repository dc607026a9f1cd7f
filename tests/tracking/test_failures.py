"""A failed run keeps its cause; a crash that ends the program is saved at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlfootprint.store import open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track


def test_a_failed_block_stores_the_exception_type_and_message(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    with (
        pytest.raises(ValueError, match="loss diverged"),
        track(region="FR", db=url, meters=[FakeMeter(clock)], clock=clock),
    ):
        clock.advance(3.0)
        raise ValueError("loss diverged at step 7")
    with open_store(url) as store:
        (run,) = store.list_runs()
    assert (run.status, run.error_type) == ("failed", "ValueError")
    assert run.error_message == "loss diverged at step 7"


def test_a_crash_without_a_context_manager_is_saved_at_exit_with_its_cause(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    script = textwrap.dedent(
        f"""
        import mlfootprint
        from mlfootprint.testing import FakeMeter
        from mlfootprint.clock import SystemClock
        tracker = mlfootprint.track(region="FR", db={url!r}, flush_interval_s=3600,
                                    meters=[FakeMeter(SystemClock(), power_w=100.0)]).start()
        raise RuntimeError("CUDA out of memory (simulated)")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "CUDA out of memory" in done.stderr
    with open_store(url) as store:
        (run,) = store.list_runs()
    assert (run.status, run.error_type) == ("failed", "RuntimeError")
    assert run.error_message == "CUDA out of memory (simulated)"
    assert run.ended_at is not None and run.it_energy_j > 0.0  # the last reading was taken, not 0 J
