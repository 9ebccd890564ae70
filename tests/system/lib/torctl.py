"""A minimal Tor control-port client (control-spec.txt) for fixture checks.

    c = TorControl("127.0.0.1", port, cookie_path)   # connects, authenticates
    c.getinfo("status/bootstrap-phase")
    sid, key = c.add_onion([(5060, "127.0.0.1:5070")])
    c.onion_client_auth_add(sid, base64_private_key)
    c.close()

Replies are parsed into (status code, list of lines); asynchronous events
(6xx) that arrive in between are kept in .events.
"""

import re
import socket


class ControlError(Exception):
    """tor answered a command with a non-2xx status; .status, .lines."""

    def __init__(self, status, lines, command):
        super().__init__("%s -> %d %s" % (command.split(" ")[0], status,
                                          " | ".join(lines)))
        self.status = status
        self.lines = lines


class TorControl:
    """One authenticated control connection (cookie authentication)."""

    def __init__(self, address, port, cookie_path=None, timeout=10.0,
                 password=None):
        self.sock = socket.create_connection((address, port), timeout=timeout)
        self.file = self.sock.makefile("rb")
        self.events = []
        try:
            if cookie_path is not None:
                with open(cookie_path, "rb") as f:
                    cookie = f.read()
                self.command("AUTHENTICATE " + cookie.hex())
            elif password is not None:
                self.command('AUTHENTICATE "%s"' % password)
            else:
                self.command("AUTHENTICATE")
        except BaseException:
            self.close()
            raise

    def close(self):
        for x in (self.file, self.sock):
            try:
                x.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _readline(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("control connection closed")
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def read_reply(self):
        """Read one full reply; returns (status, lines). 6xx go to events."""
        while True:
            lines = []
            status = None
            while True:
                line = self._readline()
                if len(line) < 4:
                    raise ConnectionError("bad control line %r" % line)
                status = int(line[:3])
                sep = line[3]
                text = line[4:]
                if sep == "+":
                    data = [text]
                    while True:
                        d = self._readline()
                        if d == ".":
                            break
                        data.append(d[1:] if d.startswith("..") else d)
                    lines.append("\n".join(data))
                    continue
                lines.append(text)
                if sep == " ":
                    break
            if 600 <= status < 700:
                self.events.append(lines)
                continue
            return status, lines

    def command(self, line):
        """Send one command; return its reply lines; raise on non-2xx."""
        self.sock.sendall(line.encode() + b"\r\n")
        status, lines = self.read_reply()
        if not 200 <= status < 300:
            raise ControlError(status, lines, line)
        return lines

    def getinfo(self, *keys):
        """GETINFO keys -> {key: value}."""
        lines = self.command("GETINFO " + " ".join(keys))
        out = {}
        for l in lines:
            if "=" in l:
                k, v = l.split("=", 1)
                if v.startswith("\n"):
                    v = v[1:]
                out[k] = v
        return out

    def getconf(self, key):
        lines = self.command("GETCONF " + key)
        return [l.split("=", 1)[1] if "=" in l else "" for l in lines]

    def setconf(self, **kv):
        parts = ['%s="%s"' % (k, v) for k, v in kv.items()]
        self.command("SETCONF " + " ".join(parts))

    def signal(self, name):
        self.command("SIGNAL " + name)

    def bootstrap_progress(self):
        """Bootstrap percentage (0..100) from status/bootstrap-phase."""
        v = self.getinfo("status/bootstrap-phase")["status/bootstrap-phase"]
        m = re.search(r"PROGRESS=(\d+)", v)
        return int(m.group(1)) if m else 0

    def add_onion(self, ports, key="NEW:ED25519-V3", flags=(),
                  client_auth=()):
        """ADD_ONION; ports is [(virtual, "addr:port"), ...].

        client_auth: base32 x25519 public keys (adds Flags=V3Auth).
        Returns (service_id, private_key or None); the service is detached
        (Flags=Detach) so it outlives this connection.
        """
        flags = list(flags)
        if "Detach" not in flags:
            flags.append("Detach")
        if client_auth and "V3Auth" not in flags:
            flags.append("V3Auth")
        cmd = "ADD_ONION %s Flags=%s" % (key, ",".join(flags))
        for virt, target in ports:
            cmd += " Port=%d,%s" % (virt, target)
        for pk in client_auth:
            cmd += " ClientAuthV3=%s" % pk
        sid = None
        priv = None
        for l in self.command(cmd):
            if l.startswith("ServiceID="):
                sid = l.split("=", 1)[1]
            elif l.startswith("PrivateKey="):
                priv = l.split("=", 1)[1]
        return sid, priv

    def del_onion(self, service_id):
        self.command("DEL_ONION " + service_id)

    def onion_client_auth_add(self, service_id, private_key_b64,
                              nickname=None):
        """ONION_CLIENT_AUTH_ADD <sid> x25519:<base64 private key>."""
        sid = service_id[:-6] if service_id.endswith(".onion") else service_id
        cmd = "ONION_CLIENT_AUTH_ADD %s x25519:%s" % (sid, private_key_b64)
        if nickname:
            cmd += " ClientName=%s" % nickname
        self.command(cmd)

    def onion_client_auth_remove(self, service_id):
        sid = service_id[:-6] if service_id.endswith(".onion") else service_id
        self.command("ONION_CLIENT_AUTH_REMOVE %s" % sid)
