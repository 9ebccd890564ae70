"""baresip 1.0.0 as a test softphone (the project's CLIENTS notes).

Its own config folder, an aufile tone as the microphone, sndfile
recordings, no sound card, driven through ctrl_tcp (netstring JSON).

    b = Baresip(workdir, "bob", tone=1000)          # answers automatically
    b.start()
    a = Baresip(workdir, "alice", tone=440, answermode="manual")
    a.start()
    a.dial(b.uri)
    a.wait_event("CALL_ESTABLISHED", 10)
    b.wait_event("CALL_RTPESTAB", 10)
    a.hangup()
    a.wait_event("CALL_CLOSED", 10)
    b.recording("dec")     # what bob received: 440 Hz

Accounts through a gateway: outbound="sip:127.0.0.1:5060;transport=tcp"
(and register=True with regint, or aor="sip:alice@127.0.0.1" for a
REGISTER to the gateway). ICE: ice=True. rtcp_mux False by default.
"""

import glob
import json
import os
import socket
import threading
import time

from lib import audio
from lib import net as netutil
from lib import proc

BARESIP = "baresip"
MODULE_PATH = "/usr/lib/baresip/modules"


class BaresipError(RuntimeError):
    pass


class Baresip:
    """One baresip instance (see the module docstring).

    tone: a frequency (a 60 s sox sine is made) or the path of a WAV
    (S16LE mono 8 kHz for G.711); None for silence.
    """

    def __init__(self, workdir, user, address="127.0.0.1", sip_port=None,
                 tone=None, answermode="auto", outbound=None, register=False,
                 regint=600, aor=None, password=None, ice=False,
                 rtcp_mux=False, codecs=("g711.so",), extra_config=(),
                 extra_modules=(), account_params="", netns=None,
                 tone_seconds=60):
        self.user = user
        self.address = address if netns is None else netns.address
        self.netns = netns
        self.dir = os.path.join(os.path.abspath(workdir), "baresip-" + user)
        self.rec_dir = os.path.join(self.dir, "rec")
        os.makedirs(self.rec_dir, exist_ok=True)
        # SIP on N also opens TLS on N+1: keep instances 2 apart. Inside
        # a fresh namespace every port is free (and the probes below
        # cannot bind its address from here): fixed ports.
        if netns is not None:
            sip_port = sip_port or 5070
        while True:
            p = netutil.free_ports(1, self.address)[0] if sip_port is None \
                else sip_port
            if sip_port is not None or netutil._range_free(self.address, p,
                                                           2):
                break
        self.sip_port = p
        if netns is not None:
            self.ctrl_port, self.rtp_base = 5090, 30000
        else:
            self.ctrl_port = netutil.free_port(self.address)
            self.rtp_base = netutil.free_port_range(20, self.address)
        self.answermode = answermode
        self.outbound = outbound
        self.register = register
        self.regint = regint
        self.aor = aor
        self.password = password
        self.ice = ice
        self.rtcp_mux = rtcp_mux
        self.codecs = list(codecs)
        self.extra_config = list(extra_config)
        self.extra_modules = list(extra_modules)
        self.account_params = account_params
        if isinstance(tone, (int, float)):
            path = os.path.join(self.dir, "tone-%d.wav" % tone)
            audio.make_tone(path, tone, seconds=tone_seconds)
            tone = path
        elif tone is None:
            tone = audio.make_silence(os.path.join(self.dir, "silence.wav"),
                                      seconds=tone_seconds)
        self.tone_path = tone
        self.process = None
        self.events = []
        self.responses = []
        self._taken = set()
        self._cond = threading.Condition()
        self._sock = None
        self._reader = None

    @property
    def uri(self):
        """The URI to dial this phone directly."""
        return "sip:%s@%s:%d" % (self.user, self.address, self.sip_port)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def account_line(self):
        if self.aor:
            line = "<%s>" % self.aor
        else:
            line = "<%s>" % self.uri
        if self.password:
            line += ";auth_pass=%s" % self.password
        line += ";regint=%d" % (self.regint if self.register else 0)
        if self.outbound:
            line += ';outbound="%s"' % self.outbound
        line += ";answermode=%s" % self.answermode
        if self.ice:
            line += ";medianat=ice"
        if self.account_params:
            line += ";" + self.account_params.lstrip(";")
        return line

    def config_lines(self):
        mods = self.codecs + ["sndfile.so", "aufile.so", "aubridge.so"]
        if self.ice:
            mods.append("ice.so")
        mods += self.extra_modules
        lines = [
            "sip_listen %s:%d" % (self.address, self.sip_port),
            "net_interface %s" % self.address,
            "rtp_ports %d-%d" % (self.rtp_base, self.rtp_base + 19),
            "rtcp_mux %s" % ("yes" if self.rtcp_mux else "no"),
            "audio_source aufile,%s" % self.tone_path,
            "audio_player aubridge,any",
            "audio_alert aubridge,any",
            "module_path %s" % MODULE_PATH,
        ]
        lines += ["module %s" % m for m in mods]
        lines += ["module_tmp uuid.so", "module_tmp account.so",
                  "module_app menu.so", "module_app ctrl_tcp.so",
                  "ctrl_tcp_listen %s:%d" % (self.address, self.ctrl_port),
                  "snd_path %s" % self.rec_dir]
        return lines + self.extra_config

    def write_config(self):
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(self.config_lines()) + "\n")
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(self.account_line() + "\n")
        open(os.path.join(self.dir, "contacts"), "w").close()

    # process ------------------------------------------------------------
    def start(self, timeout=10.0):
        """Write the config, start baresip, connect to ctrl_tcp."""
        if proc.which(BARESIP) is None:
            raise BaresipError("baresip not found")
        self.write_config()
        argv = [BARESIP, "-f", self.dir]
        if self.netns is not None:
            argv = self.netns.exec_argv(argv)
        self.process = proc.spawn("baresip-" + self.user, argv,
                                  log_path=os.path.join(self.dir, "log"),
                                  cwd=self.dir)

        def up():
            if not self.process.alive():
                raise BaresipError("baresip %s exited (%s):\n%s" % (
                    self.user, self.process.returncode,
                    "\n".join(self.process.log_tail())))
            return netutil.tcp_open(self.address, self.ctrl_port, 0.5)
        netutil.wait_until(up, timeout, "baresip %s ctrl_tcp" % self.user)
        self._sock = socket.create_connection((self.address, self.ctrl_port),
                                              timeout=5)
        self._sock.settimeout(0.5)
        self._stop_reader = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name="baresip-" + self.user)
        self._reader.start()
        return self

    def stop(self, timeout=5.0):
        """quit through ctrl_tcp, then SIGTERM twice, then SIGKILL."""
        if self.process is None:
            return
        if self.process.alive() and self._sock is not None:
            try:
                self._send({"command": "quit"})
            except OSError:
                pass
            self.process.wait(timeout / 2)
        if self.process.alive():
            import signal
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(1)
            self.process.send_signal(signal.SIGTERM)
        self.process.stop(timeout / 2)
        self._stop_reader = True
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        if self._reader is not None:
            self._reader.join(2)

    def alive(self):
        return self.process is not None and self.process.alive()

    # ctrl_tcp -----------------------------------------------------------
    def _send(self, obj):
        data = json.dumps(obj).encode()
        self._sock.sendall(b"%d:%s," % (len(data), data))

    def _read_loop(self):
        buf = b""
        while not self._stop_reader:
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                try:
                    n = int(buf[:colon])
                except ValueError:
                    buf = b""
                    break
                if len(buf) < colon + 1 + n + 1:
                    break
                payload = buf[colon + 1:colon + 1 + n]
                buf = buf[colon + 2 + n:]
                try:
                    msg = json.loads(payload.decode("utf-8", "replace"))
                except ValueError:
                    continue
                with self._cond:
                    if msg.get("event"):
                        msg["_time"] = time.monotonic()
                        self.events.append(msg)
                    elif msg.get("response"):
                        self.responses.append(msg)
                    self._cond.notify_all()

    def command(self, command, params=None, timeout=5.0):
        """Send a ctrl_tcp command; return its response dict."""
        token = os.urandom(4).hex()
        obj = {"command": command, "token": token}
        if params is not None:
            obj["params"] = params
        self._send(obj)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.responses:
                    if r.get("token") == token:
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BaresipError("no response to %s" % command)
                self._cond.wait(left)

    def dial(self, uri):
        r = self.command("dial", uri)
        if not r.get("ok"):
            raise BaresipError("dial %s: %s" % (uri, r.get("data")))
        return r

    def hangup(self):
        return self.command("hangup")

    def accept(self):
        return self.command("accept")

    def wait_event(self, types, timeout=10.0, pred=None):
        """The next event (not returned before) whose type is in types
        (a string or a tuple) and that pred accepts; raises on timeout
        with the events seen."""
        if isinstance(types, str):
            types = (types,)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, e in enumerate(self.events):
                    if i in self._taken or e.get("type") not in types:
                        continue
                    if pred is not None and not pred(e):
                        continue
                    self._taken.add(i)
                    return e
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise netutil.WaitTimeout(
                        "baresip %s: no %s within %.0fs (%s); events: %s" % (
                            self.user, "/".join(types), timeout,
                            "running" if self.alive() else "exited",
                            [e.get("type") for e in self.events]))
                self._cond.wait(min(left, 0.5))

    def event_types(self):
        with self._cond:
            return [e.get("type") for e in self.events]

    # recordings -----------------------------------------------------------
    def recordings(self, kind="dec"):
        """sndfile's recordings, oldest first: 'dec' = received audio,
        'enc' = sent audio. Names have one-second resolution."""
        return sorted(glob.glob(os.path.join(self.rec_dir,
                                             "dump-*-%s.wav" % kind)))

    def recording(self, kind="dec"):
        r = self.recordings(kind)
        if not r:
            raise AssertionError("baresip %s made no %s recording" % (
                self.user, kind))
        return r[-1]

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""
