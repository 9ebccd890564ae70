"""What a system test sees: needs(), Skip, and the per-test context.

A test module is tests/system/t_<area>.py; a test is a function

    from lib.harness import needs

    @needs("tornet", "coturn")          # optional; timeout=300 to extend
    def test_something(ctx):
        ...

run in file order. It passes when it returns, fails on any exception
(assert with a message), and is reported as skipped when a need is not
met here or it raises Skip / calls ctx.skip(reason).

Needs (anything else is taken as a program that must be on PATH):
  tornet    the run's shared private Tor network (ctx.tornet)
  coturn    the run's shared coturn on the Tor network's address (ctx.coturn)
  hostnet   root: a second shared Tor network on a veth address plus
            network namespaces for separate hosts (ctx.hostnet)
  baresip, linphone   the softphone and sox
  root      running as root
  netns     root, ip and unshare (network namespaces)
  capture   dumpcap (packet capture)
  onionsip  the built ./onionsip in ONIONSIP_BUILDDIR
"""

import os

from lib import proc


class Skip(Exception):
    """Raise to report the running test as skipped, with the reason."""


class ResourceError(Exception):
    """A shared fixture (e.g. the Tor network) failed to start."""


class TestTimeout(BaseException):
    """The test ran past its timeout (raised by the runner's alarm).

    A BaseException, so a test's `except Exception` does not swallow it.
    """


def needs(*names, timeout=None):
    """Declare what a test needs (see the module docstring)."""
    def wrap(fn):
        fn.needs = tuple(names)
        if timeout is not None:
            fn.timeout = timeout
        return fn
    return wrap


# need -> programs it requires
PROGRAMS = {
    "tornet": ["tor", "tor-gencert"],
    "coturn": ["turnserver", "tor", "tor-gencert"],
    "hostnet": ["tor", "tor-gencert", "ip", "unshare"],
    "baresip": ["baresip", "sox"],
    "linphone": ["linphonec", "sox"],
    "netns": ["ip", "unshare"],
    "capture": ["dumpcap"],
    "root": [],
    "onionsip": [],
}
ROOT_NEEDS = ("root", "netns", "hostnet")
SHARED = ("tornet", "coturn", "hostnet")


def unmet(names, builddir):
    """The reason a test with these needs cannot run here, or None."""
    for n in names:
        if n in ROOT_NEEDS and os.geteuid() != 0:
            return "needs root (%s)" % n
        for prog in PROGRAMS.get(n, [n]):
            if proc.which(prog) is None:
                return "%s not installed" % prog
        if n == "onionsip" and not os.access(
                os.path.join(builddir, "onionsip"), os.X_OK):
            return "onionsip not built in %s" % builddir
    return None


class Context:
    """Handed to every test: its name, folders, shared fixtures, cleanup.

    ctx.name       'area.test'
    ctx.tmpdir     a fresh folder for this test (inside the run's folder)
    ctx.srcdir, ctx.builddir
    ctx.tornet     the shared TorNet (started on first use)
    ctx.coturn     the shared Coturn (started on first use)
    ctx.hostnet    the shared HostNet (TorNet on veth + namespaces)
    ctx.log(msg)   a TAP diagnostic line
    ctx.skip(why)  stop here, report SKIP
    ctx.cleanup(fn, *args)  run at the end of this test (LIFO), whatever
    ctx.start(obj) obj.start(), and obj.stop() at the end of the test
    ctx.program(name)  path of a built program in ONIONSIP_BUILDDIR
    """

    def __init__(self, runner, name, timeout):
        self._runner = runner
        self.name = name
        self.timeout = timeout
        self.srcdir = runner.srcdir
        self.builddir = runner.builddir
        self._tmpdir = None
        self._cleanups = []

    @property
    def tmpdir(self):
        if self._tmpdir is None:
            self._tmpdir = os.path.join(self._runner.workdir, "tests",
                                        self.name)
            os.makedirs(self._tmpdir, exist_ok=True)
        return self._tmpdir

    @property
    def workdir(self):
        """The run's temp folder (shared by every test)."""
        return self._runner.workdir

    @property
    def tornet(self):
        return self._runner.resource("tornet")

    @property
    def coturn(self):
        return self._runner.resource("coturn")

    @property
    def hostnet(self):
        return self._runner.resource("hostnet")

    def log(self, msg):
        proc.diag(msg)

    def skip(self, reason):
        raise Skip(reason)

    def cleanup(self, fn, *args):
        self._cleanups.append((fn, args))

    def start(self, obj, *args, **kw):
        obj.start(*args, **kw)
        self.cleanup(obj.stop)
        return obj

    def program(self, name):
        path = os.path.join(self.builddir, name)
        if not os.access(path, os.X_OK):
            raise AssertionError("%s is not built (looked in %s)" % (
                name, self.builddir))
        return path

    def run_cleanups(self):
        errors = []
        while self._cleanups:
            fn, args = self._cleanups.pop()
            try:
                fn(*args)
            except Exception as e:      # report, go on cleaning
                errors.append("cleanup %s: %s" % (
                    getattr(fn, "__qualname__", fn), e))
        return errors
