"""A TCP proxy in front of a real service, which a test can cut and restore: the service really becomes
unreachable for the code under test (connections reset, new ones refused) without stopping it for anyone else."""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._connections: list[tuple[socket.socket, socket.socket]] = []  # (client's end, service's end)
        self._left_open: set[socket.socket] = set()  # service ends a half-open cut keeps (until ``close``)
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cut(self, half_open: bool = False) -> None:
        """Resets every open connection and refuses new ones until ``restore``. ``half_open``: resets only the
        client's end and leaves the service's open, as a network blip the service never saw does (its sessions
        live on until it times them out)."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
            if half_open:
                self._left_open |= {service for _client, service in connections}
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # close() alone leaves a thread blocked in accept() listening
            listener.close()
        for client, service in connections:
            _reset(client)
            if not half_open:
                _reset(service)

    def restore(self) -> None:
        self._listen()

    def close(self) -> None:
        self.cut()
        with self._lock:
            left_open, self._left_open = self._left_open, set()
        for service in left_open:
            _reset(service)

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # the 5 s bound the connect only: an idle pooled connection must stay open
            with self._lock:
                self._connections.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                if end not in self._left_open:
                    with contextlib.suppress(OSError):
                        end.close()


def _reset(connection: socket.socket) -> None:
    """Closes with a reset (linger 0), waking the thread blocked reading it: a socket closed under a blocked read
    stays open until that read returns."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        connection.close()
