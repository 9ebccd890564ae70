"""Small network helpers: free ports, bounded waits, a TCP echo server."""

import socket
import threading
import time


class WaitTimeout(AssertionError):
    """A bounded wait ran out; the message says what was awaited."""


def free_port(address="127.0.0.1", kind=socket.SOCK_STREAM):
    """A port the kernel says is free on address now (bind to port 0)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def free_ports(n, address="127.0.0.1"):
    """n distinct ports free for both TCP and UDP on address now."""
    ports = []
    socks = []
    try:
        while len(ports) < n:
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.bind((address, 0))
            p = t.getsockname()[1]
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind((address, p))
            except OSError:
                t.close()
                u.close()
                continue
            socks += [t, u]
            ports.append(p)
    finally:
        for s in socks:
            s.close()
    return ports


def free_port_range(count, address="127.0.0.1", low=20000, high=60000,
                    step=None):
    """First port of count consecutive ports free (TCP and UDP) now.

    Starts at a pseudo-random place so parallel runs rarely collide.
    """
    import random
    step = step or count
    start = random.randrange(low, high - count)
    start -= start % 2
    for base in list(range(start, high - count, step)) + \
            list(range(low, start, step)):
        if _range_free(address, base, count):
            return base
    raise RuntimeError("no %d consecutive free ports on %s" % (count, address))


def _range_free(address, base, count):
    socks = []
    try:
        for p in range(base, base + count):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind((address, p))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def wait_until(fn, timeout, what, interval=0.1):
    """Call fn until it returns something true; return that value.

    Raises WaitTimeout("timed out after Ns waiting for <what>").
    """
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise WaitTimeout("timed out after %.0fs waiting for %s"
                              % (timeout, what))
        time.sleep(interval)


def tcp_open(address, port, timeout=1.0):
    """True if something accepts TCP connections on address:port."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_tcp(address, port, timeout=10.0, what=None):
    """Wait until address:port accepts TCP connections."""
    return wait_until(lambda: tcp_open(address, port), timeout,
                      what or "TCP %s:%d" % (address, port))


def recv_exactly(sock, n, timeout=10.0):
    """Read exactly n bytes or raise (EOF or timeout)."""
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("EOF after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


class EchoServer:
    """A TCP echo server on address (port chosen by the kernel).

    Each connection is served by its own thread; every byte received is
    sent back. `connections` counts accepted connections and `peers` lists
    the peer addresses seen. Use as a context manager or call stop().
    """

    def __init__(self, address="127.0.0.1", port=0):
        self.address = address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.peers = []
        self._stop = threading.Event()
        self._conns = []
        self._thread = threading.Thread(target=self._accept_loop,
                                        name="echo", daemon=True)
        self._thread.start()

    def _accept_loop(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                c, peer = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            self.connections += 1
            self.peers.append(peer)
            self._conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True,
                             name="echo-conn").start()

    def _serve(self, c):
        c.settimeout(0.5)
        try:
            while not self._stop.is_set():
                try:
                    data = c.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
