"""An onionsip gateway as a test fixture: its settings file, its own tor
(launch mode, with a torrc that points at the private network's
authorities), the TURN relay, and its log.

    gw = Gateway(ctx.program("onionsip"), workdir, "alice", "alice",
                 ctx.tornet, ctx.coturn)            # netns=host: inside it
    gw.start()             # returns once the onion is published
    gw.onion               # the 56-character address, without .onion
    gw.proxy               # the outbound proxy the softphone uses
    gw.wait_log(r"regex")  # a line in its log (fails if onionsip died)
    gw.reload(["LocalContact sip:..."])   # rewrite the settings, SIGHUP
    gw.tor_pid()           # the tor it launched
    gw.stop()

trace=PATH runs it under `strace -o PATH` (the main process only: the
tor it starts is not traced) so a test can list what it opened and
where it connected.
"""

import os
import re

from lib import net, proc

TORRC_CLIENT = [
    "TestingTorNetwork 1", "UseMicrodescriptors 0", "UseEntryGuards 0",
    "FetchDirInfoEarly 1", "Schedulers Vanilla", "ClientOnly 1",
    "ShutdownWaitLength 0", "SocksTimeout 20",
]
ADDRESS_LINE = r"^  sip:(\S+)@(\w{56})\.onion$"


def _private_dir(path):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class Gateway:
    """One `onionsip -d` (see the module docstring)."""

    def __init__(self, program, workdir, name, user, tornet, turn,
                 extra=(), netns=None, trace=None, log_level="info"):
        self.program = program
        self.name = name
        self.user = user
        self.netns = netns
        self.trace = trace
        self.dir = _private_dir(os.path.join(workdir, "gw-" + name))
        self.conf = os.path.join(self.dir, "onionsip.conf")
        self.log = os.path.join(self.dir, "onionsip.log")
        # Inside a fresh namespace every port is free.
        self.sip_port = 5060 if netns is not None else net.free_port()
        torrc = os.path.join(self.dir, "torrc")
        with open(torrc, "w") as f:
            f.write("\n".join(TORRC_CLIENT + [
                "GeoIPFile %s" % os.path.join(tornet.workdir, "no-geoip"),
                "GeoIPv6File %s" % os.path.join(tornet.workdir, "no-geoip6"),
            ] + tornet.dirauthority_lines()) + "\n")
        tuser, tpass = sorted(turn.users.items())[0]
        self.lines = [
            "DataDirectory %s" % os.path.join(self.dir, "data"),
            "TorrcFile %s" % torrc,
            "User %s" % user,
            "LogLevel %s" % log_level,
            "SIPListen 127.0.0.1:%d" % self.sip_port,
            "TURNServer %s:%d" % (turn.address, turn.port),
            "TURNUser %s" % tuser,
            "TURNPassword %s" % tpass,
        ] + list(extra)
        self.p = None
        self.onion = None

    def write(self):
        with open(self.conf, "w") as f:
            f.write("\n".join(self.lines) + "\n")

    def argv(self):
        argv = [self.program, "-d", "-f", self.conf]
        if self.trace:
            argv = ["strace", "-qq", "-o", self.trace, "-e",
                    "trace=connect,sendto,sendmsg,open,openat"] + argv
        if self.netns is not None:
            argv = self.netns.exec_argv(argv)
        return argv

    def start(self, timeout=90):
        """Start it; wait for the published address line."""
        self.write()
        self.p = proc.spawn("onionsip-" + self.name, self.argv(),
                            log_path=self.log)
        m = self.wait_log(ADDRESS_LINE, timeout)
        self.onion = m.group(2)
        return self

    def stop(self):
        if self.p is not None:
            rc = self.p.stop()
            self.p = None
            return rc

    def text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:       # not started yet
            return ""

    def wait_log(self, pattern, timeout=60, since=0):
        """The first match of pattern in the log after offset since."""
        def check():
            m = re.search(pattern, self.text()[since:], re.M)
            assert self.p.alive(), "onionsip %s died:\n%s" % (
                self.name, self.text()[-3000:])
            return m
        try:
            return net.wait_until(check, timeout, pattern)
        except net.WaitTimeout:
            raise AssertionError("no %r in onionsip %s's log:\n%s" % (
                pattern, self.name, self.text()[-3000:]))

    def reload(self, replace):
        """Replace the settings lines whose keyword is in `replace` (a
        list of full lines), SIGHUP, wait for the reload."""
        keys = {l.split()[0] for l in replace}
        self.lines = [l for l in self.lines
                      if l.split()[0] not in keys] + list(replace)
        self.write()
        mark = len(self.text())
        os.kill(self.pid(), 1)
        self.wait_log(r"settings reloaded", 10, mark)

    def pid(self):
        """onionsip's own pid (below strace and the namespace wrapper)."""
        pid = self.p.pid
        for _ in range(4):
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "onionsip":
                    return pid
            kids = _children(pid)
            if not kids:
                break
            pid = kids[0]
        raise AssertionError("no onionsip process below %d" % self.p.pid)

    def tor_pid(self):
        """The tor that this onionsip launched, or None."""
        for k in _children(self.pid()):
            with open("/proc/%d/comm" % k) as f:
                if f.read().strip() == "tor":
                    return k
        return None

    @property
    def proxy(self):
        return "sip:127.0.0.1:%d" % self.sip_port


def _children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []
