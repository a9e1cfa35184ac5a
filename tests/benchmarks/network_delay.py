"""A network with added latency for `bench_ssh.py`: a namespace, a veth pair and `tc netem`.

`DelayedNetwork` creates a network namespace with one end of a veth pair in it, gives both ends
an address, and adds `delay` to every packet leaving either end with `tc qdisc ... netem`, so a
round trip costs twice the delay. A server started with `command_prefix` runs inside the
namespace and is reached at `server_address`. Everything is removed on `close()` (also when
setting up fails half-way). Needs root and iproute2 (`ip`, `tc`).

Some kernels are built without `sch_netem` (`tc` then says "Specified qdisc kind is unknown").
There the namespace and veth pair are still used, and the delay is added by `DelayRelay`, a TCP
relay in this process that holds every chunk for `delay` before passing it on, in each
direction. Unlike netem it delays data, not TCP's own packets, which is what a request/answer
protocol over a network feels; `kind` says which one is in use, and the benchmark prints it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections import deque

RELAY_CHUNK = 256 * 1024


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class DelayedNetwork:
    """A namespace reached over a veth pair, each direction delayed by `delay` seconds."""

    def __init__(self, delay: float) -> None:
        tag = f"{os.getpid() % 100000}"
        self.namespace = f"oeleo-bench-{tag}"
        self.host_side, self.inner_side = f"obh{tag}", f"obn{tag}"
        self.host_address, self.server_address = "10.231.7.1", "10.231.7.2"
        self.delay = delay
        self.kind = "netem"
        self.netem_error = ""
        self._relays: list[DelayRelay] = []
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    @property
    def command_prefix(self) -> tuple[str, ...]:
        """Run a command inside the namespace."""
        return ("ip", "netns", "exec", self.namespace)

    def _create(self) -> None:
        _ip("netns", "add", self.namespace)
        _ip("link", "add", self.host_side, "type", "veth", "peer", "name", self.inner_side)
        _ip("link", "set", self.inner_side, "netns", self.namespace)
        _ip("addr", "add", f"{self.host_address}/24", "dev", self.host_side)
        _ip("link", "set", self.host_side, "up")
        inside = ("netns", "exec", self.namespace, "ip")
        _ip(*inside, "addr", "add", f"{self.server_address}/24", "dev", self.inner_side)
        _ip(*inside, "link", "set", self.inner_side, "up")
        _ip(*inside, "link", "set", "lo", "up")
        ms = f"{self.delay * 1000:g}ms"
        netem = ("tc", "qdisc", "add", "dev", "{}", "root", "netem", "delay", ms)
        try:
            for prefix, device in (((), self.host_side), (self.command_prefix, self.inner_side)):
                command = [*prefix, *(a.format(device) for a in netem)]
                subprocess.run(command, check=True, capture_output=True)
        except subprocess.CalledProcessError as exc:
            self.kind = "relay"
            self.netem_error = exc.stderr.decode(errors="replace").strip()

    def endpoint(self, port: int) -> tuple[str, int]:
        """Where clients connect to reach `port` of the server in the namespace."""
        if self.kind == "netem":
            return self.server_address, port
        relay = DelayRelay((self.server_address, port), self.delay)
        self._relays.append(relay)
        return "127.0.0.1", relay.port

    def close(self) -> None:
        for relay in self._relays:
            relay.close()
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.host_side)  # also removes its peer
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", self.namespace)


class DelayRelay:
    """A TCP relay on 127.0.0.1 that holds every chunk `delay` seconds, in both directions."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target = target
        self.delay = delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, server]
            for src, dst in ((client, server), (server, client)):
                _Direction(src, dst, self.delay).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()


class _Direction:
    """One direction of a relayed connection: a reader stamps chunks, a writer sends each
    when its time has come."""

    def __init__(self, src: socket.socket, dst: socket.socket, delay: float) -> None:
        self.src, self.dst, self.delay = src, dst, delay
        self.queue: deque[tuple[float, bytes]] = deque()
        self.ready = threading.Condition()

    def start(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.src.recv(RELAY_CHUNK)
            except OSError:
                data = b""
            with self.ready:
                self.queue.append((time.monotonic() + self.delay, data))
                self.ready.notify()
            if not data:
                return

    def _write(self) -> None:
        while True:
            with self.ready:
                while not self.queue:
                    self.ready.wait()
                due, data = self.queue.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # allow-sleep: this is the latency being simulated
            if not data:
                with contextlib.suppress(OSError):
                    self.dst.shutdown(socket.SHUT_WR)
                return
            try:
                self.dst.sendall(data)
            except OSError:
                return
