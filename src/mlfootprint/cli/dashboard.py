"""``mlfootprint dashboard [--db URL] [--host 127.0.0.1] [--port 8050] [--open]``: the ledger in a browser.

Serves the read-only web application of ``mlfootprint.web`` with uvicorn until Ctrl-C. It binds to
127.0.0.1 by default; bound to any other address it requires a token (``--token`` or
``$MLFOOTPRINT_DASHBOARD_TOKEN``; without one a random token is made and printed in the URL).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import secrets
import socket
import sys
import threading
import webbrowser
from typing import Any

from mlfootprint.bounds import PORT, arg_type
from mlfootprint.cli._common import add_db_arg
from mlfootprint.errors import InvalidValueError, MlfootprintError

__all__ = ["is_loopback", "register"]

DEFAULT_PORT = 8050


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A bound socket for uvicorn, so a port in use is one clear error before anything is served."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise MlfootprintError(
            f"the dashboard cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    sock.set_inheritable(True)
    return sock


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "dashboard",
        help="the run ledger in a browser (read-only; needs mlfootprint[dashboard])",
        description="Serve a local, read-only web dashboard over the run ledger: projects, runs, a run's "
        "power, energy and intensity, comparisons; live runs update by themselves.",
    )
    add_db_arg(p)
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=arg_type(PORT), default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--open", action="store_true", help="open the dashboard in the default browser")
    p.add_argument(
        "--token",
        default=None,
        help="require this token (always required off 127.0.0.1; default $MLFOOTPRINT_DASHBOARD_TOKEN, "
        "else a random one is printed)",
    )
    p.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    from mlfootprint.store import open_store

    token = args.token or os.environ.get("MLFOOTPRINT_DASHBOARD_TOKEN") or None
    if token is not None and len(token) < 8:
        raise InvalidValueError("--token", "(hidden)", "must be at least 8 characters")
    if not is_loopback(args.host) and token is None:
        token = secrets.token_urlsafe(18)
    try:
        import uvicorn
    except ImportError:
        raise MlfootprintError("the dashboard needs uvicorn: pip install 'mlfootprint[dashboard]'") from None
    from mlfootprint.web.app import create_app

    sock = _listen(args.host, args.port)  # a port in use is refused before the ledger is touched
    try:
        store = open_store(args.db)  # made if new: the dashboard waits for runs to appear
    except BaseException:
        sock.close()
        raise
    try:
        app = create_app(store, token=token)
        shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        url = f"http://{shown}:{args.port}/" + (f"?token={token}" if token else "")
        print(f"mlfootprint dashboard: {url} (ledger {store.url}; Ctrl-C to stop)", file=sys.stderr)
        if not is_loopback(args.host):
            print(
                f"mlfootprint dashboard: bound to {args.host}: anyone who can reach it needs the token",
                file=sys.stderr,
            )
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        if args.open:
            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
        store.close()
    return 0
