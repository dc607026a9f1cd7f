"""The study's data: bundled digits and any map-style Dataset; the settings' checks."""

from __future__ import annotations

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression.config import FULL, QUICK, StudyConfig


def test_presets_and_their_derived_values() -> None:
    assert FULL.width == 1024 and StudyConfig(family="cnn").width == 64
    assert QUICK.width == 512 and QUICK.seeds >= 2 and QUICK.inference_rounds >= 2
    assert StudyConfig(ticket_rounds=3, ticket_rate=0.5).ticket_sparsity == pytest.approx(0.875)


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"family": "rnn"}, "--family: 'rnn'"),
        ({"sparsities": (0.5, 1.0)}, "--sparsity: 1.0"),
        ({"sparsities": (0.5, 0.5)}, "twice"),
        ({"alpha": -0.1}, "--alpha"),
        ({"seeds": 0}, "--seeds: 0"),
        ({"ticket_rate": 1.0}, "--ticket-rate"),
        ({"device": "tpu"}, "--device: 'tpu'"),
    ],
)
def test_bad_settings_name_the_option_and_value(changes: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        StudyConfig(**changes)  # type: ignore[arg-type]
    assert needle in str(caught.value)


@pytest.mark.frameworks
def test_digits_and_any_dataset_become_in_memory_tensors() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from mlfootprint.study.compression.data import data_from_datasets, digits_data

    digits = digits_data()
    assert digits.x_train.shape == (1437, 64) and digits.x_test.shape == (360, 64)
    assert digits.classes == 10 and float(digits.x_train.max()) == 1.0
    images = digits_data(images=True)
    assert images.input_shape == (1, 8, 8)
    assert torch.equal(images.y_test, digits.y_test)  # same seeded, stratified split
    train = torch.utils.data.TensorDataset(torch.rand(20, 3), torch.arange(20) % 4)
    test = torch.utils.data.TensorDataset(torch.rand(8, 3), torch.arange(8) % 4)
    data = data_from_datasets(train, test, name="toy")
    assert data.x_train.shape == (20, 3) and data.classes == 4 and data.y_test.dtype == torch.long
    with pytest.raises(InvalidValueError, match="differ in shape"):
        data_from_datasets(
            train, torch.utils.data.TensorDataset(torch.rand(8, 5), torch.zeros(8)), name="bad"
        )
