"""One rank of a Hugging Face Trainer job on the CPU (gloo), tracked by mlfootprint.

Usage: python hf_rank.py DB_URL OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import Trainer, TrainingArguments

from mlfootprint.integrations.transformers import track_trainer


class Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def forward(self, x: Any, labels: Any = None) -> dict[str, Any]:
        out = self.layer(x)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


class Data(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self) -> None:
        self.x = torch.randn(32, 4, generator=torch.Generator().manual_seed(0))

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"x": self.x[i], "labels": self.x[i].sum(0, keepdim=True)}


def main() -> None:
    db, out = sys.argv[1], Path(sys.argv[2])
    args = TrainingArguments(
        output_dir=str(out), num_train_epochs=2, per_device_train_batch_size=4, logging_steps=2,
        save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True, ddp_backend="gloo",
    )  # fmt: skip
    trainer = Trainer(model=Tiny(), args=args, train_dataset=Data())
    callback = track_trainer(trainer, project="hf", region="FR", db=db, interval_s=0.2)
    with callback.guard():
        trainer.train()
    logged = [e for e in trainer.state.log_history if "mlfootprint/energy_kwh" in e and "loss" in e]
    rank = trainer.args.process_index
    (out / f"rank{rank}.json").write_text(json.dumps({"logged": logged, "run": callback.result.id}))


if __name__ == "__main__":
    main()
