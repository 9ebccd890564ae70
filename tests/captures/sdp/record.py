#!/usr/bin/env python3
"""Record the SDP offers that the real baresip and linphonec send.

Each softphone dials a fake SIP server on 127.0.0.1 (UDP) that keeps the
INVITE's body and answers 486 Busy Here. The bodies are written here as
<client>-<variant>.sdp, byte-exact (CRLF). Addresses of this machine other
than 127.0.0.1 are replaced by documentation addresses (192.0.2.200,
2001:db8::200) so the repository holds none of the recording machine's
addresses; the unit test treats those as the machine's own.

    python3 tests/captures/sdp/record.py       # needs baresip, linphonec
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "system"))

from lib import proc  # noqa: E402
from lib.baresip import Baresip  # noqa: E402
from lib.linphone import Linphone  # noqa: E402


class FakeServer:
    """A UDP SIP endpoint that keeps INVITE bodies and answers 486."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.3)
        self.port = self.sock.getsockname()[1]
        self.bodies = []
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            if not lines[0].startswith(b"INVITE "):
                continue
            self.bodies.append(body)
            keep = [l for l in lines[1:] if re.match(
                rb"(?i)(via|v|from|f|to|t|call-id|i|cseq):", l)]
            resp = b"SIP/2.0 486 Busy Here\r\n" + b"\r\n".join(keep) + \
                b"\r\nContent-Length: 0\r\n\r\n"
            self.sock.sendto(resp, peer)

    def wait(self, timeout=10):
        end = time.time() + timeout
        while not self.bodies and time.time() < end:
            time.sleep(0.05)
        return self.bodies[0] if self.bodies else None

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def local_addresses():
    out = subprocess.run(["ip", "-o", "addr"], capture_output=True,
                         text=True).stdout
    addrs = re.findall(r"inet6? ([0-9a-fA-F:.]+)/", out)
    return [a for a in addrs if a not in ("127.0.0.1", "::1")]


def scrub(body):
    text = body.decode("latin-1")
    for a in sorted(local_addresses(), key=len, reverse=True):
        text = text.replace(a, "2001:db8::200" if ":" in a else "192.0.2.200")
        if ":" not in a:  # baresip's ICE foundations: the address in hex
            hexa = "".join("%02x" % int(o) for o in a.split("."))
            text = text.replace(hexa, "c00002c8")
    return text.encode("latin-1")


def record(name, make):
    srv = FakeServer()
    with tempfile.TemporaryDirectory() as tmp:
        phone = make(tmp)
        phone.start()
        try:
            uri = "sip:bob@127.0.0.1:%d" % srv.port
            if isinstance(phone, Baresip):
                phone.dial(uri)
            else:
                phone.call(uri)
            body = srv.wait()
        finally:
            phone.stop()
            srv.close()
    if not body:
        print("%s: no INVITE body" % name)
        return
    path = os.path.join(HERE, name + ".sdp")
    with open(path, "wb") as f:
        f.write(scrub(body))
    print("%s: %d bytes" % (path, len(body)))


def main():
    try:
        record("baresip-g711", lambda d: Baresip(d, "alice", tone=None))
        record("baresip-opus-mux", lambda d: Baresip(
            d, "alice", tone=None, rtcp_mux=True,
            codecs=("opus.so", "g711.so")))
        record("baresip-srtp", lambda d: Baresip(
            d, "alice", tone=None, extra_modules=("srtp.so",),
            account_params="mediaenc=srtp"))
        record("baresip-ice", lambda d: Baresip(d, "alice", tone=None,
                                                ice=True))
        record("linphonec", lambda d: Linphone(d, "carol", tone=None))
        record("linphonec-ice", lambda d: Linphone(d, "carol", tone=None,
                                                   ice=True))
        record("linphonec-srtp", lambda d: Linphone(
            d, "carol", tone=None,
            extra_rc={"sip": {"media_encryption": "srtp"}}))
    finally:
        proc.kill_all()


if __name__ == "__main__":
    main()
