"""Several worker processes, each listening on a socket of its own.

uvicorn's ``--workers`` binds one socket in the parent and hands it to every worker, so the
workers share one queue of new connections, and whichever is awake first takes them:
asyncio (and uvloop) accept every pending connection at once. Connections that stay open
(an HTTP client's keep-alive, a reverse proxy's pool of upstream connections) then stay
with that one worker. Measured under the load benchmark: 63 of 64 clients' connections on
one of two workers, the other idle.

On Linux each worker here binds its own socket to the same address with ``SO_REUSEPORT``,
and the kernel spreads new connections over the listening sockets by a hash of their
addresses. A worker's socket closes with it: when it dies, new connections go to the
others until uvicorn's supervisor (used unchanged: health checks, restarts, signals) has
started its replacement. Elsewhere (no ``SO_REUSEPORT``, or not balanced by it, as on
macOS), the shared socket of plain uvicorn is kept.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")

BALANCED = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _listener(host: str, port: int, *, shared: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _own_socket(host: str, port: int) -> list[socket.socket]:
    """Run in the worker as it starts: its own listening socket (uvicorn listens on it)."""
    return [_listener(host, port)]


class OwnSocketEach(list[socket.socket]):
    """What uvicorn's supervisor passes to each worker as its sockets: empty here, and made
    in the worker, when the process arguments are unpickled there, into a socket bound by
    that worker alone. uvicorn's supervisor hands the same value to every worker it starts
    (the first ones, replacements, ``SIGTTIN``), so each gets one."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.address = (host, port)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_own_socket, self.address)


def run_workers(app: str, workers: int, host: str, port: int, **options: Any) -> None:
    """``uvicorn.run(app, factory=True, workers=workers, ...)``, with one socket a worker
    where the platform balances them."""
    if not BALANCED:
        uvicorn.run(app, factory=True, workers=workers, host=host, port=port, **options)
        return
    config = uvicorn.Config(app, factory=True, workers=workers, host=host, port=port, **options)
    # The port is checked once, here, so that a taken port stops the server at once
    # instead of failing in every worker started. First without SO_REUSEPORT: a server
    # already on the port (another redbutler included) refuses it, where sockets that all
    # set SO_REUSEPORT would share its connections. Then held, bound but not listening (so
    # it receives no connections), for the parent's lifetime.
    try:
        _listener(host, port, shared=False).close()
        reserved = _listener(host, port)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", host, port, exc)
        sys.exit(STARTUP_FAILURE)
    log.info("Uvicorn running on http://%s:%d, one socket a worker", host, port)
    try:
        Multiprocess(config, sockets=OwnSocketEach(host, port)).run()
    except KeyboardInterrupt:
        pass
    finally:
        reserved.close()
