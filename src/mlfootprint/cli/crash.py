"""The crash log of the command line's last-resort guard: the traceback of an unexpected exception, with
credentials masked, in a private file (0600 in a 0700 folder) under ``<home>/crash``, else the temp folder.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path

from mlfootprint import __version__

__all__ = ["write_crash_log"]


def write_crash_log(exc: BaseException, *, argv: list[str]) -> str:
    """Write the crash log; return its path (or a note saying why there is none). Never raises."""
    from mlfootprint.config import home_dir
    from mlfootprint.private import private_dir
    from mlfootprint.redact import mask_text

    text = mask_text(
        f"mlfootprint {__version__}\nargv: {argv!r}\n\n"
        + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for folder in (home_dir() / "crash", Path(tempfile.gettempdir())):
        try:
            private_dir(folder)
            path = folder / f"mlfootprint-crash-{stamp}-{os.getpid()}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            return str(path)
        except OSError:
            continue
    return "(no crash log: no writable folder)"
