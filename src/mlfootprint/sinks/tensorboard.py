"""TensorBoard: per-epoch energy, CO2e, power and per-unit costs as scalars, the report as text.

Writes event files into ``logdir`` with tensorboard's own writer, or through a writer you pass (any
object with ``add_scalar(tag, value, step)`` and ``add_text(tag, text, step)``, such as
``torch.utils.tensorboard.SummaryWriter``), so the scalars sit beside the training loop's own. Needs
``tensorboard`` (extra ``tensorboard``) for the default writer, imported when the sink is made.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import RunRecord
from mlfootprint.sinks import missing_library
from mlfootprint.sinks._epochs import PREFIX, EpochSink

__all__ = ["TensorBoardSink"]


class _EventWriter:
    """Scalars and text into an event file, with tensorboard's event writer and summary protos."""

    def __init__(self, logdir: Path) -> None:
        try:
            from tensorboard.compat.proto import (
                event_pb2,
                summary_pb2,
                tensor_pb2,
                tensor_shape_pb2,
                types_pb2,
            )
            from tensorboard.plugins.text import metadata as text_metadata
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise missing_library("TensorBoard", "tensorboard", "tensorboard") from None
        self._event = event_pb2.Event
        self._summary = summary_pb2.Summary
        self._tensor = tensor_pb2.TensorProto
        self._shape = tensor_shape_pb2.TensorShapeProto
        self._string = types_pb2.DT_STRING
        self._text_metadata = text_metadata.create_summary_metadata
        self._writer = EventFileWriter(str(logdir))

    def _add(self, value: Any, step: int) -> None:
        summary = self._summary(value=[value])
        self._writer.add_event(self._event(summary=summary, step=step, wall_time=time.time()))

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self._add(self._summary.Value(tag=tag, simple_value=float(value)), step)

    def add_text(self, tag: str, text: str, step: int) -> None:
        tensor = self._tensor(
            dtype=self._string,
            string_val=[text.encode("utf-8")],
            tensor_shape=self._shape(dim=[self._shape.Dim(size=1)]),
        )
        metadata = self._text_metadata(display_name=tag, description="")
        self._add(self._summary.Value(tag=tag, tensor=tensor, metadata=metadata), step)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


class TensorBoardSink(EpochSink):
    """Log the run as TensorBoard scalars (see the module docstring).

    Args:
        logdir: where to write event files (a new writer, closed when the run stops).
        writer: an existing writer instead (flushed, not closed, when the run stops).
        units_per_epoch: how many ``unit`` one epoch processes, for per-unit costs.
        unit: what ``units_per_epoch`` counts.

    Raises:
        InvalidValueError: neither or both of ``logdir`` and ``writer``.
        ExporterError: ``tensorboard`` is not installed (default writer only).
    """

    name = "tensorboard"

    def __init__(
        self,
        logdir: str | Path | None = None,
        *,
        writer: Any = None,
        units_per_epoch: float | None = None,
        unit: str = "sample",
    ) -> None:
        super().__init__(units_per_epoch=units_per_epoch, unit=unit)
        if (logdir is None) == (writer is None):
            raise InvalidValueError("tensorboard", logdir, "give either logdir or writer")
        self.owned = writer is None
        self.writer: Any = writer if writer is not None else _EventWriter(Path(logdir))  # type: ignore[arg-type]

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        for tag, value in metrics.items():
            self.writer.add_scalar(tag, value, step)
        self.writer.flush()

    def log_final(self, run: RunRecord, metrics: dict[str, float], report: Sequence[Path]) -> None:
        for tag, value in metrics.items():
            self.writer.add_scalar(tag, value, self.epochs)
        markdown = next((p for p in report if p.suffix == ".md"), None)
        if markdown is not None:
            self.writer.add_text(f"{PREFIX}report", markdown.read_text(encoding="utf-8"), self.epochs)
        if self.owned:
            self.writer.close()
        else:
            self.writer.flush()
