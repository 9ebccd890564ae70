#!/usr/bin/env python3
"""Record whole SIP messages that the real baresip and linphonec send.

A fake SIP endpoint on 127.0.0.1 (UDP) plays the other side:
  <client>-invite*.sip    the softphone dials it (INVITE; answered 486)
  <client>-ack.sip        the ACK of that 486
  <client>-register.sip   the softphone registers with it (answered 200)
  <client>-180.sip, <client>-200.sip
                          it calls the softphone, which answers by itself
  <client>-bye-200.sip    the softphone's answer to our BYE
Files are byte-exact (CRLF). Addresses of this machine other than
127.0.0.1 are replaced by documentation addresses (192.0.2.200,
2001:db8::200; baresip's hex ICE foundations too) and the host name by
"recordhost", with Content-Length fixed after the body changed, so the
repository holds nothing of the recording machine; the unit tests treat
those stand-ins as the machine's own.

    python3 tests/captures/sip/record.py       # needs baresip, linphonec
"""

import os
import random
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


def first_line(msg):
    return msg.split(b"\r\n", 1)[0]


def header_lines(msg, names):
    head = msg.partition(b"\r\n\r\n")[0]
    pat = re.compile(rb"(?i)(" + b"|".join(names) + rb")\s*:")
    return [l for l in head.split(b"\r\n")[1:] if pat.match(l)]


def header_value(msg, names):
    for l in header_lines(msg, names):
        return l.split(b":", 1)[1].strip()
    return None


class FakeEndpoint:
    """A UDP SIP endpoint that keeps every message it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.msgs = []
        self.peer = None
        self.stop = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def answer(self, req, code, phrase, extra=b""):
        keep = header_lines(req, [rb"via", rb"v", rb"from", rb"f", rb"to",
                                  rb"t", rb"call-id", rb"i", rb"cseq"])
        keep = [l + b";tag=fake1" if re.match(rb"(?i)(to|t)\s*:", l) and
                b"tag=" not in l else l for l in keep]
        return (b"SIP/2.0 %d %s\r\n" % (code, phrase) + b"\r\n".join(keep) +
                b"\r\n" + extra + b"Content-Length: 0\r\n\r\n")

    def loop(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            if not data.strip():
                continue
            with self.lock:
                self.msgs.append(data)
                self.peer = peer
            line = first_line(data)
            if line.startswith(b"INVITE "):
                self.sock.sendto(self.answer(data, 486, b"Busy Here"), peer)
            elif line.startswith(b"REGISTER "):
                contact = header_value(data, [rb"contact", rb"m"]) or b""
                self.sock.sendto(self.answer(
                    data, 200, b"OK", b"Contact: " + contact +
                    b";expires=600\r\n"), peer)
            elif line.startswith((b"BYE ", b"OPTIONS ", b"CANCEL ")):
                self.sock.sendto(self.answer(data, 200, b"OK"), peer)

    def send(self, data, addr):
        self.sock.sendto(data, addr)

    def wait(self, pred, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                for m in self.msgs:
                    if pred(m):
                        return m
            time.sleep(0.05)
        return None

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def local_addresses():
    out = subprocess.run(["ip", "-o", "addr"], capture_output=True,
                         text=True).stdout
    addrs = re.findall(r"inet6? ([0-9a-fA-F:.]+)/", out)
    return [a for a in addrs if a not in ("127.0.0.1", "::1")]


def scrub(msg):
    text = msg.decode("latin-1")
    for a in sorted(local_addresses(), key=len, reverse=True):
        text = text.replace(a, "2001:db8::200" if ":" in a else "192.0.2.200")
        if ":" not in a:  # baresip's ICE foundations: the address in hex
            hexa = "".join("%02x" % int(o) for o in a.split("."))
            text = text.replace(hexa, "c00002c8")
    host = socket.gethostname()
    if len(host) >= 3:
        text = text.replace(host, "recordhost")
    head, sep, body = text.partition("\r\n\r\n")
    head = re.sub(r"(?im)^(content-length|l)\s*:\s*\d+",
                  lambda m: "%s: %d" % (m.group(1), len(body)), head)
    return (head + sep + body).encode("latin-1")


def save(name, msg):
    if msg is None:
        print("%s: nothing captured" % name)
        return
    path = os.path.join(HERE, name + ".sip")
    with open(path, "wb") as f:
        f.write(scrub(msg))
    print("%s: %d bytes" % (path, len(msg)))


def offer_invite(ep, target_uri, target_addr, callid):
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
           % random.randint(20000, 30000)).encode()
    return (b"INVITE %s SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%d;rport\r\n"
            b"Max-Forwards: 70\r\n"
            b"From: <sip:fake@127.0.0.1:%d>;tag=fk1\r\n"
            b"To: <%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
            b"Contact: <sip:fake@127.0.0.1:%d>\r\n"
            b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
            % (target_uri.encode(), ep.port, random.randint(1, 1 << 30),
               ep.port, target_uri.encode(), callid, ep.port, len(sdp)) +
            sdp)


def in_dialog(ep, method, ok, callid, cseq):
    to = header_value(ok, [rb"to", rb"t"])
    contact = header_value(ok, [rb"contact", rb"m"]) or b""
    m = re.search(rb"<([^>]+)>", contact)
    ruri = m.group(1) if m else b"sip:x@127.0.0.1"
    return (b"%s %s SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%d;rport\r\n"
            b"Max-Forwards: 70\r\nFrom: <sip:fake@127.0.0.1:%d>;tag=fk1\r\n"
            b"To: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
            b"Content-Length: 0\r\n\r\n"
            % (method, ruri, ep.port, random.randint(1, 1 << 30), ep.port,
               to, callid, cseq, method))


def record_outgoing(name, make, dial):
    ep = FakeEndpoint()
    with tempfile.TemporaryDirectory() as tmp:
        phone = make(tmp)
        phone.start()
        try:
            dial(phone, "sip:bob@127.0.0.1:%d" % ep.port)
            inv = ep.wait(lambda m: first_line(m).startswith(b"INVITE "))
            ack = ep.wait(lambda m: first_line(m).startswith(b"ACK "), 5)
        finally:
            phone.stop()
            ep.close()
    save(name + "-invite", inv)
    if ack is not None:
        save(name + "-ack", ack)


def record_register(name, make):
    ep = FakeEndpoint()
    with tempfile.TemporaryDirectory() as tmp:
        phone = make(tmp, ep.port)
        phone.start()
        try:
            reg = ep.wait(lambda m: first_line(m).startswith(b"REGISTER "))
        finally:
            phone.stop()
            ep.close()
    save(name + "-register", reg)


def record_incoming(name, make):
    ep = FakeEndpoint()
    callid = b"rec%d@127.0.0.1" % random.randint(1, 1 << 30)
    with tempfile.TemporaryDirectory() as tmp:
        phone = make(tmp)
        phone.start()
        try:
            addr = ("127.0.0.1", phone.sip_port)
            ep.send(offer_invite(ep, phone.uri, addr, callid), addr)
            ringing = ep.wait(lambda m: first_line(m).startswith(
                b"SIP/2.0 18"), 10)
            ok = ep.wait(lambda m: first_line(m).startswith(b"SIP/2.0 200")
                         and b"INVITE" in (header_value(
                             m, [rb"cseq"]) or b""), 10)
            bye_ok = None
            if ok is not None:
                ep.send(in_dialog(ep, b"ACK", ok, callid, 1), addr)
                time.sleep(0.5)
                ep.send(in_dialog(ep, b"BYE", ok, callid, 2), addr)
                bye_ok = ep.wait(lambda m: first_line(m).startswith(
                    b"SIP/2.0 200") and b"BYE" in (header_value(
                        m, [rb"cseq"]) or b""), 5)
        finally:
            phone.stop()
            ep.close()
    save(name + "-180", ringing)
    save(name + "-200", ok)
    if bye_ok is not None:
        save(name + "-bye-200", bye_ok)


def main():
    try:
        record_outgoing("baresip", lambda d: Baresip(d, "alice", tone=None),
                        lambda p, u: p.dial(u))
        record_outgoing("baresip-ice", lambda d: Baresip(
            d, "alice", tone=None, ice=True), lambda p, u: p.dial(u))
        record_register("baresip", lambda d, port: Baresip(
            d, "alice", tone=None, register=True, regint=600,
            aor="sip:alice@127.0.0.1",
            outbound="sip:127.0.0.1:%d" % port,
            account_params="sipnat=outbound"))
        record_incoming("baresip", lambda d: Baresip(d, "bob", tone=None))
        record_outgoing("linphonec", lambda d: Linphone(
            d, "carol", tone=None), lambda p, u: p.call(u))
        record_register("linphonec", lambda d, port: Linphone(
            d, "carol", tone=None, register=True,
            proxy="sip:127.0.0.1:%d" % port))
        record_incoming("linphonec", lambda d: Linphone(
            d, "dave", tone=None, autoanswer=True))
    finally:
        proc.kill_all()


if __name__ == "__main__":
    main()
