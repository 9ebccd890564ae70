"""Child processes that never outlive the test runner.

Every process a fixture starts goes through spawn(): it runs in its own
session (so a Ctrl-C on the terminal reaches the runner first, and the
runner stops children in order), it gets SIGKILL when the thread that
started it dies (PR_SET_PDEATHSIG), and it is recorded in a registry that
kill_all() empties at the end of a run, on SIGINT/SIGTERM and at exit.

Start processes from the runner's main thread: the parent-death signal is
tied to the thread that forked, not to the process.
"""

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_libc = None
_registry = []
_lock = threading.Lock()


def _preexec():
    # Runs in the child between fork and exec.
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _load_libc():
    global _libc
    try:
        _libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        _libc = None


_load_libc()


class Process:
    """One child process: a Popen plus a name, its log and a clean stop."""

    def __init__(self, name, argv, popen, log_path):
        self.name = name
        self.argv = argv
        self.popen = popen
        self.log_path = log_path

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def send_signal(self, sig):
        if self.alive():
            try:
                os.kill(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout=10.0, sig=signal.SIGTERM):
        """Send sig, wait up to timeout, then SIGKILL the process group."""
        if self.alive():
            self.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        return self.popen.returncode

    def kill(self):
        """SIGKILL the process and its process group; reap it."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.kill()
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        _forget(self)
        for f in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def log_tail(self, lines=20):
        """The last lines of the process's output file, for diagnostics."""
        if not self.log_path:
            return []
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()[-8192:]
        except OSError:
            return []
        return data.decode("utf-8", "replace").splitlines()[-lines:]

    def cpu_seconds(self):
        """User plus system CPU seconds used so far (from /proc)."""
        return proc_cpu_seconds(self.pid)

    def rss_bytes(self):
        """Resident memory now (from /proc), 0 if gone."""
        return proc_rss_bytes(self.pid)

    def __repr__(self):
        return "<Process %s pid %d>" % (self.name, self.pid)


def spawn(name, argv, log_path=None, stdin=None, stdout=None, env=None,
          cwd=None, pass_fds=()):
    """Start argv as a registered child; its stdout/stderr go to log_path.

    stdin may be subprocess.PIPE; stdout may be subprocess.PIPE (then stderr
    still goes to log_path, or to /dev/null).
    """
    logf = None
    if log_path is not None:
        logf = open(log_path, "ab")
    out = stdout if stdout is not None else (logf or subprocess.DEVNULL)
    err = logf or subprocess.DEVNULL
    try:
        popen = subprocess.Popen(
            argv, stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=out, stderr=err, env=env, cwd=cwd,
            start_new_session=True, preexec_fn=_preexec, pass_fds=pass_fds,
            close_fds=True)
    finally:
        if logf is not None:
            logf.close()
    p = Process(name, argv, popen, log_path)
    with _lock:
        _registry.append(p)
    return p


def _forget(p):
    with _lock:
        if p in _registry:
            _registry.remove(p)


def running():
    """The registered processes that are still alive."""
    with _lock:
        return [p for p in _registry if p.alive()]


def kill_all(grace=3.0):
    """SIGTERM every registered child, wait up to grace, SIGKILL the rest."""
    with _lock:
        procs = list(_registry)
    for p in procs:
        p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in procs:
        left = deadline - time.monotonic()
        if left > 0:
            p.wait(left)
        p.kill()


def run(argv, timeout=30, input=None, check=True, env=None):
    """Run a short command to completion; returns CompletedProcess.

    The command gets the same parent-death signal as spawned children.
    Raises RuntimeError with the output when check is true and it fails.
    """
    try:
        cp = subprocess.run(argv, input=input, capture_output=True,
                            timeout=timeout, env=env, preexec_fn=_preexec)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError("%s timed out after %ss" % (argv[0], timeout)) from e
    if check and cp.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (
            " ".join(argv), cp.returncode,
            (cp.stderr or cp.stdout or b"").decode("utf-8", "replace")[-2000:]))
    return cp


def proc_cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def proc_rss_bytes(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def which(prog):
    """Full path of prog on PATH (plus /usr/sbin, /sbin), or None."""
    import shutil
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return shutil.which(prog, path=path)


def diag(msg):
    """Print a TAP diagnostic line (or lines) to stdout."""
    for line in str(msg).splitlines() or [""]:
        sys.stdout.write("# %s\n" % line)
    sys.stdout.flush()


def progress(msg):
    """Progress note on stderr, TAP-comment shaped."""
    sys.stderr.write("# %s\n" % msg)
    sys.stderr.flush()
