"""FLOPs of real PyTorch training steps, sampled and extrapolated, against analytic counts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.work.torch_flops import TorchFlops

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.frameworks


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def mlp_training_flops(batch: int, dims: list[int]) -> float:
    """Analytic: a linear layer n_in -> n_out costs 2 B n_in n_out forward, the same for the weight
    gradient, and the same again for the input gradient, which the first layer does not need."""
    total = 0.0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(dims)):
        mm = 2.0 * batch * n_in * n_out
        total += mm * (2 if i == 0 else 3)
    return total


def conv_training_flops(batch: int) -> float:
    """Analytic for the CNN below: conv 2 B C_out H W C_in k^2 per pass, as for the MLP."""
    conv1 = 2.0 * batch * 16 * 32 * 32 * 3 * 9
    conv2 = 2.0 * batch * 32 * 16 * 16 * 16 * 9
    fc = 2.0 * batch * (32 * 8 * 8) * 10
    return conv1 * 2 + conv2 * 3 + fc * 3


def train(
    model: torch.nn.Module, x_shape: tuple[int, ...], n_out: int, steps: int, flops: TorchFlops
) -> None:
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(steps):
        x = torch.randn(*x_shape)
        y = torch.randint(0, n_out, (x_shape[0],))
        with flops.step(batch_size=x_shape[0]):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()


def test_mlp_flops_within_5_percent_of_analytic(clock: FakeClock, store: SQLStore) -> None:
    dims = [256, 512, 512, 10]
    model = torch.nn.Sequential(
        torch.nn.Linear(dims[0], dims[1]), torch.nn.ReLU(),
        torch.nn.Linear(dims[1], dims[2]), torch.nn.ReLU(),
        torch.nn.Linear(dims[2], dims[3]),
    )  # fmt: skip
    meter = FakeMeter(clock, meter_id="cpu-estimate", component="cpu", power_w=50.0)
    with track(region="FR", meters=[meter], clock=clock, store=store, interval_s=3600.0) as run:
        flops = TorchFlops(run, sample_steps=2)
        train(model, (64, dims[0]), dims[-1], 12, flops)
        clock.advance(10.0)
    expected = 12 * mlp_training_flops(64, dims)
    assert flops.counted_steps == 2 and flops.steps == 12
    assert abs(flops.total - expected) / expected < 0.05
    stored = store.get_run(run.id or "")
    total = next(w for w in stored.work if w.phase == "")
    assert total.flops == pytest.approx(flops.total)
    assert total.flops_method == "flop-counter"


def test_cnn_flops_within_5_percent_of_analytic() -> None:
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 10),
    )  # fmt: skip
    flops = TorchFlops(None, sample_steps=2, skip_steps=1)
    train(model, (16, 3, 32, 32), 10, 6, flops)
    expected = 6 * conv_training_flops(16)
    assert flops.counted_steps == 2
    assert abs(flops.total - expected) / expected < 0.05


def test_extrapolation_scales_with_batch_size() -> None:
    model = torch.nn.Linear(100, 50)
    flops = TorchFlops(None, sample_steps=1)
    for batch in (10, 30):
        with flops.step(batch_size=batch):
            model(torch.randn(batch, 100))
    assert flops.total == pytest.approx(2 * 100 * 50 * (10 + 30))
