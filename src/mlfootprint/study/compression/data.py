"""The study's data: scikit-learn's bundled digits (no download) or any map-style ``torch`` Dataset.

The study keeps the (small) data in memory as tensors: mini-batches are slices of a seeded permutation,
which is faster than a ``DataLoader`` on data this size and fully reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression._deps import require

if TYPE_CHECKING:
    import torch

__all__ = ["DIGITS_SOURCE", "StudyData", "data_from_datasets", "digits_data"]

DIGITS_SOURCE = (
    "scikit-learn load_digits: UCI optical recognition of handwritten digits test set, "
    "1,797 8x8 images, 10 classes (bundled with scikit-learn, no download)"
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class StudyData:
    """Training and test tensors (``x`` float inputs, ``y`` integer class labels)."""

    name: str
    source: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def classes(self) -> int:
        return int(max(int(self.y_train.max()), int(self.y_test.max()))) + 1

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.x_train.shape[1:])

    def to(self, device: str) -> StudyData:
        """The same data on ``device``."""
        return StudyData(
            name=self.name,
            source=self.source,
            x_train=self.x_train.to(device),
            y_train=self.y_train.to(device),
            x_test=self.x_test.to(device),
            y_test=self.y_test.to(device),
        )


def digits_data(*, images: bool = False, test_frac: float = 0.2, split_seed: int = 0) -> StudyData:
    """Digits scaled to [0, 1], split stratified and seeded (the split is the same for every model seed).

    Args:
        images: shape the inputs ``(1, 8, 8)`` for a CNN instead of 64 features.
        test_frac: fraction held out for testing.
        split_seed: seed of the split.
    """
    torch = require("torch")
    datasets = require("sklearn.datasets")
    selection = require("sklearn.model_selection")
    x, y = datasets.load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = selection.train_test_split(
        x, y, test_size=test_frac, random_state=split_seed, stratify=y
    )

    def inputs(a: Any) -> Any:
        t = torch.tensor(a, dtype=torch.float32) / 16.0
        return t.reshape(-1, 1, 8, 8) if images else t

    return StudyData(
        name="digits",
        source=DIGITS_SOURCE,
        x_train=inputs(x_train),
        y_train=torch.tensor(y_train, dtype=torch.long),
        x_test=inputs(x_test),
        y_test=torch.tensor(y_test, dtype=torch.long),
    )


def _stack(dataset: Any, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    torch = require("torch")
    try:
        size = len(dataset)
    except TypeError:
        raise InvalidValueError(
            what, type(dataset).__name__, "must be a map-style Dataset with len()"
        ) from None
    if size == 0:
        raise InvalidValueError(what, type(dataset).__name__, "is empty")
    xs, ys = [], []
    for i in range(size):
        item = dataset[i]
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InvalidValueError(what, type(dataset).__name__, "items must be (input, label) pairs")
        xs.append(torch.as_tensor(item[0], dtype=torch.float32))
        ys.append(int(item[1]))
    return torch.stack(xs), torch.tensor(ys, dtype=torch.long)


def data_from_datasets(train: Any, test: Any, *, name: str, source: str = "given by the user") -> StudyData:
    """Any two map-style ``torch.utils.data.Dataset`` of ``(input, label)`` pairs, held in memory."""
    x_train, y_train = _stack(train, "train dataset")
    x_test, y_test = _stack(test, "test dataset")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise InvalidValueError(
            "test dataset",
            tuple(x_test.shape[1:]),
            f"inputs differ in shape from training {tuple(x_train.shape[1:])}",
        )
    return StudyData(name=name, source=source, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
