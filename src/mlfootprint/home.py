"""The per-user data folder, apart from the settings: the cache of resolved reference facts needs only
this folder, and a one-shot command should not load the whole configuration machinery to find it.
``mlfootprint.config`` re-exports it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["home_dir", "home_folder"]


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """Per-user data folder.

    ``$MLFOOTPRINT_HOME``, else ``$XDG_DATA_HOME/mlfootprint``, else ``~/.local/share/mlfootprint``.
    """
    from pathlib import Path

    return Path(home_folder(env))


def home_folder(env: Mapping[str, str] | None = None) -> str:
    """``home_dir()`` as text, for a caller that has no other use for pathlib (the data cache)."""
    env = os.environ if env is None else env
    if env.get("MLFOOTPRINT_HOME"):
        return env["MLFOOTPRINT_HOME"]
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "mlfootprint")
