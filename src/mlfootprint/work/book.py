"""The work of one run as it goes: FLOPs, counts, metrics, progress, predictions, budget, requests.

The tracker owns one ``WorkBook`` and calls it from thin methods (``run.add_flops``, ``run.count``,
``run.log_metric``, ``run.progress``, ``run.request``); everything here is thread-safe (the user's
threads count, the sampler thread flushes) and does no I/O.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mlfootprint import logs
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import MetricValue, WorkCounts

if TYPE_CHECKING:  # the budget and prediction code loads with the first budget check or progress mark
    from mlfootprint.work.budget import Budget
    from mlfootprint.work.predict import Checkpoint, Prediction

__all__ = ["WorkBook"]

logger = logs.get(__name__)

#: at most this many predictions are kept in the record (the first ones and the latest)
MAX_PREDICTIONS = 200


def _amount(name: str, value: float | None) -> float:
    if value is None:
        return 0.0
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidValueError(name, value, "must be a finite number of at least 0")
    return float(value)


class WorkBook:
    """Accumulates the work of a run and of each phase open while it is done."""

    def __init__(self, *, budget: Budget | None = None) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._work: dict[str, dict[str, float]] = {}
        self._flops: dict[str, float] = {}
        self._methods: dict[str, list[str]] = {}
        self._metrics: list[MetricValue] = []
        self._points: list[Checkpoint] = []
        self._total: float | None = None
        self._predictions: list[Prediction] = []
        self._requests: list[tuple[float, float]] = []
        self._series: dict[int, list[tuple[float, float]]] = {}
        self._serving = False
        self._budget_state: dict[str, object] | None = None
        self.stop_requested: str | None = None
        self.last_report_s: float | None = None  # for callers that throttle their progress reports
        #: the model's parameter count, for the "cost of the result" (``integrations.work.set_parameters``)
        self.parameters: int | None = None
        self.on_prediction: Callable[[Prediction], None] | None = None
        #: where budget messages go (default: ``warnings.warn`` with ``BudgetWarning``)
        self.on_warning: Callable[[str], None] | None = None

    # -- recording ------------------------------------------------------------------------------------

    def add_flops(self, flops: float, *, phases: Sequence[str], method: str = "user") -> None:
        n = _amount("flops", flops)
        with self._lock:
            for key in ("", *phases):
                self._flops[key] = self._flops.get(key, 0.0) + n
                methods = self._methods.setdefault(key, [])
                if method not in methods:
                    methods.append(method)

    def count(
        self, *, phases: Sequence[str], samples: float | None, tokens: float | None, requests: float | None
    ) -> None:
        amounts = {
            "samples": _amount("samples", samples),
            "tokens": _amount("tokens", tokens),
            "requests": _amount("requests", requests),
        }
        with self._lock:
            for key in ("", *phases):
                row = self._work.setdefault(key, {"samples": 0.0, "tokens": 0.0, "requests": 0.0})
                for name, value in amounts.items():
                    row[name] += value

    def log_metric(self, name: str, value: float, *, step: int | None, t_s: float) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidValueError("metric name", name, "must be a non-empty string")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidValueError(name, value, "must be a finite number")
        with self._lock:
            self._metrics.append(MetricValue(name=name.strip(), value=float(value), step=step, t_s=t_s))

    def add_request(self, start_s: float, end_s: float) -> None:
        with self._lock:
            self._requests.append((start_s, max(start_s, end_s)))

    @contextmanager
    def request(self, now: Callable[[], float]) -> Iterator[None]:
        """Time one request (``with run.request(): serve(x)``): counted, and its energy attributed."""
        start = now()
        with self._lock:
            self._serving = True
        try:
            yield
        finally:
            self.add_request(start, now())
            self.count(phases=(), samples=None, tokens=None, requests=1)

    def observe(self, batch: Sequence[tuple[int, float, float]]) -> None:
        """Keep (t_s, joules) per meter while requests are timed (for their attribution)."""
        with self._lock:
            for meter, t_s, energy_j in batch:
                if not self._serving:  # only the latest reading, to start from once serving begins
                    self._series[meter] = [(t_s, energy_j)]
                    continue
                series = self._series.setdefault(meter, [])
                if not series or t_s > series[-1][0]:
                    series.append((t_s, energy_j))

    # -- progress, prediction and budget --------------------------------------------------------------

    def progress(
        self,
        point: Checkpoint,
        *,
        total: float | None,
        intensity_ahead: Callable[[float, float], float | None] | None,
    ) -> Prediction | None:
        """Record the end of a unit; predict the run when its length is known; check the budget."""
        bad = isinstance(total, bool) or not isinstance(total, (int, float)) or not total > 0
        if total is not None and bad:
            raise InvalidValueError("total", total, "must be a positive number of units")
        with self._lock:
            if total is not None:
                self._total = float(total)
            if self._points and point.done <= self._points[-1].done:
                return None
            self._points.append(point)
            points, total_units = list(self._points), self._total
        if total_units is None:
            return None
        from mlfootprint.work.predict import predict

        prediction = predict(points, total=max(total_units, point.done), intensity_ahead=intensity_ahead)
        with self._lock:
            self._predictions.append(prediction)
            if len(self._predictions) > MAX_PREDICTIONS:
                del self._predictions[MAX_PREDICTIONS // 2]
        if self.on_prediction is not None:
            self.on_prediction(prediction)
        self.check(used_energy_j=point.energy_j, used_co2e_g=point.co2e_g, prediction=prediction)
        return prediction

    @property
    def latest_prediction(self) -> Prediction | None:
        with self._lock:
            return self._predictions[-1] if self._predictions else None

    def check(
        self, *, used_energy_j: float, used_co2e_g: float, prediction: Prediction | None = None
    ) -> None:
        """Check the budget; warn once when exceeded, and ask to stop under ``on_exceed="stop"``."""
        budget = self.budget
        if budget is None:
            return
        prediction = prediction if prediction is not None else self.latest_prediction
        from mlfootprint.work.budget import BudgetWarning, check_budget

        result = check_budget(
            budget, used_energy_j=used_energy_j, used_co2e_g=used_co2e_g,
            predicted_energy_j=None if prediction is None else prediction.energy_j,
            predicted_co2e_g=None if prediction is None else prediction.co2e_g,
        )  # fmt: skip
        with self._lock:
            first = self._budget_state is None or not self._budget_state.get("exceeded")
            self._budget_state = {
                **budget.to_dict(), "exceeded": result.exceeded or not first,
                "basis": result.basis, "message": result.message,
            }  # fmt: skip
            if not result.exceeded or not first:
                return
            if budget.on_exceed == "stop":
                self.stop_requested = f"stopped by budget: {result.message}"
                self._budget_state["stop_requested"] = self.stop_requested
        logger.warning("mlfootprint: %s", result.message)
        if self.on_warning is not None:
            self.on_warning(result.message)
        else:
            warnings.warn(result.message, BudgetWarning, stacklevel=3)

    # -- the record ------------------------------------------------------------------------------------

    def counts(self) -> tuple[WorkCounts, ...]:
        with self._lock:
            keys = sorted(set(self._work) | set(self._flops), key=lambda k: (k != "", k))
            return tuple(
                WorkCounts(
                    phase=key,
                    flops=self._flops.get(key),
                    flops_method="+".join(self._methods[key]) if key in self._methods else None,
                    **self._work.get(key, {"samples": 0.0, "tokens": 0.0, "requests": 0.0}),
                )
                for key in keys
            )

    def metrics(self) -> tuple[MetricValue, ...]:
        with self._lock:
            return tuple(self._metrics)

    def extra(self, *, final: bool, energy_j: float, duration_s: float, pue: float) -> dict[str, object]:
        """The record's ``extra`` entries: predictions (with their errors at the end), budget, requests."""
        out: dict[str, object] = {}
        with self._lock:
            predictions = list(self._predictions)
            budget_state = None if self._budget_state is None else dict(self._budget_state)
            requests = list(self._requests)
            series = {k: list(v) for k, v in self._series.items()}
            total = self._total
            done = self._points[-1].done if self._points else 0.0
        if self.parameters is not None:
            out["parameters"] = self.parameters
        if total is not None:
            out["progress"] = {"done": done, "total": total}
        if predictions:
            rows = []
            for p in predictions:
                row = p.to_dict()
                if final and energy_j > 0 and duration_s > 0:
                    row["energy_error_pct"] = (p.energy_j - energy_j) / energy_j * 100.0
                    row["duration_error_pct"] = (p.duration_s - duration_s) / duration_s * 100.0
                    row["energy_interval_contains_actual"] = p.energy_j_low <= energy_j <= p.energy_j_high
                rows.append(row)
            out["predictions"] = rows
        if budget_state is not None:
            out["budget"] = budget_state
        if self.stop_requested is not None:
            out["end_reason"] = self.stop_requested
        if requests:
            from mlfootprint.work.requests import attribute_requests, summarize_requests

            per_request = [0.0] * len(requests)
            idle = 0.0
            for points in series.values():
                times, energies = [t for t, _ in points], [e for _, e in points]
                attributed, idle_j = attribute_requests(requests, times, energies)
                idle += idle_j
                per_request = [a + r.energy_j for a, r in zip(per_request, attributed, strict=True)]
            from mlfootprint.work.requests import RequestEnergy

            merged = [
                RequestEnergy(start_s=a, end_s=b, energy_j=e)
                for (a, b), e in zip(requests, per_request, strict=True)
            ]
            out["requests"] = summarize_requests(merged, idle, pue)
        return out
