"""The package's loggers, with ``logging`` imported only when something is logged.

``logging`` costs a fresh process several milliseconds to import, and a tracked run that goes well logs
nothing, so each module holds a ``LazyLogger`` for ``logging.getLogger(__name__)``. The first message
imports ``logging`` and puts a ``NullHandler`` on the package's root logger (no logging configuration in
the library: an application that configures logging sees the messages, one that does not sees nothing).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging

__all__ = ["LazyLogger", "get"]

ROOT = "mlfootprint"


class LazyLogger:
    """Forwards ``debug``/``info``/``warning``/``error`` to ``logging.getLogger(name)``, made on first use."""

    __slots__ = ("_logger", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: logging.Logger | None = None

    def _get(self) -> logging.Logger:
        if self._logger is None:
            import logging

            root = logging.getLogger(ROOT)
            if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
                root.addHandler(logging.NullHandler())
            self._logger = logging.getLogger(self.name)
        return self._logger

    def debug(self, msg: str, *args: object) -> None:
        """``Logger.debug``; skipped without importing ``logging`` when nothing can listen."""
        if "logging" in sys.modules:  # nobody configured logging, so no debug handler exists
            self._get().debug(msg, *args)

    def info(self, msg: str, *args: object) -> None:
        """``Logger.info``; skipped without importing ``logging`` when nothing can listen."""
        if "logging" in sys.modules:
            self._get().info(msg, *args)

    def warning(self, msg: str, *args: object) -> None:
        """``Logger.warning``."""
        self._get().warning(msg, *args)

    def error(self, msg: str, *args: object) -> None:
        """``Logger.error``."""
        self._get().error(msg, *args)


def get(name: str) -> LazyLogger:
    """The logger for module ``name`` (``logs.get(__name__)``)."""
    return LazyLogger(name)
