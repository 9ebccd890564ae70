"""coturn (turnserver) for tests, as the project's CLIENTS notes run it.

No config file (-n), long-term credentials, TCP and UDP listeners on one
free port, no TLS/DTLS/CLI, --allow-loopback-peers, --no-software-attribute,
userdb and pidfile in its own folder, a free relay port range.

    t = Coturn(workdir, address="127.0.0.1", users={"alice": "secret"},
               max_allocate_lifetime=None)
    t.start()                 # blocks until the TCP listener accepts
    t.address, t.port, t.realm, t.users, t.min_port, t.max_port, t.pid
    t.stop(); t.start()       # same ports again
    t.log_text()
"""

import os

from lib import net as netutil
from lib import proc

TURNSERVER = "turnserver"


class CoturnError(RuntimeError):
    pass


class Coturn:
    """One turnserver process (see the module docstring)."""

    def __init__(self, workdir, address="127.0.0.1", users=None,
                 realm="test.example", max_allocate_lifetime=None,
                 relay_ports=64, verbose=False, extra_args=()):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.address = address
        self.users = dict(users or {"alice": "secret", "bob": "secret"})
        self.realm = realm
        self.max_allocate_lifetime = max_allocate_lifetime
        self.verbose = verbose
        self.extra_args = list(extra_args)
        # The listener and the "alternative" port next to it must be free.
        while True:
            self.port = netutil.free_ports(1, address)[0]
            if netutil.free_ports(1, address) and \
                    netutil._range_free(address, self.port, 2):
                break
        self.min_port = netutil.free_port_range(relay_ports, address)
        self.max_port = self.min_port + relay_ports - 1
        self.log_path = os.path.join(self.workdir, "turnserver.log")
        self.process = None

    @property
    def server(self):
        """(address, port) of the listener."""
        return (self.address, self.port)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def argv(self):
        a = [TURNSERVER, "-n",
             "--listening-ip", self.address, "--relay-ip", self.address,
             "--listening-port", str(self.port),
             "--lt-cred-mech", "--realm", self.realm]
        for u, p in self.users.items():
            a += ["--user", "%s:%s" % (u, p)]
        a += ["--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
              "--min-port", str(self.min_port),
              "--max-port", str(self.max_port),
              "--fingerprint", "--no-software-attribute",
              "--log-file", "stdout",
              "--pidfile", os.path.join(self.workdir, "turnserver.pid"),
              "--userdb", os.path.join(self.workdir, "turndb.sqlite")]
        if self.max_allocate_lifetime is not None:
            # "--opt value" is taken as an unknown argument by 4.6.1:
            # this one needs "=".
            a.append("--max-allocate-lifetime=%d"
                     % self.max_allocate_lifetime)
        if self.verbose:
            a.append("-v")
        return a + self.extra_args

    def start(self, timeout=10.0):
        if proc.which(TURNSERVER) is None:
            raise CoturnError("turnserver not found")
        if self.process is not None and self.process.alive():
            raise CoturnError("coturn already running")
        self._log_offset = self.log_size()
        self.process = proc.spawn("turnserver", self.argv(),
                                  log_path=self.log_path)

        def up():
            if not self.process.alive():
                raise CoturnError("turnserver exited (%s):\n%s" % (
                    self.process.returncode, "\n".join(
                        self.process.log_tail(15))))
            return netutil.tcp_open(self.address, self.port, 0.5)
        try:
            netutil.wait_until(up, timeout, "coturn on %s:%d" % self.server)
        except netutil.WaitTimeout as e:
            raise CoturnError("%s\n%s" % (e, "\n".join(
                self.process.log_tail(15))))
        return self

    def stop(self, timeout=5.0):
        if self.process is not None:
            self.process.stop(timeout)

    def kill(self):
        if self.process is not None:
            self.process.kill()

    def alive(self):
        return self.process is not None and self.process.alive()

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_text(self):
        """Everything turnserver logged since the last start."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                return f.read().decode("utf-8", "replace")
        except (OSError, AttributeError):
            return ""

    def stats(self):
        if not self.alive():
            return {"cpu_s": 0.0, "rss_mb": 0.0}
        return {"cpu_s": round(self.process.cpu_seconds(), 2),
                "rss_mb": round(self.process.rss_bytes() / 1048576.0, 1)}
