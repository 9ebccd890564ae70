#!/usr/bin/env python3
"""A private Tor network on this machine, the recipe of TESTNET.md.

3 directory authorities, 3 relays and 1 exit (accepting 127.0.0.0/8 and
the network's own address), clients with SocksPort ExtendedErrors and a
ControlPort, onion services from a torrc or through ADD_ONION.

    net = TorNet(workdir)                 # nothing runs yet
    net.start()                           # blocks until usable (~12 s)
    c = net.client                        # the client start() bootstrapped
    c.socks_port, c.control_port, c.cookie_path, c.datadir, c.pid
    svc = net.add_onion_service(c, target_port=5070, virtual_port=5060)
    net.wait_onion_reachable(svc.hostname, 5060)
    bob = net.add_client("bob")           # ~2 s on a running network
    bob.stop(); bob.start()               # same ports, same onion services
    net.stop()

"Usable" means: every authority published a consensus, one client is at
Bootstrapped 100 %, and a stream through the exit to an echo server on the
network's address worked.

Every tor gets __OwningControllerProcess = owner_pid (the test runner), so
a killed runner leaves no tor behind.

Run by hand:  python3 tests/system/lib/tornet.py --target-port 5060
"""

import os
import re
import shutil
import signal
import socket
import sys
import time

if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from lib import net as netutil
from lib import proc
from lib import socks
from lib.torctl import TorControl
from lib.onionkeys import ClientAuthKey

TOR = os.environ.get("ONIONSIP_TOR", "tor")
TOR_GENCERT = os.environ.get("ONIONSIP_TOR_GENCERT", "tor-gencert")


class TorNetError(RuntimeError):
    """The network (or one node) did not come up; the message says why."""


def _mkdir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class TorNode:
    """One tor process with its own DataDirectory and torrc."""

    def __init__(self, tornet, name, role, address, probe_address=None):
        self.tornet = tornet
        self.name = name
        self.role = role            # authority, relay, exit, client
        self.address = address      # where its ORPort/DirPort/ControlPort bind
        self.datadir = _mkdir(os.path.join(tornet.workdir, name))
        self.torrc_path = os.path.join(self.datadir, "torrc")
        self.log_path = os.path.join(self.datadir, "notice.log")
        self.cookie_path = os.path.join(self.datadir, "control_auth_cookie")
        self.control_address = address
        # A tor inside a namespace binds its control port to the
        # namespace's address, which is not local here: any port free on
        # loopback will do (the namespace's port space is empty).
        self.control_port = netutil.free_port(probe_address or address)
        self.or_port = None
        self.dir_port = None
        self.process = None
        self.netns = None
        self._log_offset = 0

    # torrc ------------------------------------------------------------
    def common_torrc(self):
        t = self.tornet
        lines = [
            "TestingTorNetwork 1",
            "DataDirectory %s" % self.datadir,
            "Nickname %s" % re.sub(r"[^A-Za-z0-9]", "", self.name)[:19],
            "Log notice file %s" % self.log_path,
            "SafeLogging 0",
            "ControlPort %s:%d" % (self.control_address, self.control_port),
            "CookieAuthentication 1",
            "ShutdownWaitLength 0",
            "__OwningControllerProcess %d" % t.owner_pid,
            "UseMicrodescriptors 0",
            "GeoIPFile %s" % os.path.join(t.workdir, "no-geoip"),
            "GeoIPv6File %s" % os.path.join(t.workdir, "no-geoip6"),
        ]
        if not t.kist:
            lines.append("Schedulers Vanilla")
        lines += t.dirauthority_lines()
        return lines

    def torrc_lines(self):
        raise NotImplementedError

    def write_torrc(self):
        with open(self.torrc_path, "w") as f:
            f.write("\n".join(self.torrc_lines()) + "\n")

    # process ----------------------------------------------------------
    def argv(self):
        argv = [TOR, "--defaults-torrc", self.tornet.empty_torrc,
                "-f", self.torrc_path, "--quiet"]
        if self.netns is not None:
            argv = self.netns.exec_argv(argv)
        return argv

    def launch(self):
        """Write the torrc and start tor (does not wait)."""
        if self.process is not None and self.process.alive():
            raise TorNetError("%s is already running" % self.name)
        self.write_torrc()
        try:
            os.unlink(self.cookie_path)
        except FileNotFoundError:
            pass
        self._log_offset = self.log_size()
        self.process = proc.spawn("tor-" + self.name, self.argv(),
                                  log_path=os.path.join(self.datadir,
                                                        "stdout.log"))

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def alive(self):
        return self.process is not None and self.process.alive()

    def stop(self, timeout=10.0):
        """SIGTERM (ShutdownWaitLength 0 makes it quick), then SIGKILL."""
        if self.process is not None:
            self.process.stop(timeout)

    def kill(self):
        """SIGKILL at once (a crash, as far as the rest can tell)."""
        if self.process is not None:
            self.process.kill()

    def hup(self):
        if self.alive():
            self.process.send_signal(signal.SIGHUP)

    # logs -------------------------------------------------------------
    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_text(self, since_start=True):
        try:
            with open(self.log_path, "rb") as f:
                if since_start:
                    f.seek(self._log_offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_has(self, pattern):
        """True if the log since the last start matches pattern (regex)."""
        return re.search(pattern, self.log_text()) is not None

    def log_tail(self, n=8):
        lines = self.log_text(since_start=False).splitlines()[-n:]
        out = self.process.log_tail(4) if self.process else []
        return lines + ["stdout: " + l for l in out]

    def wait_log(self, pattern, timeout, what=None):
        """Wait until the log (since the last start) matches pattern."""
        def check():
            if self.log_has(pattern):
                return True
            if not self.alive():
                raise TorNetError("%s exited (status %s) waiting for %s:\n%s"
                                  % (self.name, self.process and
                                     self.process.returncode,
                                     what or pattern,
                                     "\n".join(self.log_tail())))
            return False
        try:
            netutil.wait_until(check, timeout, "%s: %s" % (
                self.name, what or pattern), interval=0.1)
        except netutil.WaitTimeout as e:
            raise TorNetError("%s\n%s" % (e, "\n".join(self.log_tail())))

    def control(self, timeout=10.0):
        """A new authenticated TorControl on this node (caller closes it)."""
        return TorControl(self.control_address, self.control_port,
                          self.cookie_path, timeout)

    def __repr__(self):
        return "<TorNode %s %s pid %s>" % (self.role, self.name, self.pid)


class Authority(TorNode):
    """A directory authority; keys made with tor-gencert before start."""

    def __init__(self, tornet, name, address):
        super().__init__(tornet, name, "authority", address)
        self.or_port = netutil.free_port(address)
        self.dir_port = netutil.free_port(address)
        self.v3ident = None
        self.fingerprint = None

    def make_keys_start(self):
        """Start tor-gencert and tor --list-fingerprint; returns procs."""
        keys = _mkdir(os.path.join(self.datadir, "keys"))
        gencert = [TOR_GENCERT, "--create-identity-key", "-m", "12",
                   "-a", "%s:%d" % (self.address, self.dir_port),
                   "-i", os.path.join(keys, "authority_identity_key"),
                   "-s", os.path.join(keys, "authority_signing_key"),
                   "-c", os.path.join(keys, "authority_certificate"),
                   "--passphrase-fd", "0"]
        fpr = [TOR, "--list-fingerprint", "--defaults-torrc",
               self.tornet.empty_torrc, "-f", self.tornet.empty_torrc,
               "--DataDirectory", self.datadir, "--ORPort", "1",
               "--Nickname", self.name, "--Log", "err stderr",
               "--DirAuthority", "x 127.0.0.1:1 " + "f" * 40]
        import subprocess
        a = subprocess.Popen(gencert, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             preexec_fn=proc._preexec)
        a.stdin.write(b"\n")
        a.stdin.close()
        a.stdin = None
        b = subprocess.Popen(fpr, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             preexec_fn=proc._preexec)
        return [a, b]

    def make_keys_finish(self, procs, timeout=60):
        import subprocess
        for p in procs:
            try:
                out = p.communicate(timeout=timeout)[0]
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise TorNetError("%s: key generation timed out" % self.name)
            if p.returncode != 0:
                raise TorNetError("%s: %s failed: %s" % (
                    self.name, p.args[0], out.decode("utf-8", "replace")))
        with open(os.path.join(self.datadir, "keys",
                               "authority_certificate")) as f:
            m = re.search(r"^fingerprint ([0-9A-F]{40})$", f.read(), re.M)
        if not m:
            raise TorNetError("%s: no fingerprint in certificate" % self.name)
        self.v3ident = m.group(1)
        with open(os.path.join(self.datadir, "fingerprint")) as f:
            self.fingerprint = f.read().split()[1]

    def dirauthority_line(self):
        return "DirAuthority %s orport=%d v3ident=%s %s:%d %s" % (
            self.name, self.or_port, self.v3ident, self.address,
            self.dir_port, self.fingerprint)

    def torrc_lines(self):
        t = self.tornet
        return self.common_torrc() + [
            "Address %s" % self.address,
            "ORPort %s:%d" % (self.address, self.or_port),
            "DirPort %s:%d" % (self.address, self.dir_port),
            "AssumeReachable 1",
            "SocksPort 0",
            "AuthoritativeDirectory 1",
            "V3AuthoritativeDirectory 1",
            "ExitRelay 0",
            "TestingV3AuthInitialVotingInterval 10",
            "TestingV3AuthInitialVoteDelay 2",
            "TestingV3AuthInitialDistDelay 2",
            "V3AuthVotingInterval %d" % t.voting_interval,
            "V3AuthVoteDelay 2",
            "V3AuthDistDelay 2",
            "TestingV3AuthVotingStartOffset %d" % t.voting_offset,
            "TestingDirAuthVoteExit *",
            "TestingDirAuthVoteHSDir *",
            "TestingDirAuthVoteGuard *",
            "AuthDirVoteStableGuaranteeMinUptime 0",
        ]


class Relay(TorNode):
    """A middle relay, or the exit when exit=True."""

    def __init__(self, tornet, name, address, exit=False):
        super().__init__(tornet, name, "exit" if exit else "relay", address)
        self.or_port = netutil.free_port(address)

    def torrc_lines(self):
        lines = self.common_torrc() + [
            "Address %s" % self.address,
            "ORPort %s:%d" % (self.address, self.or_port),
            "AssumeReachable 1",
            "SocksPort 0",
        ]
        if self.role == "exit":
            lines += ["ExitRelay 1", "RefuseUnknownExits 0"]
            lines += ["ExitPolicy accept %s:*" % n
                      for n in self.tornet.exit_accept]
            lines += ["ExitPolicy reject *:*"]
        else:
            lines += ["ExitRelay 0"]
        return lines


class OnionService:
    """An onion service of one client tor.

    hostname is '<56 chars>.onion'; service_id is without '.onion'.
    method is 'control' (ADD_ONION, re-added with the same key when the
    client restarts) or 'torrc' (HiddenServiceDir).
    """

    def __init__(self, client, method, service_id, ports, private_key=None,
                 client_auth_pubkeys=(), hs_dir=None):
        self.client = client
        self.method = method
        self.service_id = service_id
        self.ports = ports                # [(virtual, "addr:port")]
        self.private_key = private_key    # "ED25519-V3:..." for ADD_ONION
        self.client_auth_pubkeys = list(client_auth_pubkeys or ())
        self.hs_dir = hs_dir

    @property
    def hostname(self):
        return self.service_id + ".onion"

    def __str__(self):
        return self.hostname

    def remove(self):
        """Take the service down (DEL_ONION, or drop it from the torrc)."""
        c = self.client
        if self in c.onion_services:
            c.onion_services.remove(self)
        if not c.alive():
            return
        if self.method == "control":
            with c.control() as ctl:
                ctl.del_onion(self.service_id)
        else:
            c.write_torrc()
            c.hup()


class TorClient(TorNode):
    """A client tor: SocksPort (ExtendedErrors), ControlPort, onions.

    socks_address is 127.0.0.1 (inside the namespace, for a client that
    runs in one); control_address is where the runner reaches it.
    """

    def __init__(self, tornet, name, address, socks_extra_flags="",
                 client_auth_dir=None, extra_torrc=(), netns=None):
        super().__init__(tornet, name, "client", address,
                         "127.0.0.1" if netns is not None else None)
        self.netns = netns
        if netns is not None:
            # The namespace's own loopback for SOCKS (its port space is
            # empty); the control port on its veth address so the runner
            # can reach it from outside.
            self.control_address = netns.address
            self.socks_address = "127.0.0.1"
        else:
            self.socks_address = "127.0.0.1"
        self.socks_port = netutil.free_port("127.0.0.1")
        self.socks_extra_flags = socks_extra_flags
        self.client_auth_dir = client_auth_dir
        self.extra_torrc = list(extra_torrc)
        self.onion_services = []

    @property
    def socks(self):
        """(address, port) of the SocksPort, for lib.socks."""
        return (self.socks_address, self.socks_port)

    def torrc_lines(self):
        lines = self.common_torrc() + [
            ("SocksPort %s:%d ExtendedErrors %s" % (
                self.socks_address, self.socks_port,
                self.socks_extra_flags)).rstrip(),
            "UseEntryGuards 0",
            # Directory info from the authorities, not from relay caches
            # that may not have the descriptors of a consensus younger
            # than theirs yet (a client started then stalls at 50 %).
            "FetchDirInfoEarly 1",
        ]
        if self.client_auth_dir:
            lines.append("ClientOnionAuthDir %s" % self.client_auth_dir)
        for svc in self.onion_services:
            if svc.method != "torrc":
                continue
            lines.append("HiddenServiceDir %s" % svc.hs_dir)
            for virt, target in svc.ports:
                lines.append("HiddenServicePort %d %s" % (virt, target))
        return lines + self.extra_torrc

    def bootstrapped(self):
        return self.log_has(r"Bootstrapped 100%")

    def start(self, wait=True, timeout=60.0):
        """Start (or restart) tor on the same ports and data directory.

        With wait, block until Bootstrapped 100 % and re-add the
        ADD_ONION services (same keys, so the same onion addresses).
        """
        self.launch()
        if wait:
            self.wait_started(timeout)

    def wait_started(self, timeout=60.0):
        self.wait_log(r"Bootstrapped 100%", timeout, "Bootstrapped 100%")
        netutil.wait_until(lambda: os.path.exists(self.cookie_path), 10,
                           "%s control cookie" % self.name)
        for svc in self.onion_services:
            if svc.method == "control":
                with self.control() as ctl:
                    ctl.add_onion(svc.ports, key=svc.private_key,
                                  client_auth=svc.client_auth_pubkeys)

    def restart(self, timeout=60.0):
        self.stop()
        self.start(timeout=timeout)


class TorNet:
    """The whole private network; see the module docstring."""

    def __init__(self, workdir, address="127.0.0.1", owner_pid=None,
                 authorities=3, relays=3, exits=1, voting_interval=60,
                 exit_accept=None, kist=False):
        self.workdir = _mkdir(os.path.abspath(workdir))
        self.address = address
        self.owner_pid = owner_pid or os.getpid()
        self.voting_interval = voting_interval
        self.voting_offset = 0
        self.kist = kist
        accept = ["127.0.0.0/8"]
        if not address.startswith("127."):
            accept.append(address + "/32")
        self.exit_accept = accept + list(exit_accept or [])
        self.empty_torrc = os.path.join(self.workdir, "empty-torrc")
        open(self.empty_torrc, "w").close()
        self.authorities = [Authority(self, "auth%d" % i, address)
                            for i in range(authorities)]
        self.relays = [Relay(self, "relay%d" % i, address)
                       for i in range(relays)]
        self.exits = [Relay(self, "exit%d" % i, address, exit=True)
                      for i in range(exits)]
        self.clients = {}
        self.client = None
        self.started = False
        self.consensus_published = False
        self.timings = {}

    # helpers used by nodes --------------------------------------------
    def dirauthority_lines(self):
        return [a.dirauthority_line() for a in self.authorities]

    def nodes(self):
        return self.authorities + self.relays + self.exits + \
            list(self.clients.values())

    def _progress(self, msg):
        proc.progress("tornet: %s" % msg)

    # start/stop -------------------------------------------------------
    def start(self, timeout=120.0):
        """Generate keys, start every node, block until usable.

        Raises TorNetError with the relevant log lines on failure (the
        processes already started stay registered; call stop()).
        """
        t0 = time.monotonic()
        deadline = t0 + timeout
        for prog in (TOR, TOR_GENCERT):
            if proc.which(prog) is None:
                raise TorNetError("%s not found" % prog)
        pending = [(a, a.make_keys_start()) for a in self.authorities]
        for a, procs in pending:
            a.make_keys_finish(procs)
        self.timings["keys"] = time.monotonic() - t0
        self._progress("authority keys in %.1fs" % self.timings["keys"])

        # Align the first vote: a 10 s voting boundary ~8 s from now.
        boundary = int(time.time()) + 8
        self.voting_offset = (boundary % 86400) % 10
        t_launch = time.monotonic()
        for n in self.authorities + self.relays + self.exits:
            n.launch()
        self.client = self.add_client("client", start=False)
        self.client.launch()

        def all_published():
            return all(a.log_has(r"Published microdesc consensus")
                       for a in self.authorities)
        self._wait(all_published, deadline, "all authorities to publish a "
                   "consensus", self.authorities)
        self.consensus_published = True
        self.timings["consensus"] = time.monotonic() - t_launch
        self._progress("consensus published %.1fs after launch"
                       % self.timings["consensus"])
        for n in self.relays + self.exits + list(self.clients.values()):
            n.hup()
        self._wait(self.client.bootstrapped, deadline,
                   "the first client to bootstrap", [self.client])
        self.client.wait_started(max(1, deadline - time.monotonic()))
        self.timings["bootstrapped"] = time.monotonic() - t_launch
        self._progress("client bootstrapped %.1fs after launch"
                       % self.timings["bootstrapped"])
        self.wait_exit_ready(self.client,
                             timeout=max(1, deadline - time.monotonic()))
        self.timings["usable"] = time.monotonic() - t_launch
        self.timings["total"] = time.monotonic() - t0
        self.started = True
        self._progress("usable %.1fs after launch (%.1fs with keys); "
                       "%s" % (self.timings["usable"], self.timings["total"],
                               self.stats_text()))
        return self

    def _wait(self, fn, deadline, what, nodes):
        def check():
            for n in nodes:
                if not n.alive():
                    raise TorNetError("%s exited (status %s) waiting for "
                                      "%s:\n%s" % (
                                          n.name, n.process.returncode, what,
                                          "\n".join(n.log_tail())))
            return fn()
        try:
            netutil.wait_until(check, max(0.1, deadline - time.monotonic()),
                               what, interval=0.1)
        except netutil.WaitTimeout as e:
            tails = []
            for n in nodes:
                tails += ["%s: %s" % (n.name, l) for l in n.log_tail(6)]
            raise TorNetError("%s\n%s" % (e, "\n".join(tails)))

    def wait_exit_ready(self, client=None, timeout=30.0):
        """Retry a round trip through the exit to an echo server on the
        network's address until it works (the exit may refuse streams in
        the first seconds)."""
        client = client or self.client
        codes = []
        with netutil.EchoServer(self.address) as echo:
            def attempt():
                try:
                    s = socks.connect(client.socks, self.address, echo.port,
                                      timeout=10)
                except socks.SocksError as e:
                    codes.append(e.code)
                    return False
                with s:
                    s.sendall(b"ping")
                    return netutil.recv_exactly(s, 4) == b"ping"
            try:
                netutil.wait_until(attempt, timeout, "a stream through the "
                                   "exit", interval=0.5)
            except netutil.WaitTimeout as e:
                raise TorNetError("%s (SOCKS replies %s)\n%s" % (
                    e, codes, "\n".join(self.exits[0].log_tail())))
        return codes

    def stop(self):
        """Stop every node (SIGTERM all, then SIGKILL what is left)."""
        nodes = [n for n in self.nodes() if n.process is not None]
        for n in nodes:
            if n.alive():
                n.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for n in nodes:
            n.process.wait(max(0.1, deadline - time.monotonic()))
            n.process.kill()
        self.started = False

    # clients and onion services ---------------------------------------
    def add_client(self, name, socks_extra_flags="", client_auth_dir=None,
                   extra_torrc=(), netns=None, start=True, timeout=60.0):
        """A new client tor; started and bootstrapped unless start=False.

        netns: a lib.netns.Host to run it in (its relays must then be on
        a veth address, see TorNet(address=...)).
        """
        if name in self.clients:
            raise ValueError("client %s exists" % name)
        address = "127.0.0.1" if netns is None else netns.address
        c = TorClient(self, "client-" + name if name != "client" else name,
                      address, socks_extra_flags, client_auth_dir,
                      extra_torrc, netns)
        self.clients[name] = c
        if start:
            c.start(timeout=timeout)
        return c

    def add_onion_service(self, client, target_port, virtual_port=5060,
                          client_auth_pubkeys=None, method="control",
                          target_address="127.0.0.1", key=None):
        """Publish an onion service on client forwarding virtual_port to
        target_address:target_port; returns an OnionService.

        method 'control' uses ADD_ONION (key: 'ED25519-V3:<base64>' to
        reuse an address), 'torrc' a HiddenServiceDir (the torrc is
        rewritten and tor reloaded with SIGHUP). client_auth_pubkeys: base32
        x25519 public keys allowed to connect (v3 client authorization).
        Publication takes a few seconds more: see wait_onion_reachable().
        """
        ports = [(virtual_port, "%s:%d" % (target_address, target_port))]
        if method == "control":
            with client.control() as ctl:
                sid, priv = ctl.add_onion(ports, key=key or "NEW:ED25519-V3",
                                          client_auth=client_auth_pubkeys
                                          or ())
            svc = OnionService(client, "control", sid, ports,
                               priv or key, client_auth_pubkeys)
            client.onion_services.append(svc)
            return svc
        if method != "torrc":
            raise ValueError("method must be 'control' or 'torrc'")
        n = sum(1 for s in client.onion_services if s.method == "torrc")
        hs_dir = _mkdir(os.path.join(client.datadir, "hs%d" % n))
        if client_auth_pubkeys:
            ac = _mkdir(os.path.join(hs_dir, "authorized_clients"))
            for i, pk in enumerate(client_auth_pubkeys):
                with open(os.path.join(ac, "c%d.auth" % i), "w") as f:
                    f.write("descriptor:x25519:%s\n" % pk)
        svc = OnionService(client, "torrc", None, ports, None,
                           client_auth_pubkeys, hs_dir)
        client.onion_services.append(svc)
        if client.alive():
            client.write_torrc()
            client.hup()
        hostname_file = os.path.join(hs_dir, "hostname")

        def read_hostname():
            try:
                with open(hostname_file) as f:
                    return f.read().strip()
            except OSError:
                return None
        if client.alive():
            h = netutil.wait_until(read_hostname, 30,
                                   "%s/hostname" % hs_dir)
            svc.service_id = h[:-6]
        return svc

    def wait_onion_reachable(self, hostname, port, timeout=60.0,
                             client=None, attempt_timeout=10.0,
                             username=None, password=None):
        """Retry SOCKS connects until hostname:port answers; returns the
        list of reply codes of the failed attempts (F0/F2/F7 are usual
        while the descriptor is being published). The successful socket
        is closed. Raises WaitTimeout with the codes seen."""
        client = client or self.client
        hostname = str(hostname)
        codes = []

        def attempt():
            code, s = socks.try_connect(client.socks, hostname, port,
                                        username, password, attempt_timeout)
            if s is not None:
                s.close()
                return True
            codes.append(code)
            return False
        try:
            netutil.wait_until(attempt, timeout, "%s:%d reachable" %
                               (hostname, port), interval=0.5)
        except netutil.WaitTimeout as e:
            raise netutil.WaitTimeout("%s; replies %s" % (e, [
                socks.reply_name(c) if c is not None else "none"
                for c in codes]))
        return codes

    # measurements -----------------------------------------------------
    def stats(self):
        """{'processes', 'cpu_s', 'rss_mb'} over the running tor nodes."""
        alive = [n for n in self.nodes() if n.alive()]
        cpu = sum(n.process.cpu_seconds() for n in alive)
        rss = sum(n.process.rss_bytes() for n in alive)
        return {"processes": len(alive), "cpu_s": round(cpu, 2),
                "rss_mb": round(rss / 1048576.0, 1)}

    def stats_text(self):
        s = self.stats()
        return "%d tor processes, %.1f CPU-s, %.0f MB resident" % (
            s["processes"], s["cpu_s"], s["rss_mb"])


def _main(argv):
    import argparse
    import tempfile
    ap = argparse.ArgumentParser(
        description="Run a private Tor network until Ctrl-C.")
    ap.add_argument("--target-port", type=int, default=None,
                    help="publish an onion service forwarding to "
                    "127.0.0.1:PORT")
    ap.add_argument("--virtual-port", type=int, default=5060)
    ap.add_argument("--address", default="127.0.0.1",
                    help="address of the relays (default 127.0.0.1)")
    ap.add_argument("--dir", help="work folder (default: a new temp folder)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work folder at exit")
    a = ap.parse_args(argv)
    workdir = a.dir or tempfile.mkdtemp(prefix="onionsip-tornet-")
    tn = TorNet(workdir, address=a.address)

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        tn.start()
        c = tn.client
        print("work folder   %s" % workdir)
        print("SocksPort     127.0.0.1:%d" % c.socks_port)
        print("ControlPort   %s:%d (cookie %s)" % (
            c.control_address, c.control_port, c.cookie_path))
        if a.target_port:
            svc = tn.add_onion_service(c, a.target_port, a.virtual_port)
            print("onion         %s:%d -> 127.0.0.1:%d" % (
                svc.hostname, a.virtual_port, a.target_port))
            print("onion key     %s" % svc.private_key)
        print("Ctrl-C to stop.")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except TorNetError as e:
        print("tornet failed: %s" % e, file=sys.stderr)
        return 1
    finally:
        tn.stop()
        proc.kill_all()
        if not a.keep and not a.dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
