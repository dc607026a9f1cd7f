"""The per-user data folder, apart from the settings: the cache of resolved reference facts needs only
this folder, and a one-shot command should not load the whole configuration machinery to find it.
``mlfootprint.config`` re-exports it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["home_dir"]


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """Per-user data folder.

    ``$MLFOOTPRINT_HOME``, else ``$XDG_DATA_HOME/mlfootprint``, else ``~/.local/share/mlfootprint``.
    """
    env = os.environ if env is None else env
    if env.get("MLFOOTPRINT_HOME"):
        return Path(env["MLFOOTPRINT_HOME"])
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mlfootprint"
