"""How `aisle serve --workers N` listens: every process on a listening socket of its own, bound with SO_REUSEPORT
to the same port, so that the kernel spreads new connections evenly over the processes.

uvicorn binds one socket and hands that same socket to every process. Then whichever process's event loop wakes
first accepts every connection waiting, and when the processes are not busy the same one keeps winning: of 64
connections opened by 8 clients, one process took 83-97%. With a socket per process the kernel places each
connection by a hash of its addresses, busy or not.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def serve_processes(config: uvicorn.Config) -> None:
    """uvicorn's supervisor (health checks, a dead process replaced) over per-process sockets."""
    with bind_shared_port(config.host, config.port):  # keeps the port ours; it never listens, so gets no connections
        Multiprocess(config, sockets=[_OwnSocket(config.host, config.port)]).run()  # type: ignore[list-item]


def bind_shared_port(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class _OwnSocket:
    """Stands in uvicorn's socket list. uvicorn sends that list to each process it starts, and there this
    becomes a socket of that process's own, bound to the shared port."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[object, tuple[str, int]]:
        return bind_shared_port, (self.host, self.port)
