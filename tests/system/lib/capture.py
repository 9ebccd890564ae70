"""Packet capture with dumpcap, and a search of everything captured.

    cap = Capture(["lo", host.link], os.path.join(ctx.tmpdir, "x.pcapng"),
                  bpf="tcp or udp", netns=None)   # or netns=host: inside it
    cap.start()            # returns once dumpcap captures on every interface
    ... traffic ...
    cap.stop()
    hits = cap.search(["10.77.1.2", b"alice-laptop", socket.inet_aton(ip)])
    for h in hits: print(h)      # needle, packet number, flow, context

search() looks at every transport payload (UDP, TCP, ICMP and anything
else above IP) packet by packet, and at each TCP direction reassembled in
sequence order, so a string split across segments is found too.
read_packets() reads pcap or pcapng (Ethernet, Linux cooked v1/v2, raw
IP and loopback link types).
"""

import os
import signal
import socket
import struct

from lib import net as netutil
from lib import proc

DUMPCAP = "dumpcap"


class CaptureError(RuntimeError):
    pass


class Packet:
    """One captured packet: .index (1-based), .proto ('tcp', 'udp', or the
    IP protocol number), .src, .dst ((addr, port) or (addr, None)),
    .payload (bytes above the transport header), .seq (TCP)."""

    __slots__ = ("index", "proto", "src", "dst", "payload", "seq", "flags")

    def __init__(self, index, proto, src, dst, payload, seq=None, flags=0):
        self.index = index
        self.proto = proto
        self.src = src
        self.dst = dst
        self.payload = payload
        self.seq = seq
        self.flags = flags

    def __repr__(self):
        return "<Packet %d %s %s -> %s %dB>" % (
            self.index, self.proto, self.src, self.dst, len(self.payload))


class Hit:
    """A needle found: .needle, .packet (index, or None for a stream),
    .flow ('proto src -> dst'), .offset, .context (bytes around it)."""

    def __init__(self, needle, packet, flow, offset, context):
        self.needle = needle
        self.packet = packet
        self.flow = flow
        self.offset = offset
        self.context = context

    def __repr__(self):
        where = ("packet %d" % self.packet) if self.packet else "stream"
        return "%r in %s %s at %d: %r" % (self.needle, where, self.flow,
                                          self.offset, self.context)


# -- reading capture files -------------------------------------------------

def _records(data):
    """(linktype, frame bytes) of each packet in a pcap/pcapng file."""
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":
        yield from _pcapng_records(data)
        return
    else:
        raise CaptureError("not a pcap/pcapng file")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def _pcapng_records(data):
    off = 0
    e = "<"
    linktypes = []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1:                      # Interface Description Block
            linktypes.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6:                    # Enhanced Packet Block
            ifid, _th, _tl, caplen, _olen = struct.unpack(e + "5I", body[:20])
            lt = linktypes[ifid] if ifid < len(linktypes) else 1
            yield lt, body[20:20 + caplen]
        elif btype == 3:                    # Simple Packet Block
            olen = struct.unpack(e + "I", body[:4])[0]
            yield (linktypes[0] if linktypes else 1), body[4:4 + olen]
        off += blen


def _l3(linktype, frame):
    """(ethertype or None, L3 bytes) for the link types captured here."""
    if linktype == 1:                       # Ethernet
        et = struct.unpack("!H", frame[12:14])[0]
        off = 14
        while et in (0x8100, 0x88A8):       # VLAN tags
            et = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return et, frame[off:]
    if linktype == 113:                     # Linux cooked v1
        return struct.unpack("!H", frame[14:16])[0], frame[16:]
    if linktype == 276:                     # Linux cooked v2
        return struct.unpack("!H", frame[0:2])[0], frame[20:]
    if linktype in (101, 12, 14):           # raw IP
        v = frame[0] >> 4 if frame else 0
        return (0x0800 if v == 4 else 0x86DD), frame
    if linktype in (0, 108):                # BSD loopback
        return None, frame[4:]
    if linktype == 228:
        return 0x0800, frame
    if linktype == 229:
        return 0x86DD, frame
    return None, frame


def read_packets(path):
    """Every packet of a capture file as a Packet (non-IP frames are kept
    whole as payload with proto 'link')."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for i, (lt, frame) in enumerate(_records(data), 1):
        et, l3 = _l3(lt, frame)
        pkt = None
        try:
            if et == 0x0800 and len(l3) >= 20:
                ihl = (l3[0] & 15) * 4
                total = struct.unpack("!H", l3[2:4])[0] or len(l3)
                proto = l3[9]
                src = socket.inet_ntoa(l3[12:16])
                dst = socket.inet_ntoa(l3[16:20])
                pkt = _l4(i, proto, src, dst, l3[ihl:total])
            elif et == 0x86DD and len(l3) >= 40:
                plen = struct.unpack("!H", l3[4:6])[0]
                proto = l3[6]
                src = socket.inet_ntop(socket.AF_INET6, l3[8:24])
                dst = socket.inet_ntop(socket.AF_INET6, l3[24:40])
                pkt = _l4(i, proto, src, dst, l3[40:40 + plen])
        except (struct.error, IndexError, OSError):
            pkt = None
        if pkt is None:
            pkt = Packet(i, "link", (None, None), (None, None), frame)
        out.append(pkt)
    return out


def _l4(index, proto, src, dst, body):
    if proto == 6 and len(body) >= 20:
        sport, dport, seq = struct.unpack("!HHI", body[:8])
        doff = (body[12] >> 4) * 4
        return Packet(index, "tcp", (src, sport), (dst, dport), body[doff:],
                      seq, body[13])
    if proto == 17 and len(body) >= 8:
        sport, dport = struct.unpack("!HH", body[:4])
        return Packet(index, "udp", (src, sport), (dst, dport), body[8:])
    return Packet(index, proto, (src, None), (dst, None), body)


def tcp_streams(packets):
    """{(src, dst): bytes} of each TCP direction, reassembled by sequence
    number (retransmissions and overlaps counted once)."""
    segs = {}
    for p in packets:
        if p.proto == "tcp" and p.payload:
            segs.setdefault((p.src, p.dst), []).append((p.seq, p.payload))
    out = {}
    for key, parts in segs.items():
        parts.sort(key=lambda sp: sp[0])
        base = parts[0][0]
        data = bytearray()
        for seq, payload in parts:
            rel = (seq - base) & 0xFFFFFFFF
            if rel > len(data):             # a gap: keep a marker
                data += b"\0" * min(rel - len(data), 65536)
                rel = len(data)
            end = rel + len(payload)
            if end > len(data):
                data += payload[len(data) - rel:]
        out[key] = bytes(data)
    return out


def _flow(proto, src, dst):
    def a(x):
        return "%s:%s" % x if x[1] is not None else str(x[0])
    return "%s %s -> %s" % (proto, a(src), a(dst))


def search_packets(packets, needles, ignore_case=False, context=24):
    """Hits of every needle (str or bytes) in the packets and TCP streams.
    A needle found in a stream is reported once per stream even when it is
    also inside one packet."""
    ns = [n.encode() if isinstance(n, str) else bytes(n) for n in needles]
    hits = []

    def scan(hay, packet, flow):
        h = hay.lower() if ignore_case else hay
        for orig, n in zip(needles, ns):
            nn = n.lower() if ignore_case else n
            if not nn:
                continue
            start = 0
            while True:
                i = h.find(nn, start)
                if i < 0:
                    break
                hits.append(Hit(orig, packet, flow, i,
                                hay[max(0, i - context):i + len(nn) +
                                    context]))
                start = i + 1
    for p in packets:
        if p.proto != "tcp":
            scan(p.payload, p.index, _flow(p.proto, p.src, p.dst))
    for (src, dst), data in tcp_streams(packets).items():
        scan(data, None, _flow("tcp", src, dst))
    return hits


# -- capturing -------------------------------------------------------------

class Capture:
    """dumpcap on interfaces (in the root namespace, or inside netns) with
    a BPF capture filter, into a pcapng file."""

    def __init__(self, interfaces, path, bpf="", netns=None, snaplen=0):
        if isinstance(interfaces, str):
            interfaces = [interfaces]
        self.interfaces = list(interfaces)
        self.path = os.path.abspath(path)
        self.bpf = bpf
        self.netns = netns
        self.snaplen = snaplen
        self.process = None
        self.log_path = self.path + ".log"

    def argv(self):
        a = [DUMPCAP, "-q", "-n"]
        for i in self.interfaces:
            a += ["-i", i]
            if self.bpf:
                a += ["-f", self.bpf]
            if self.snaplen:
                a += ["-s", str(self.snaplen)]
        a += ["-w", self.path]
        if self.netns is not None:
            a = self.netns.exec_argv(a)
        return a

    def start(self, timeout=15.0):
        """Start dumpcap; return once it captures on every interface."""
        if proc.which(DUMPCAP) is None:
            raise CaptureError("dumpcap not found")
        self.process = proc.spawn("dumpcap", self.argv(),
                                  log_path=self.log_path)

        def ready():
            if not self.process.alive():
                raise CaptureError("dumpcap exited (%s): %s" % (
                    self.process.returncode,
                    " | ".join(self.process.log_tail(8))))
            try:
                with open(self.log_path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                return False
            # "Capturing on 'Loopback: lo' and 'os123h1'"
            line = text[text.find("Capturing on"):].split("\n")[0]
            return "Capturing on" in text and all(
                i in line for i in self.interfaces)
        netutil.wait_until(ready, timeout, "dumpcap to capture on %s" %
                           ", ".join(self.interfaces))
        return self

    def stop(self, timeout=10.0):
        """SIGINT (dumpcap writes out what it has) and wait."""
        if self.process is not None and self.process.alive():
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout)
        if self.process is not None:
            self.process.stop(1)

    def packets(self):
        return read_packets(self.path)

    def search(self, needles, ignore_case=False):
        return search_packets(self.packets(), needles, ignore_case)
