"""Tor plumbing against the private Tor network: onionsip's SOCKS5 client
and control-port code (through tests/tor/torhelper), and the onionsip
daemon launching its own tor, publishing its onion, failing closed when
tor dies and recovering when it is back.
"""

import glob
import os
import re
import subprocess
import time

from lib import net, proc
from lib.harness import needs
from lib.onionkeys import unpublished_onion
from lib.torctl import TorControl
from lib.tornet import TOR

# socks5.h enum values, as torhelper prints them.
OK, DESC_NOT_FOUND, MISSING_AUTH, BAD_ADDRESS = 0, 9, 13, 15


def _helper(ctx, *args, timeout=40):
    r = subprocess.run([ctx.program("tests/tor/torhelper")] +
                       [str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout


def _socks(ctx, client, host, port, message=None):
    """(reason, reply text or None) of one CONNECT by our C code."""
    args = ["socks", client.socks_port, host, port]
    if message is not None:
        args.append(message)
    rc, out = _helper(ctx, *args)
    m = re.search(r"^result (\d+) ", out, re.M)
    assert m, "torhelper said %r" % out
    r = re.search(r"^reply (.*)$", out, re.M)
    return int(m.group(1)), r.group(1) if r else None


def _socks_retry(ctx, client, host, port, want, message=None, timeout=60):
    """Retry while the descriptor is still being published."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        reason, reply = _socks(ctx, client, host, port, message)
        seen.append(reason)
        if reason == want:
            return reply, seen
        time.sleep(0.5)
    raise AssertionError("wanted reason %d, got %s" % (want, seen))


def _private_dir(path):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o700)
    return path


@needs("tornet")
def test_socks_onion_and_exit(ctx):
    """Our SOCKS5 client reaches an onion service and, through the exit, a
    loopback server; bytes go both ways on the stream it hands over."""
    tn = ctx.tornet
    echo = net.EchoServer()
    ctx.cleanup(echo.stop)
    svc = tn.add_onion_service(tn.client, echo.port, virtual_port=5060)
    ctx.cleanup(svc.remove)
    reply, seen = _socks_retry(ctx, tn.client, svc.hostname, 5060, OK,
                               "hello-onion")
    assert reply == "hello-onion", "echo over the onion: %r" % reply
    tn.wait_exit_ready()
    reason, reply = _socks(ctx, tn.client, "127.0.0.1", echo.port,
                           "hello-exit")
    assert reason == OK and reply == "hello-exit", (reason, reply)


@needs("tornet")
def test_socks_unknown_onion_not_found(ctx):
    """A valid address nobody publishes: descriptor not found (F0, 404)."""
    addr = unpublished_onion()
    rc, out = _helper(ctx, "socks", ctx.tornet.client.socks_port, addr, 5060)
    assert re.search(r"^result %d .* 404$" % DESC_NOT_FOUND, out, re.M), out


@needs("tornet")
def test_socks_malformed_onion_bad_address(ctx):
    """A malformed onion address: bad address (F6, 404)."""
    bad = "a" * 56 + ".onion"  # right length, wrong checksum
    for host in (bad, "tooshort.onion"):
        rc, out = _helper(ctx, "socks", ctx.tornet.client.socks_port, host,
                          5060)
        assert re.search(r"^result %d .* 404$" % BAD_ADDRESS, out, re.M), \
            (host, out)


@needs("tornet")
def test_serviceid_equals_our_derivation(ctx):
    """ADD_ONION with onionsip's key (SAFECOOKIE authentication): the
    ServiceID tor returns is the address onionsip derived itself."""
    c = ctx.tornet.client
    d = _private_dir(os.path.join(ctx.tmpdir, "key"))
    rc, out = _helper(ctx, "addonion", c.control_port, c.cookie_path, d,
                      9)
    ours = re.search(r"^ours (\w+)$", out, re.M)
    theirs = re.search(r"^tor (\w+)$", out, re.M)
    assert rc == 0 and ours and theirs, out
    assert ours.group(1) == theirs.group(1), out
    assert "authenticated" in out


# -- the daemon ---------------------------------------------------------

class Onionsip:
    """onionsip -d with a settings file; its log in a file."""

    def __init__(self, ctx, name, extra=()):
        self.ctx = ctx
        self.dir = _private_dir(os.path.join(ctx.tmpdir, name))
        self.data = os.path.join(self.dir, "data")
        self.conf = os.path.join(self.dir, "onionsip.conf")
        self.log = os.path.join(self.dir, "onionsip.log")
        tn = ctx.tornet
        torrc = os.path.join(self.dir, "torrc")
        with open(torrc, "w") as f:
            f.write("\n".join([
                "TestingTorNetwork 1", "UseMicrodescriptors 0",
                "UseEntryGuards 0", "FetchDirInfoEarly 1",
                "Schedulers Vanilla", "ClientOnly 1",
                "ShutdownWaitLength 0",
                "GeoIPFile %s" % os.path.join(tn.workdir, "no-geoip"),
                "GeoIPv6File %s" % os.path.join(tn.workdir, "no-geoip6"),
            ] + tn.dirauthority_lines()) + "\n")
        with open(self.conf, "w") as f:
            f.write("DataDirectory %s\nTorrcFile %s\nUser alice\n"
                    "LogLevel info\n" % (self.data, torrc))
            for line in extra:
                f.write(line + "\n")
        self.p = None

    def export(self, *args):
        r = subprocess.run([self.ctx.program("onionsip"), "export-onion",
                            "-f", self.conf] + list(args),
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def start(self):
        self.p = proc.spawn("onionsip", [self.ctx.program("onionsip"), "-d",
                                         "-f", self.conf],
                            log_path=self.log)
        self.ctx.cleanup(self.stop)

    def stop(self):
        if self.p is not None:
            rc = self.p.stop()
            self.p = None
            return rc

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=60, since=0):
        def check():
            m = re.search(pattern, self.text()[since:], re.M)
            assert self.p.alive(), "onionsip died:\n" + self.text()[-2000:]
            return m
        try:
            return net.wait_until(check, timeout, pattern)
        except net.WaitTimeout:
            raise AssertionError("no %r in onionsip's log:\n%s" % (
                pattern, self.text()[-2000:]))

    def tor_socks(self):
        """Our tor's SocksPort listeners, asked over its control port."""
        tordir = os.path.join(self.data, "tor")
        with open(os.path.join(tordir, "control_port")) as f:
            port = int(f.read().strip().rsplit(":", 1)[1])
        with TorControl("127.0.0.1", port, os.path.join(
                tordir, "control_auth_cookie")) as c:
            return c.getinfo("net/listeners/socks")["net/listeners/socks"]

    def tor_pids(self):
        pids = []
        for f in glob.glob("/proc/%d/task/*/children" % self.p.pid):
            with open(f) as fh:
                pids += [int(x) for x in fh.read().split()]
        return pids


def _sockets(pid):
    """[(proto, local, remote, state)] of pid's inet sockets (hex forms)."""
    inodes = set()
    for fd in glob.glob("/proc/%d/fd/*" % pid):
        try:
            t = os.readlink(fd)
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", t)
        if m:
            inodes.add(m.group(1))
    out = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        with open("/proc/%d/net/%s" % (pid, proto)) as f:
            for line in f.readlines()[1:]:
                w = line.split()
                if w[9] in inodes:
                    out.append((proto, w[1], w[2], w[3]))
    return out


def _hexaddr_port(s):
    a, p = s.split(":")
    return a, int(p, 16)


@needs("tornet", "onionsip", timeout=180)
def test_daemon_launch_publish_fail_closed_recover(ctx):
    """onionsip starts its own tor (TorrcFile at the test authorities),
    publishes its onion (the address export-onion prints, reachable from
    another client), reports a killed tor and opens nothing but tor's
    control port while it is gone, then restarts tor and is reachable
    again."""
    tn = ctx.tornet
    o = Onionsip(ctx, "launch")
    exported = o.export()
    addr = re.search(r"^onion address +(\w{56})\.onion$", exported, re.M)
    assert addr, exported
    addr = addr.group(1)
    o.start()
    m = o.wait_log(r"^  sip:alice@(\w{56})\.onion$", 60)
    assert m.group(1) == addr, (m.group(1), addr)
    assert "tor: bootstrapping 100%" in o.text()
    assert "tor: authenticated (SAFECOOKIE)" in o.text(), o.text()
    # Reachable: the kernel completes the stream on the listener.
    _socks_retry(ctx, tn.client, addr + ".onion", 5060, OK)

    pids = o.tor_pids()
    assert len(pids) == 1, "onionsip's children: %r" % pids
    socks_before = o.tor_socks()
    mark = len(o.text())
    os.kill(pids[0], 9)
    o.wait_log(r"tor: lost \(.*\); no calls until tor is back", 15, mark)
    # While tor is down: no inet connection but to tor's control port.
    deadline = time.time() + 3
    while time.time() < deadline:
        ctl = None
        try:
            with open(os.path.join(o.data, "tor", "control_port")) as f:
                ctl = int(f.read().strip().rsplit(":", 1)[1])
        except (OSError, ValueError, IndexError):
            pass
        for proto, local, remote, state in _sockets(o.p.pid):
            raddr, rport = _hexaddr_port(remote)
            if proto.startswith("tcp") and state == "0A":
                continue  # listening
            if rport == 0:
                continue  # unconnected
            assert raddr in ("0100007F",) and rport == ctl, \
                "onionsip opened %s %s -> %s (state %s) without tor" % (
                    proto, local, remote, state)
        if "published again" in o.text()[mark:]:
            break
        time.sleep(0.1)
    o.wait_log(r"tor: back; the onion service is published again", 60, mark)
    assert len(o.tor_pids()) == 1
    # The restarted tor keeps the SocksPort (kept copies stay right).
    assert o.tor_socks() == socks_before, (o.tor_socks(), socks_before)
    # Clients cache the old descriptor's circuits: a fresh identity.
    with tn.client.control() as c:
        c.signal("NEWNYM")
    _socks_retry(ctx, tn.client, addr + ".onion", 5060, OK)
    assert o.stop() == 0, "onionsip exit status"
    assert not any(os.path.exists("/proc/%d" % p) for p in pids), \
        "tor outlived onionsip"


@needs("tornet", "onionsip", timeout=150)
def test_daemon_private_onion_client_auth(ctx):
    """With OnionAuthorizedClients (a key pair from export-onion -c), a
    client without the key is refused (F4) and one with it connects."""
    tn = ctx.tornet
    o = Onionsip(ctx, "private")
    out = o.export("-c", "bob")
    pub = re.search(r"^OnionAuthorizedClients (\w{52})$", out, re.M)
    priv = re.search(r"^(\w{56}:descriptor:x25519:\w{52})$", out, re.M)
    assert pub and priv, out
    with open(o.conf, "a") as f:
        f.write("OnionAuthorizedClients %s\n" % pub.group(1))
    addr = priv.group(1)[:56]
    authdir = _private_dir(os.path.join(ctx.tmpdir, "bob-auth"))
    with open(os.path.join(authdir, "bob.auth_private"), "w") as f:
        f.write(priv.group(1) + "\n")
    o.start()
    o.wait_log(r"^  sip:alice@%s\.onion$" % addr, 60)
    assert "private: 1 authorized" in o.export()
    bob = tn.add_client("tor-bob", client_auth_dir=authdir)
    ctx.cleanup(bob.stop)
    _socks_retry(ctx, bob, addr + ".onion", 5060, OK)
    reply, seen = _socks_retry(ctx, tn.client, addr + ".onion", 5060,
                               MISSING_AUTH)


@needs("onionsip")
def test_daemon_tor_missing(ctx):
    """TorBinary that does not exist: a clear message, exit 1, nothing
    else started."""
    d = _private_dir(os.path.join(ctx.tmpdir, "data"))
    conf = os.path.join(ctx.tmpdir, "onionsip.conf")
    with open(conf, "w") as f:
        f.write("DataDirectory %s\nTorBinary /nonexistent/tor\n" % d)
    r = subprocess.run([ctx.program("onionsip"), "-d", "-f", conf],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "tor is not installed" in r.stderr, r.stderr
    assert "ready" not in r.stderr, r.stderr


@needs("onionsip", "tor")
def test_daemon_bootstrap_problem_suggests_bridges(ctx):
    """A tor that cannot reach the network: onionsip shows the problem,
    suggests bridges, never says it is ready and opens nothing but its
    tor's control port."""
    d = _private_dir(os.path.join(ctx.tmpdir, "data"))
    torrc = os.path.join(ctx.tmpdir, "torrc")
    fp = "229AAAE193BF4A3331D6DB9F3705546FE7E74F62"
    dead = net.free_port()
    with open(torrc, "w") as f:
        f.write("TestingTorNetwork 1\nUseMicrodescriptors 0\n"
                "DirAuthority dead orport=%d v3ident=%s 127.0.0.1:%d %s\n"
                % (dead, fp, dead, fp))
    conf = os.path.join(ctx.tmpdir, "onionsip.conf")
    with open(conf, "w") as f:
        f.write("DataDirectory %s\nTorrcFile %s\n" % (d, torrc))
    log = os.path.join(ctx.tmpdir, "onionsip.log")
    p = proc.spawn("onionsip", [ctx.program("onionsip"), "-d", "-f", conf],
                   log_path=log)
    ctx.cleanup(p.stop)

    def text():
        with open(log, errors="replace") as f:
            return f.read()
    try:
        net.wait_until(lambda: "use bridges" in text(), 30,
                       "a bridge suggestion")
    except net.WaitTimeout:
        raise AssertionError(text()[-2000:])
    assert re.search(r"bootstrap problem at \d+%: Connection refused",
                     text()), text()[-2000:]
    for proto, local, remote, state in _sockets(p.pid):
        raddr, rport = _hexaddr_port(remote)
        assert rport == 0 or state == "0A" or raddr == "0100007F", \
            "onionsip connected to %s" % remote
    assert "sip:" not in text() and "ready" not in text()
    assert p.stop() == 0


@needs("tornet", "onionsip", timeout=150)
def test_daemon_external_tor_password_reconnect(ctx):
    """TorMode external with a control password: onionsip publishes on
    that tor, reports when it goes away, and reconnects and publishes again
    when it is back (same ports)."""
    tn = ctx.tornet
    hashed = proc.run([TOR, "--quiet", "--hash-password", "s3cret"]).stdout
    hashed = hashed.decode().strip().splitlines()[-1]
    assert hashed.startswith("16:"), hashed
    ext = tn.add_client("tor-ext",
                        extra_torrc=["HashedControlPassword " + hashed])
    ctx.cleanup(ext.stop)
    o = Onionsip(ctx, "external", extra=[
        "TorMode external",
        "TorSocksPort %d" % ext.socks_port,
        "TorControlPort %d" % ext.control_port,
        # Unreadable cookie: only the password can get us in.
        "TorControlCookieFile %s" % os.path.join(ctx.tmpdir, "no-cookie"),
        "TorControlPassword s3cret",
    ])
    addr = re.search(r"^onion address +(\w{56})", o.export(), re.M).group(1)
    o.start()
    o.wait_log(r"^  sip:alice@%s\.onion$" % addr, 60)
    assert o.tor_pids() == [], "external mode started a tor"
    assert "tor: authenticated (HASHEDPASSWORD)" in o.text(), o.text()
    _socks_retry(ctx, tn.client, addr + ".onion", 5060, OK)
    mark = len(o.text())
    ext.kill()
    o.wait_log(r"tor: lost \(.*\); no calls until tor is back", 15, mark)
    o.wait_log(r"tor: trying again", 15, mark)
    ext.start()
    o.wait_log(r"tor: back; the onion service is published again", 60, mark)
    with tn.client.control() as c:
        c.signal("NEWNYM")
    _socks_retry(ctx, tn.client, addr + ".onion", 5060, OK)


@needs("tornet", "onionsip", timeout=90)
def test_daemon_killed_takes_its_tor_along(ctx):
    """onionsip killed with SIGKILL (no clean shutdown): its tor notices
    its owner is gone and exits, leaving nothing behind."""
    o = Onionsip(ctx, "kill9")
    o.start()
    o.wait_log(r"^  sip:alice@\w{56}\.onion$", 60)
    pids = o.tor_pids()
    assert len(pids) == 1, pids
    o.p.kill()

    def gone():
        try:
            with open("/proc/%d/stat" % pids[0]) as f:
                return f.read().split()[2] == "Z"
        except OSError:
            return True
    net.wait_until(gone, 15, "tor %d to exit after its owner" % pids[0])


@needs("onionsip")
def test_daemon_external_tor_absent(ctx):
    """TorMode external with no tor listening: onionsip says it cannot
    reach the control port, keeps retrying, never says it is ready, and
    connects to nothing but 127.0.0.1."""
    d = _private_dir(os.path.join(ctx.tmpdir, "data"))
    conf = os.path.join(ctx.tmpdir, "onionsip.conf")
    with open(conf, "w") as f:
        f.write("DataDirectory %s\nTorMode external\nTorControlPort %d\n"
                "TorSocksPort %d\n" % (d, net.free_port(), net.free_port()))
    log = os.path.join(ctx.tmpdir, "onionsip.log")
    p = proc.spawn("onionsip", [ctx.program("onionsip"), "-d", "-f", conf],
                   log_path=log)
    ctx.cleanup(p.stop)

    def text():
        with open(log, errors="replace") as f:
            return f.read()
    try:
        net.wait_until(lambda: text().count("trying again") >= 2, 15,
                       "two retries")
    except net.WaitTimeout:
        raise AssertionError(text()[-2000:])
    assert "cannot connect to the control port" in text(), text()
    for proto, local, remote, state in _sockets(p.pid):
        raddr, rport = _hexaddr_port(remote)
        assert rport == 0 or state == "0A" or raddr == "0100007F", \
            "onionsip connected to %s" % remote
    assert "sip:" not in text() and "is ready" not in text(), text()
    assert p.stop() == 0
