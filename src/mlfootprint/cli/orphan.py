"""What happens to the command when ``mlfootprint run`` itself dies.

On Linux the command is started with ``PR_SET_PDEATHSIG = SIGTERM``: if ``mlfootprint run`` is killed
(even with SIGKILL, which it cannot catch), the kernel sends SIGTERM to the command, so it does not run
on untracked while the ledger says ``interrupted``. The command may catch SIGTERM to checkpoint. Its
own children are not signalled (as with a shell). On other systems nothing is done: the command runs on.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

__all__ = ["PR_SET_PDEATHSIG", "parent_death_signal"]

#: prctl option (linux/prctl.h)
PR_SET_PDEATHSIG = 1


def parent_death_signal(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks the kernel to send ``signum`` to the child when its parent dies.

    None where this is not supported (not Linux, or no C library).
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:  # runs in the child between fork and exec: async-signal-safe calls only
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signum)

    return preexec
