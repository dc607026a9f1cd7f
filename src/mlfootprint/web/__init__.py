"""The dashboard: a local, read-only web application over the run ledger (extra ``dashboard``).

``mlfootprint dashboard`` serves it; ``create_app(store)`` builds it. Nothing in ``mlfootprint`` imports
this package. See ``docs/dashboard.md``.
"""

from __future__ import annotations

__all__: list[str] = []
