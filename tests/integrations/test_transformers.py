"""The Hugging Face callback against the real Trainer on the CPU: values through on_log to TensorBoard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tensorboard")

from transformers import Trainer, TrainingArguments  # noqa: E402

from mlfootprint.integrations.transformers import track_trainer  # noqa: E402
from mlfootprint.store import open_store  # noqa: E402


class Tiny(torch.nn.Module):  # type: ignore[misc]
    def __init__(self, fail_at_step: int | None = None) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.fail_at_step = fail_at_step
        self.steps = 0

    def forward(self, x: Any, labels: Any = None) -> dict[str, Any]:
        self.steps += 1
        if self.fail_at_step is not None and self.steps >= self.fail_at_step:
            raise ValueError("loss is nan")
        out = self.layer(x)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


class Data(torch.utils.data.Dataset):  # type: ignore[misc]
    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(32, 4, generator=g)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"x": self.x[i], "labels": self.x[i].sum(0, keepdim=True)}


def trainer_for(tmp_path: Path, model: Tiny) -> Trainer:
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=2, per_device_train_batch_size=8, logging_steps=2,
        save_strategy="epoch", report_to=["tensorboard"], use_cpu=True,
        disable_tqdm=True,
    )  # fmt: skip
    return Trainer(model=model, args=args, train_dataset=Data())


def test_values_reach_tensorboard_and_trainer_state_while_training(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    trainer = trainer_for(tmp_path, Tiny())
    callback = track_trainer(trainer, project="hf", region="FR", db=db, interval_s=0.2)
    with callback.guard():
        trainer.train()
    record = callback.result
    assert record is not None and record.status == "finished"
    assert [p.name for p in record.phases] == ["epoch-0", "epoch-1", "train"]
    with open_store(db) as store:
        assert store.get_run(record.id).it_energy_j == pytest.approx(record.it_energy_j)
    (events,) = {p.parent for p in tmp_path.rglob("events.out.tfevents.*")}
    acc = EventAccumulator(str(events))
    acc.Reload()
    energy = acc.Scalars("train/mlfootprint/energy_kwh")
    assert len(energy) >= 4 and energy[-1].value > 0  # one per log, every 2 steps of 8
    assert [e.value for e in energy] == sorted(e.value for e in energy)  # cumulative
    assert acc.Scalars("train/mlfootprint/epoch_energy_kwh")  # after each epoch
    state = json.loads((tmp_path / "out" / "checkpoint-4" / "trainer_state.json").read_text())
    assert any("mlfootprint/energy_kwh" in entry for entry in state["log_history"])


def test_a_crash_inside_guard_keeps_the_record_and_its_cause(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    trainer = trainer_for(tmp_path, Tiny(fail_at_step=3))
    callback = track_trainer(trainer, project="hf", region="FR", db=db)
    with pytest.raises(ValueError, match="nan"), callback.guard():
        trainer.train()
    assert callback.result is not None
    assert (callback.result.status, callback.result.error_type) == ("failed", "ValueError")
    with open_store(db) as store:
        assert store.get_run(callback.result.id).error_message == "loss is nan"
