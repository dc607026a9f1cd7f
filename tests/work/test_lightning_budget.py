"""A budget stops a real Lightning run through ``trainer.should_stop`` (the Lightning callback); counts,
metrics and predictions are recorded."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from mlfootprint.store import open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.work.budget import BudgetWarning

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")


def make_model(clock: FakeClock) -> Any:
    class Tiny(pl.LightningModule):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 2)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            clock.advance(1.0)  # each step takes one second of the tracker's (fake) time
            x, y = batch
            return torch.nn.functional.cross_entropy(self.layer(x), y)

        def validation_step(self, batch: Any, batch_idx: int) -> None:
            x, y = batch
            acc = (self.layer(x).argmax(dim=1) == y).float().mean()
            self.log("val_acc", acc)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    return Tiny()


def loader() -> Any:
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 8, generator=g), torch.randint(0, 2, (32,), generator=g)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)


def test_budget_stops_a_real_lightning_run(tmp_path: Path, clock: FakeClock) -> None:
    from mlfootprint.integrations.lightning import MlfootprintCallback

    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=100.0)
    # 50 epochs x 4 steps x 1 s x 100 W = 20 kJ (5.6 Wh); the budget is 1.5 Wh
    callback = MlfootprintCallback(
        region="FR", pue=1.0, meters=[meter], clock=clock, store=store, interval_s=3600.0,
        budget_kwh=0.0015, on_exceed="stop",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BudgetWarning)
        trainer = pl.Trainer(
            max_epochs=50, callbacks=[callback], logger=False, enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False, accelerator="cpu",
            default_root_dir=str(tmp_path),
        )  # fmt: skip
        trainer.fit(make_model(clock), loader(), loader())
    record = store.get_run(callback.result.id)
    store.close()
    # Lightning knows the length in steps (estimated_stepping_batches = 200): the first step's
    # prediction (200 s x 100 W = 20 kJ) is over the 5.4 kJ budget, so training stops right there
    assert trainer.global_step < 10
    assert record.status == "finished"
    assert record.extra["end_reason"].startswith("stopped by budget: budget 1.5Wh will be exceeded")
    total = next(w for w in record.work if w.phase == "")
    assert total.samples == 8 * trainer.global_step
    assert record.extra["predictions"][0]["total"] == 200


def test_counts_metrics_and_predictions_of_a_real_lightning_run(tmp_path: Path, clock: FakeClock) -> None:
    from mlfootprint.integrations.lightning import MlfootprintCallback

    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=100.0)
    callback = MlfootprintCallback(
        region="FR", pue=1.0, meters=[meter], clock=clock, store=store, interval_s=3600.0
    )
    trainer = pl.Trainer(
        max_epochs=3, callbacks=[callback], logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        accelerator="cpu", default_root_dir=str(tmp_path),
    )  # fmt: skip
    trainer.fit(make_model(clock), loader(), loader())
    record = store.get_run(callback.result.id)
    store.close()
    total = next(w for w in record.work if w.phase == "")
    assert total.samples == 3 * 32
    assert record.extra["parameters"] == 8 * 2 + 2  # Linear(8, 2)
    assert [(m.name, m.step) for m in record.metrics] == [("val_acc", 0), ("val_acc", 1), ("val_acc", 2)]
    predictions = record.extra["predictions"]
    assert predictions[-1]["done"] == predictions[-1]["total"] == 12  # 3 epochs x 4 steps
    # a steady fake run: every prediction after the first step is exact, and its error is recorded
    assert abs(predictions[-1]["energy_error_pct"]) < 1.0
