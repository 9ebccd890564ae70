"""linphonec (linphone-cli 5.1) as a test softphone (CLIENTS notes).

Its own HOME (with $HOME/.local/share/linphone/, or it never opens a SIP
socket), a generated linphonerc, commands on stdin, output lines waited
for with timeouts. Audio from a WAV file ('soundcard use files', 'play'),
received audio recorded with 'record'.

    c = Linphone(workdir, "carol", tone=440)
    c.start()
    c.call(bob.uri)
    c.wait_line(r"Call \\d+ with .* connected", 15)
    c.terminate()
    c.recording_path        # what carol received

proxy="sip:127.0.0.1:5060;transport=tcp" adds an account whose outbound
proxy is the gateway (register=True sends REGISTER). dtmf="info" sends
DTMF as SIP INFO (application/dtmf-relay) only, dtmf="rfc4733" as RTP
telephone-event only; send_dtmf("12#") types the digits during a call.
"""

import os
import re
import subprocess
import threading
import time

from lib import audio
from lib import net as netutil
from lib import proc

LINPHONEC = "linphonec"


class LinphoneError(RuntimeError):
    pass


class Linphone:
    """One linphonec (see the module docstring)."""

    def __init__(self, workdir, user, address="127.0.0.1", sip_port=None,
                 rtp_port=None, tone=None, autoanswer=True, proxy=None,
                 register=False, identity=None, ice=False, extra_rc=None,
                 netns=None, tone_seconds=60, dtmf=None):
        self.user = user
        self.netns = netns
        self.address = address if netns is None else netns.address
        self.home = os.path.join(os.path.abspath(workdir), "linphone-" + user)
        os.makedirs(os.path.join(self.home, ".local", "share", "linphone"),
                    exist_ok=True)
        self.rc_path = os.path.join(self.home, "linphonerc")
        if netns is not None:       # a fresh namespace: all ports free
            sip_port, rtp_port = sip_port or 5072, rtp_port or 31000
        self.sip_port = sip_port or netutil.free_ports(1, self.address)[0]
        self.rtp_port = rtp_port or netutil.free_port_range(4, self.address)
        self.autoanswer = autoanswer
        self.proxy = proxy
        self.register = register
        self.identity = identity or "sip:%s@%s" % (user, self.address)
        self.ice = ice
        if dtmf not in (None, "info", "rfc4733"):
            raise ValueError("dtmf: None, 'info' or 'rfc4733', not %r"
                             % (dtmf,))
        self.dtmf = dtmf
        self.extra_rc = extra_rc or {}
        if isinstance(tone, (int, float)):
            path = os.path.join(self.home, "tone-%d.wav" % tone)
            audio.make_tone(path, tone, seconds=tone_seconds)
            tone = path
        self.tone_path = tone
        self.recording_path = os.path.join(self.home, "received.wav")
        self.process = None
        self.lines = []
        self._taken = set()
        self._cond = threading.Condition()

    @property
    def uri(self):
        return "sip:%s@%s:%d" % (self.user, self.address, self.sip_port)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def rc_sections(self):
        rc = {
            "sip": {"sip_port": self.sip_port, "sip_tcp_port": self.sip_port,
                    "sip_tls_port": 0,
                    # Without ipv6_migration_done, the first start
                    # "migrates" to use_ipv6=1 and offers the host's IPv6
                    # address in SDP (baresip: "AF not available").
                    "use_ipv6": 0, "ipv6_migration_done": 1,
                    "contact": '"%s" <%s>' % (self.user.capitalize(),
                                              self.identity)},
            "rtp": {"audio_rtp_port": self.rtp_port,
                    "rtcp_mux": 0},
            "video": {"capture": 0, "display": 0},
            "sound": {"echocancellation": 0},
            "net": {"firewall_policy": 3 if self.ice else 0},
        }
        if self.proxy:
            rc["proxy_0"] = {
                "reg_proxy": "<%s>" % self.proxy,
                "reg_route": "<%s;lr>" % self.proxy,
                "reg_identity": self.identity,
                "reg_sendregister": 1 if self.register else 0,
                "reg_expires": 600,
                "publish": 0}
            rc["sip"]["default_proxy"] = 0
        if self.dtmf is not None:
            info = self.dtmf == "info"
            rc["sip"]["use_info"] = 1 if info else 0
            rc["sip"]["use_rfc2833"] = 0 if info else 1
        for sec, kv in self.extra_rc.items():
            rc.setdefault(sec, {}).update(kv)
        return rc

    def write_rc(self):
        with open(self.rc_path, "w") as f:
            for sec, kv in self.rc_sections().items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s=%s\n" % (k, v))
                f.write("\n")

    def start(self, timeout=10.0):
        """Start linphonec, switch it to files, set tone/record/autoanswer."""
        if proc.which(LINPHONEC) is None:
            raise LinphoneError("linphonec not found")
        self.write_rc()
        env = dict(os.environ, HOME=self.home)
        env.pop("DISPLAY", None)
        argv = [LINPHONEC, "-c", self.rc_path]
        if self.netns is not None:
            argv = self.netns.exec_argv(argv)
        self.process = proc.spawn("linphonec-" + self.user, argv,
                                  log_path=os.path.join(self.home, "stderr"),
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env,
                                  cwd=self.home)
        self._out = open(os.path.join(self.home, "output"), "w")
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name="linphonec-" + self.user)
        self._reader.start()
        self.send("soundcard use files")
        self.wait_line(r"Using wav files instead of soundcard", timeout)
        if self.tone_path:
            self.send("play %s" % self.tone_path)
        self.send("record %s" % self.recording_path)
        if self.autoanswer:
            self.send("autoanswer enable")
            self.wait_line(r"Auto answer enabled", timeout)
        return self

    def _read_loop(self):
        for raw in self.process.popen.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            # the prompt is glued to the next output line
            while line.startswith("linphonec> "):
                line = line[len("linphonec> "):]
            self._out.write(line + "\n")
            self._out.flush()
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def send(self, command):
        """Write one command line to linphonec's stdin."""
        try:
            self.process.popen.stdin.write((command + "\n").encode())
            self.process.popen.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise LinphoneError("linphonec %s is gone: %s" % (self.user, e))

    def wait_line(self, pattern, timeout=10.0):
        """The next output line (not returned before) matching the regex
        pattern; raises on timeout with the last lines."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, l in enumerate(self.lines):
                    if i not in self._taken and rx.search(l):
                        self._taken.add(i)
                        return l
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise netutil.WaitTimeout(
                        "linphonec %s: no line /%s/ within %.0fs (%s); "
                        "last lines:\n%s" % (
                            self.user, pattern, timeout,
                            "running" if self.alive() else "exited",
                            "\n".join(self.lines[-12:])))
                self._cond.wait(min(left, 0.5))

    def call(self, uri):
        self.send("call %s" % uri)

    def send_dtmf(self, digits):
        """Type DTMF digits (0-9 * #) on linphonec's command line: during
        a call it sends each with linphone_call_send_dtmf."""
        if not digits or any(d not in "0123456789*#" for d in digits):
            raise ValueError("not DTMF digits: %r" % (digits,))
        self.send(digits)

    def answer(self):
        self.send("answer")

    def terminate(self):
        self.send("terminate")

    def alive(self):
        return self.process is not None and self.process.alive()

    def stop(self, timeout=5.0):
        """quit on stdin, then SIGTERM/SIGKILL."""
        if self.process is None:
            return
        if self.alive():
            try:
                self.send("quit")
            except LinphoneError:
                pass
            self.process.wait(timeout)
        self.process.stop(2)
        self._reader.join(2)
        try:
            self._out.close()
        except OSError:
            pass
