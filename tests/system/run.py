#!/usr/bin/env python3
"""onionsip system-test runner: every tests/system/t_*.py case, in TAP.

    python3 tests/system/run.py [--list] [--timeout S] [pattern ...]
    ONIONSIP_TESTS='fixtures.tornet*' make check TESTS=tests/system/run.py

A pattern selects tests whose name ('area.test', e.g. 'fixtures.tornet')
contains it, or matches it as a glob when it has * ? or [. One private
Tor network per run, started when the first selected test needs it and
stopped at the end whatever happens. Environment:

  ONIONSIP_SYSTEM_TESTS  'no' reports every case as skipped
  ONIONSIP_TESTS         patterns (space or comma separated)
  ONIONSIP_TEST_TIMEOUT  per-test timeout in seconds (default 120)
  ONIONSIP_KEEP          1: keep the run's temp folder; fail: keep it
                         when a test failed
  ONIONSIP_SRCDIR, ONIONSIP_BUILDDIR  source and build trees
"""

import argparse
import atexit
import fnmatch
import importlib
import inspect
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree

from lib import proc                                      # noqa: E402
from lib.harness import (Context, ResourceError, Skip,    # noqa: E402
                         TestTimeout, SHARED, unmet)

DEFAULT_TIMEOUT = 120


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached the runner."""


class Case:
    def __init__(self, name, fn, error=None):
        self.name = name
        self.fn = fn
        self.error = error          # an import failure to report


def discover(patterns):
    """All cases of t_*.py in file order, filtered by patterns."""
    cases = []
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("t_") and fname.endswith(".py")):
            continue
        modname = fname[:-3]
        area = modname[2:]
        try:
            mod = importlib.import_module(modname)
        except Exception:
            cases.append(Case("%s.import" % area, None,
                              traceback.format_exc()))
            continue
        fns = [f for n, f in vars(mod).items()
               if n.startswith("test_") and inspect.isfunction(f)
               and f.__module__ == modname]
        fns.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in fns:
            cases.append(Case("%s.%s" % (area, f.__name__[5:]), f))
    if patterns:
        def match(name):
            for p in patterns:
                if any(ch in p for ch in "*?["):
                    if fnmatch.fnmatchcase(name, p):
                        return True
                elif p in name:
                    return True
            return False
        cases = [c for c in cases if match(c.name)]
    return cases


class Runner:
    def __init__(self, workdir, srcdir, builddir, timeout):
        self.workdir = workdir
        self.srcdir = srcdir
        self.builddir = builddir
        self.timeout = timeout
        self.resources = {}
        self.failed_resources = {}
        self.order = []
        self.n = 0
        self.failures = 0

    # shared fixtures ----------------------------------------------------
    def resource(self, name):
        if name in self.resources:
            return self.resources[name]
        if name in self.failed_resources:
            raise ResourceError("%s failed to start earlier in this run: %s"
                                % (name, self.failed_resources[name]))
        try:
            obj = getattr(self, "_start_" + name)()
        except (Exception, TestTimeout) as e:
            self.failed_resources[name] = str(e).splitlines()[0] \
                if str(e) else type(e).__name__
            partial = self.resources.get("_%s_stop" % name)
            if partial is not None:
                try:
                    partial.stop()
                except Exception:
                    pass
            raise ResourceError("%s failed to start: %s" % (name, e)) from e
        self.resources[name] = obj
        self.order.append(name)
        return obj

    def _start_tornet(self):
        from lib.tornet import TorNet
        tn = TorNet(os.path.join(self.workdir, "tornet"),
                    owner_pid=os.getpid())
        self.resources["_tornet_stop"] = tn     # stop even if start fails
        self.order.append("_tornet_stop")
        return tn.start()

    def _start_coturn(self):
        from lib.coturn import Coturn
        tn = self.resource("tornet")
        c = Coturn(os.path.join(self.workdir, "coturn"), address=tn.address)
        self.resources["_coturn_stop"] = c
        self.order.append("_coturn_stop")
        return c.start()

    def _start_hostnet(self):
        from lib.netns import HostNet
        h = HostNet(os.path.join(self.workdir, "hostnet"),
                    owner_pid=os.getpid())
        self.resources["_hostnet_stop"] = h
        self.order.append("_hostnet_stop")
        return h.start()

    def stop_resources(self):
        for name in reversed(self.order):
            if not name.startswith("_"):
                continue
            try:
                self.resources[name].stop()
            except Exception as e:
                proc.diag("stopping %s: %s" % (name[1:-5], e))
        self.order = []

    # one case -----------------------------------------------------------
    def emit(self, ok, name, directive=None, diag=None):
        self.n += 1
        line = "%s %d - %s" % ("ok" if ok else "not ok", self.n, name)
        if directive:
            line += " # " + directive
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if diag:
            proc.diag(diag.rstrip())
        if not ok:
            self.failures += 1

    def run_case(self, case, disabled):
        if case.error is not None:
            self.emit(False, case.name, diag=case.error)
            return
        if disabled:
            self.emit(True, case.name, "SKIP system tests disabled "
                      "(configure --disable-system-tests)")
            return
        needs = getattr(case.fn, "needs", ())
        why = unmet(needs, self.builddir)
        if why:
            self.emit(True, case.name, "SKIP " + why)
            return
        timeout = getattr(case.fn, "timeout", self.timeout)
        ctx = Context(self, case.name, timeout)
        t0 = time.monotonic()
        ok, directive, diag = True, None, None
        try:
            for n in needs:
                if n in SHARED:
                    with _alarm(600, "starting %s" % n):
                        self.resource(n)
            t0 = time.monotonic()
            with _alarm(timeout, case.name), _watchdog(timeout + 60,
                                                       case.name):
                case.fn(ctx)
        except Skip as e:
            directive = "SKIP %s" % e
        except ResourceError as e:
            ok, diag = False, str(e)
        except TestTimeout:
            ok = False
            diag = "timed out after %ds\n%s" % (timeout,
                                                 traceback.format_exc())
        except Interrupted:
            raise
        except Exception:
            ok, diag = False, traceback.format_exc()
        finally:
            with _alarm(60, "cleanup of " + case.name):
                errors = ctx.run_cleanups()
        if errors:
            if ok and directive is None:
                ok = False
            diag = (diag or "") + "\n".join(errors)
        if ok and directive is None:
            diag = (diag + "\n" if diag else "") + \
                "%.1fs" % (time.monotonic() - t0)
        self.emit(ok, case.name, directive, diag)


class _alarm:
    """Raise TestTimeout in the main thread after seconds (SIGALRM)."""

    def __init__(self, seconds, what):
        self.seconds = seconds
        self.what = what

    def __enter__(self):
        def fire(signum, frame):
            raise TestTimeout("%s: over %ds" % (self.what, self.seconds))
        self.prev = signal.signal(signal.SIGALRM, fire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.prev)


class _watchdog:
    """Last resort if the alarm cannot interrupt a hung test."""

    def __init__(self, seconds, what):
        self.timer = threading.Timer(seconds, self.fire, args=(what,))
        self.timer.daemon = True

    @staticmethod
    def fire(what):
        sys.stdout.write("Bail out! %s hung past its timeout\n" % what)
        sys.stdout.flush()
        proc.kill_all(1)
        os._exit(2)

    def __enter__(self):
        self.timer.start()

    def __exit__(self, *exc):
        self.timer.cancel()


def main(argv):
    ap = argparse.ArgumentParser(description="onionsip system tests (TAP)")
    ap.add_argument("patterns", nargs="*")
    ap.add_argument("--list", action="store_true",
                    help="list the selected tests and exit")
    ap.add_argument("--timeout", type=float,
                    default=float(os.environ.get("ONIONSIP_TEST_TIMEOUT",
                                                 DEFAULT_TIMEOUT)))
    ap.add_argument("--keep", action="store_true",
                    help="keep the temp folder (ONIONSIP_KEEP=1)")
    a = ap.parse_args(argv)
    patterns = a.patterns or [p for p in os.environ.get(
        "ONIONSIP_TESTS", "").replace(",", " ").split() if p]
    cases = discover(patterns)
    if a.list:
        for c in cases:
            print(c.name)
        return 0

    srcdir = os.environ.get("ONIONSIP_SRCDIR") or \
        os.path.dirname(os.path.dirname(HERE))
    builddir = os.environ.get("ONIONSIP_BUILDDIR") or srcdir
    disabled = os.environ.get("ONIONSIP_SYSTEM_TESTS", "yes") == "no"
    keep = os.environ.get("ONIONSIP_KEEP", "1" if a.keep else "")

    print("1..%d" % len(cases))
    sys.stdout.flush()
    if not cases:
        proc.diag("no test matches %s" % " ".join(patterns))
        return 0
    workdir = tempfile.mkdtemp(prefix="onionsip-system-")
    proc.diag("work folder %s" % workdir)
    runner = Runner(workdir, srcdir, builddir, a.timeout)

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    atexit.register(proc.kill_all, 1)
    status = 0
    try:
        for c in cases:
            runner.run_case(c, disabled)
    except Interrupted as e:
        sys.stdout.write("Bail out! interrupted by %s\n" % e)
        status = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for name in ("tornet", "hostnet"):
            tn = runner.resources.get(name)
            if tn is not None and getattr(tn, "stats", None):
                try:
                    proc.diag("%s at the end: %s" % (name, tn.stats_text()))
                except Exception:
                    pass
        runner.stop_resources()
        proc.kill_all()
        left = proc.running()
        if left:
            proc.diag("still running after cleanup: %s" % left)
        if keep == "1" or (keep == "fail" and runner.failures):
            proc.diag("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if status:
        return status
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
