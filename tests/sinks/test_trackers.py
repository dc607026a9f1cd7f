"""MLflow, W&B (offline) and TensorBoard each receive per-epoch energy from a real (tiny) training run,
and the run's report; the metric arithmetic on its own."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlfootprint.records import PhaseRecord
from mlfootprint.sinks._epochs import epoch_metrics
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track

FR_G_PER_KWH = 44.2  # OWID/Ember 2025 release, France 2024 (the shipped grid table)
EPOCHS = 3
SAMPLES = 256
# each epoch: 10 s at 100 W (GPU) + 20 W (CPU) = 1200 J IT; x PUE 1.5 = 1800 J = 5e-4 kWh
EPOCH_KWH = 5e-4
EPOCH_CO2E_G = 5e-4 * FR_G_PER_KWH


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def train(sinks: list[Any], clock: FakeClock, store: SQLStore) -> tuple[Any, list[float]]:
    """Logistic regression by gradient descent, one phase per epoch; each epoch takes 10 s (fake clock)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, 4))
    y = (x @ np.array([1.5, -2.0, 0.5, 1.0]) > 0).astype(float)
    w = np.zeros(4)
    losses = []
    meters = [
        FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=100.0),
        FakeMeter(clock, meter_id="cpu-estimate", component="cpu", method="tdp-utilisation", power_w=20.0),
    ]
    with track(project="tiny", name="logreg", region="FR", pue=1.5, meters=meters, clock=clock, store=store,
               sinks=sinks) as run:  # fmt: skip
        for epoch in range(EPOCHS):
            with run.phase(f"epoch-{epoch}"):
                for _ in range(20):
                    p = 1 / (1 + np.exp(-(x @ w)))
                    w -= 0.5 * x.T @ (p - y) / SAMPLES
                losses.append(float(-np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))))
                clock.advance(10.0)
    assert losses[-1] < losses[0]  # it did learn
    return run.result, losses


def test_epoch_metrics_arithmetic(clock: FakeClock, store: SQLStore) -> None:
    run, _ = train([], clock, store)
    at = datetime(2024, 1, 1, tzinfo=timezone.utc)
    phase = PhaseRecord(name="e", parent=None, started_at=at, ended_at=at, duration_s=10.0, energy_j=1200.0,
                        components={"nvml:0": 1000.0, "cpu-estimate": 200.0})  # fmt: skip
    m = epoch_metrics(run, phase, units=SAMPLES, unit="Sample")
    assert m["mlfootprint/epoch_energy_kwh"] == pytest.approx(EPOCH_KWH)
    assert m["mlfootprint/epoch_co2e_g"] == pytest.approx(EPOCH_CO2E_G)
    assert m["mlfootprint/epoch_power_w"] == pytest.approx(180.0)
    assert m["mlfootprint/epoch_power_w/gpu"] == pytest.approx(100.0)
    assert m["mlfootprint/epoch_power_w/cpu"] == pytest.approx(20.0)
    assert m["mlfootprint/energy_j_per_sample"] == pytest.approx(1800.0 / 256)
    assert m["mlfootprint/co2e_mg_per_sample"] == pytest.approx(1000 * EPOCH_CO2E_G / 256)


@pytest.mark.frameworks
def test_tensorboard_receives_per_epoch_scalars_and_the_report(
    tmp_path: Path, clock: FakeClock, store: SQLStore
) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from mlfootprint.sinks.tensorboard import TensorBoardSink

    run, _ = train([TensorBoardSink(tmp_path / "tb", units_per_epoch=SAMPLES)], clock, store)
    events = EventAccumulator(str(tmp_path / "tb"), size_guidance={"tensors": 0, "scalars": 0})
    events.Reload()
    tags = events.Tags()
    energy = events.Scalars("mlfootprint/epoch_energy_kwh")
    assert [e.step for e in energy] == [0, 1, 2]
    assert [e.value for e in energy] == pytest.approx([EPOCH_KWH] * EPOCHS, rel=1e-6)
    cumulative = [e.value for e in events.Scalars("mlfootprint/co2e_g")]
    assert cumulative == pytest.approx([EPOCH_CO2E_G * k for k in (1, 2, 3)], rel=1e-6)
    assert events.Scalars("mlfootprint/epoch_power_w/gpu")[0].value == pytest.approx(100.0)
    assert events.Scalars("mlfootprint/energy_j_per_sample")[0].value == pytest.approx(1800.0 / 256, rel=1e-6)
    assert events.Scalars("mlfootprint/run_co2e_kg")[0].value == pytest.approx(run.co2e_g / 1000, rel=1e-6)
    assert "mlfootprint/report" in tags["tensors"]
    report = events.Tensors("mlfootprint/report")[0].tensor_proto.string_val[0].decode()
    assert "Carbon statement for run logreg" in report and "Training used 1.5 Wh" in report  # 3 x 1800 J


@pytest.mark.frameworks
def test_mlflow_active_run_receives_per_epoch_metrics_and_report(
    tmp_path: Path, clock: FakeClock, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is ./mlruns
    from mlfootprint.sinks.mlflow import MLflowSink

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")  # a local tracking store
    try:
        with mlflow.start_run() as active:
            run, _ = train([MLflowSink(units_per_epoch=SAMPLES)], clock, store)
        client = mlflow.tracking.MlflowClient()
        history = client.get_metric_history(active.info.run_id, "mlfootprint/epoch_energy_kwh")
        assert sorted(m.step for m in history) == [0, 1, 2]
        assert [m.value for m in history] == pytest.approx([EPOCH_KWH] * EPOCHS)
        power = client.get_metric_history(active.info.run_id, "mlfootprint/epoch_power_w")
        assert [m.value for m in power] == pytest.approx([180.0] * EPOCHS)
        finished = client.get_run(active.info.run_id)
        assert finished.data.metrics["mlfootprint/run_energy_kwh"] == pytest.approx(run.energy_j / 3.6e6)
        assert finished.data.tags["mlfootprint.run_id"] == run.id
        names = {Path(a.path).name for a in client.list_artifacts(active.info.run_id, "mlfootprint")}
        assert names == {f"mlfootprint-{run.id}.md", f"mlfootprint-{run.id}.json"}
        local = Path(client.download_artifacts(active.info.run_id, f"mlfootprint/mlfootprint-{run.id}.json",
                                               str(tmp_path / "dl")))  # fmt: skip
        assert json.loads(local.read_text())["id"] == run.id
        # with no active run, the sink makes one in the named experiment and ends it with the run
        sink = MLflowSink(experiment="carbon", run_name="own")
        assert mlflow.active_run() is None
        train([sink], clock, store)
        own = client.get_run(sink.run_id)
        assert own.info.status == "FINISHED" and own.info.run_name == "own"
        assert client.get_experiment(own.info.experiment_id).name == "carbon"
        assert len(client.get_metric_history(sink.run_id, "mlfootprint/epoch_co2e_g")) == EPOCHS
    finally:
        mlflow.set_tracking_uri(previous)


def _leveldb_log_records(data: bytes) -> Iterator[bytes]:
    """The records of a W&B transaction log: a 7-byte file header (``:W&B``, magic, version), then
    LevelDB-log blocks of 32 KiB whose chunks carry a 7-byte header (CRC, length, type 1-4)."""
    assert data[:4] == b":W&B"
    block, pos, pending = 32768, 7, b""
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        length = int.from_bytes(data[pos + 4 : pos + 6], "little")
        kind = data[pos + 6]
        chunk = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind == 0 and length == 0:
            pos += block - pos % block if pos % block else 0
            continue
        if kind in (1, 2):
            pending = chunk
        else:
            pending += chunk
        if kind in (1, 4):
            yield pending
            pending = b""


def _wandb_history(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """History rows, the summary and the artifact names from an offline run's ``.wandb`` file."""
    from google.protobuf.message import DecodeError
    from wandb.proto import wandb_internal_pb2

    (path,) = run_dir.glob("*.wandb")
    records: list[Any] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # W&B's service process may still be writing after finish()
        records = []
        for data in _leveldb_log_records(path.read_bytes()):
            record = wandb_internal_pb2.Record()
            try:
                record.ParseFromString(data)
            except DecodeError:  # a record still being written
                break
            records.append(record)
        if any(r.WhichOneof("record_type") == "exit" for r in records):
            break
        time.sleep(0.2)
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    artifacts: list[str] = []
    for record in records:
        kind = record.WhichOneof("record_type")
        if kind == "history":
            rows.append(
                {i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in record.history.item}
            )
        elif kind == "summary":
            summary.update(
                {i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in record.summary.update}
            )
        elif kind == "artifact":
            artifacts.append(record.artifact.name)
    return rows, summary, artifacts


@pytest.mark.frameworks
def test_wandb_offline_run_receives_per_epoch_metrics_and_report(
    tmp_path: Path, clock: FakeClock, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb = pytest.importorskip("wandb")
    from mlfootprint.sinks.wandb import WandbSink

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    for key, sub in (("WANDB_DIR", "."), ("WANDB_CONFIG_DIR", "config"), ("WANDB_CACHE_DIR", "cache")):
        monkeypatch.setenv(key, str(tmp_path / sub))
    wb = wandb.init(project="tiny", dir=str(tmp_path))
    try:
        run, losses = train([WandbSink(units_per_epoch=SAMPLES)], clock, store)
        for epoch, loss in enumerate(losses):  # the training loop's own logging is untouched
            wb.log({"loss": loss, "epoch": epoch})
    finally:
        wb.finish()
    rows, summary, artifacts = _wandb_history(Path(wb.dir).parent)
    ours = [r for r in rows if "mlfootprint/epoch_energy_kwh" in r]
    assert [r["mlfootprint/epoch"] for r in ours] == [0, 1, 2]
    assert [r["mlfootprint/epoch_energy_kwh"] for r in ours] == pytest.approx([EPOCH_KWH] * EPOCHS)
    assert [r["mlfootprint/co2e_g"] for r in ours] == pytest.approx([EPOCH_CO2E_G * k for k in (1, 2, 3)])
    assert [r["loss"] for r in rows if "loss" in r] == pytest.approx(losses)
    assert summary["mlfootprint/run_co2e_kg"] == pytest.approx(run.co2e_g / 1000)
    assert f"mlfootprint-{run.id}" in artifacts


@pytest.mark.frameworks
def test_lightning_callback_epochs_reach_a_sink(tmp_path: Path) -> None:
    """A real Lightning fit on CPU with the callback: each of its epochs becomes one logged step."""
    pytest.importorskip("tensorboard")
    torch = pytest.importorskip("torch")
    pl = pytest.importorskip("lightning.pytorch")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from mlfootprint.integrations.lightning import lightning_callback
    from mlfootprint.sinks.tensorboard import TensorBoardSink

    class Tiny(pl.LightningModule):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            return torch.nn.functional.mse_loss(self.layer(x), y)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(256, 8), torch.randn(256, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=32)
    callback = lightning_callback(
        region="FR", db=f"sqlite:///{tmp_path / 'runs.sqlite3'}", interval_s=0.05, flush_interval_s=0.05,
        sinks=[TensorBoardSink(tmp_path / "tb", units_per_epoch=256)],
    )  # fmt: skip
    trainer = pl.Trainer(
        max_epochs=2, accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=[callback],
    )  # fmt: skip
    trainer.fit(Tiny(), loader)
    record = callback.result
    assert record is not None and [p.name for p in record.phases] == ["epoch-0", "epoch-1", "fit"]
    epochs = [p for p in record.phases if p.name.startswith("epoch")]
    events = EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0})
    events.Reload()
    energy = events.Scalars("mlfootprint/epoch_energy_kwh")
    assert [e.step for e in energy] == [0, 1]
    expected = [p.energy_j * record.pue / 3.6e6 for p in epochs]
    assert [e.value for e in energy] == pytest.approx(expected, rel=1e-5)
    assert all(e.value > 0 for e in energy)
    per_sample = events.Scalars("mlfootprint/energy_j_per_sample")
    expected_per_sample = [p.energy_j * record.pue / 256 for p in epochs]
    assert [e.value for e in per_sample] == pytest.approx(expected_per_sample, rel=1e-5)
