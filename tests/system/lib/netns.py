"""Separate "hosts" as network namespaces (root only), and HostNet: a
private Tor network whose relays sit on a veth address so that clients
inside namespaces reach them (TESTNET.md, "Separate hosts").

    net = Network(owner_pid)            # picks a free 10.B.0.0/16 block
    alice = net.add_host("alice", lan=True, hostname="alice-laptop")
    alice.address        10.B.N.2 on its eth0 (host side 10.B.N.1)
    alice.lan_address    10.B.(100+N).2 on its eth1 (a second "LAN" link)
    alice.hostname       what gethostname() says inside (own UTS namespace)
    alice.run(["ip", "addr"])            # a short command inside
    alice.spawn("x", argv, log_path)     # a long-running one (lib.proc)
    alice.exec_argv(argv)                # argv wrapped to run inside
    net.destroy()

Names carry the runner's pid and a letter per Network (namespaces
'onionsip-<pid><letter>-<name>', links 'os<pid><letter>...'), so parallel
runs and several Networks in one run never collide, and leftovers of
runs whose process is gone are removed when a new Network is made.
Inside a namespace: lo up, eth0 (and eth1 with lan=True), a route to
the whole 10.B.0.0/16 block through the host side, no default route
unless default_route=True (the host does not forward, so nothing can
leave the machine either way), /etc/hosts and /etc/hostname of its own
(through /etc/netns/<ns>/, which `ip netns exec` mounts).
Namespaces do not reach each other (the host does not forward); they all
reach the host side's addresses, where the Tor relays and servers are.
"""

import fcntl
import ipaddress
import os
import re
import itertools
import shutil
import string
import subprocess

from lib import proc

IP = "ip"
NETNS_ETC = "/etc/netns"
LOCK_PATH = "/run/onionsip-netns.lock"
BLOCKS = range(64, 128)      # 10.64.0.0/16 .. 10.127.0.0/16
_instances = itertools.count()


class NetnsError(RuntimeError):
    pass


def _ip(*args, check=True):
    return proc.run([IP] + list(args), timeout=20, check=check)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def cleanup_leftovers():
    """Remove namespaces, links and /etc/netns folders of dead runs."""
    removed = []
    out = _ip("netns", "list", check=False).stdout.decode()
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^onionsip-(\d+)[a-z]?-", name)
        if m and not _pid_alive(int(m.group(1))):
            _ip("netns", "del", name, check=False)
            removed.append(name)
    out = _ip("-o", "link", "show", check=False).stdout.decode()
    for line in out.splitlines():
        m = re.match(r"^\d+: (os(\d+)[a-z]\w*)[@:]", line)
        if m and not _pid_alive(int(m.group(2))):
            _ip("link", "del", m.group(1), check=False)
            removed.append(m.group(1))
    if os.path.isdir(NETNS_ETC):
        for name in os.listdir(NETNS_ETC):
            m = re.match(r"^onionsip-(\d+)[a-z]?-", name)
            if m and not _pid_alive(int(m.group(1))):
                shutil.rmtree(os.path.join(NETNS_ETC, name),
                              ignore_errors=True)
                removed.append(NETNS_ETC + "/" + name)
    return removed


def _used_networks():
    nets = []
    for args in (("-4", "-o", "addr", "show"), ("-4", "route", "show",
                                                "table", "all")):
        out = _ip(*args, check=False).stdout.decode()
        for m in re.finditer(r"\b(\d+\.\d+\.\d+\.\d+(?:/\d+)?)\b", out):
            try:
                nets.append(ipaddress.ip_network(m.group(1), strict=False))
            except ValueError:
                pass
    return nets


class Host:
    """One namespace with its veth link(s); see the module docstring."""

    def __init__(self, network, name, index, lan, hostname, default_route):
        self.network = network
        self.name = name
        self.index = index
        self.ns = "onionsip-%s-%s" % (network.tag, name)
        self.hostname = hostname or "%s-host" % name
        b = network.block
        self.address = "10.%d.%d.2" % (b, index)
        self.gateway = "10.%d.%d.1" % (b, index)
        self.link = "os%sh%d" % (network.tag, index)
        self.lan_address = "10.%d.%d.2" % (b, 100 + index) if lan else None
        self.lan_gateway = "10.%d.%d.1" % (b, 100 + index) if lan else None
        self.lan_link = "os%sl%d" % (network.tag, index) if lan \
            else None
        self.default_route = default_route
        self.created = False

    def create(self):
        b = self.network.block
        _ip("netns", "add", self.ns)
        self.created = True
        etc = os.path.join(NETNS_ETC, self.ns)
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, "hostname"), "w") as f:
            f.write(self.hostname + "\n")
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write("127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n" % (
                self.address, self.hostname))
        _ip("-n", self.ns, "link", "set", "lo", "up")
        self._veth(self.link, "eth0", self.gateway, self.address)
        if self.lan_link:
            self._veth(self.lan_link, "eth1", self.lan_gateway,
                       self.lan_address)
        _ip("-n", self.ns, "route", "add", "10.%d.0.0/16" % b, "via",
            self.gateway)
        if self.default_route:
            _ip("-n", self.ns, "route", "add", "default", "via",
                self.gateway)
        return self

    def _veth(self, link, inside, outer_addr, inner_addr):
        _ip("link", "add", link, "type", "veth", "peer", "name", link + "p")
        _ip("link", "set", link + "p", "netns", self.ns)
        _ip("-n", self.ns, "link", "set", link + "p", "name", inside)
        _ip("addr", "add", outer_addr + "/24", "dev", link)
        _ip("link", "set", link, "up")
        _ip("-n", self.ns, "addr", "add", inner_addr + "/24", "dev", inside)
        _ip("-n", self.ns, "link", "set", inside, "up")

    def exec_argv(self, argv):
        """argv wrapped to run in this namespace with its own host name."""
        return [IP, "netns", "exec", self.ns, "unshare", "--uts", "sh", "-c",
                'hostname "$0" && exec "$@"', self.hostname] + list(argv)

    def run(self, argv, timeout=30, check=True, input=None):
        """Run a short command inside; returns CompletedProcess."""
        return proc.run(self.exec_argv(argv), timeout=timeout, check=check,
                        input=input)

    def spawn(self, name, argv, log_path=None, **kw):
        """Start a long-running process inside (registered in lib.proc)."""
        return proc.spawn(name, self.exec_argv(argv), log_path=log_path,
                          **kw)

    def destroy(self):
        if self.created:
            # Processes still inside keep the namespace's links alive:
            # kill them first.
            out = _ip("netns", "pids", self.ns, check=False).stdout.decode()
            for pid in out.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            _ip("netns", "del", self.ns, check=False)
            for link in (self.link, self.lan_link):
                if link:
                    _ip("link", "del", link, check=False)
            shutil.rmtree(os.path.join(NETNS_ETC, self.ns),
                          ignore_errors=True)
            self.created = False

    def __repr__(self):
        return "<Host %s %s %s>" % (self.name, self.ns, self.address)


class Network:
    """A block 10.B.0.0/16 of test addresses, a core link in the root
    namespace (core_address = 10.B.0.1, for relays and servers), and the
    hosts made in it."""

    def __init__(self, owner_pid=None):
        if os.geteuid() != 0:
            raise NetnsError("network namespaces need root")
        self.owner_pid = owner_pid or os.getpid()
        self.hosts = {}
        self.block = None
        # Several Networks may live in one run (the shared HostNet and a
        # test's own): a letter per instance keeps their names apart.
        self.tag = "%d%s" % (self.owner_pid,
                             string.ascii_lowercase[next(_instances) % 26])
        self.core_link = "os%sc" % self.tag
        self.leftovers = cleanup_leftovers()
        os.makedirs(os.path.dirname(LOCK_PATH), exist_ok=True)
        with open(LOCK_PATH, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            used = _used_networks()
            for b in BLOCKS:
                block = ipaddress.ip_network("10.%d.0.0/16" % b)
                if not any(block.overlaps(n) for n in used):
                    self.block = b
                    break
            if self.block is None:
                raise NetnsError("no free 10.x.0.0/16 block in %s" % BLOCKS)
            # The core link: a veth pair in the root namespace; its
            # address is where relays and test servers listen.
            _ip("link", "add", self.core_link, "type", "veth", "peer",
                "name", self.core_link + "p")
            _ip("addr", "add", self.core_address + "/24", "dev",
                self.core_link)
            _ip("link", "set", self.core_link, "up")
            _ip("link", "set", self.core_link + "p", "up")

    @property
    def core_address(self):
        return "10.%d.0.1" % self.block

    @property
    def cidr(self):
        return "10.%d.0.0/16" % self.block

    def add_host(self, name, lan=False, hostname=None, default_route=False):
        """A new namespace host; see the module docstring."""
        if name in self.hosts:
            raise ValueError("host %s exists" % name)
        if not re.match(r"^[a-z][a-z0-9]{0,15}$", name):
            raise ValueError("host names: lower-case letters and digits")
        index = len(self.hosts) + 1
        if index > 99:
            raise NetnsError("at most 99 hosts")
        h = Host(self, name, index, lan, hostname, default_route)
        self.hosts[name] = h
        try:
            h.create()
        except Exception:
            h.destroy()
            raise
        return h

    def destroy(self):
        """Remove every host, the core link and their /etc/netns files."""
        for h in list(self.hosts.values()):
            h.destroy()
        self.hosts = {}
        _ip("link", "del", self.core_link, check=False)

    def stop(self):
        self.destroy()


class HostNet:
    """A TorNet on the core link's address plus the Network of hosts.

    hn.tornet (its .client runs in the root namespace), hn.network,
    hn.add_host(...), hn.add_client(name, host) (a tor inside a host).
    """

    def __init__(self, workdir, owner_pid=None):
        self.workdir = workdir
        self.owner_pid = owner_pid or os.getpid()
        self.network = None
        self.tornet = None

    def start(self, timeout=120.0):
        from lib.tornet import TorNet
        self.network = Network(self.owner_pid)
        self.tornet = TorNet(self.workdir, address=self.network.core_address,
                             owner_pid=self.owner_pid,
                             exit_accept=[self.network.cidr])
        self.tornet.start(timeout)
        return self

    @property
    def address(self):
        return self.network.core_address

    def add_host(self, name, **kw):
        return self.network.add_host(name, **kw)

    def add_client(self, name, host, **kw):
        """A client tor inside host (SocksPort on its 127.0.0.1,
        ControlPort on its address)."""
        return self.tornet.add_client(name, netns=host, **kw)

    def stats_text(self):
        return self.tornet.stats_text() if self.tornet else "not started"

    def stop(self):
        try:
            if self.tornet is not None:
                self.tornet.stop()
        finally:
            if self.network is not None:
                self.network.destroy()
