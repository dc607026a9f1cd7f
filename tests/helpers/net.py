"""A free TCP port on the loopback interface (for the servers the tests and benchmarks start)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the system's pick; bound and released at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
