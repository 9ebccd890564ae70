"""Raw STUN/TURN over a TCP stream (RFC 5389, RFC 5766), for fixture checks.

Enough to prove a TURN server works, from here or through Tor: an
unauthenticated Allocate (answered 401 with REALM and NONCE), an
authenticated Allocate with long-term credentials, Refresh.

    t = TurnTcpClient(sock)                 # any connected stream socket
    err = t.allocate_unauthenticated()      # -> Message, err.error == 401
    ok = t.allocate("alice", "secret")      # -> Message, ok.relayed, .lifetime
    t.refresh(0)                            # deallocate
"""

import hashlib
import hmac
import os
import socket
import struct
import zlib

MAGIC = 0x2112A442

BINDING = 0x0001
ALLOCATE = 0x0003
REFRESH = 0x0004
CLASS_REQUEST = 0x0000
CLASS_SUCCESS = 0x0100
CLASS_ERROR = 0x0110

A_MAPPED = 0x0001
A_USERNAME = 0x0006
A_MESSAGE_INTEGRITY = 0x0008
A_ERROR_CODE = 0x0009
A_LIFETIME = 0x000D
A_REALM = 0x0014
A_NONCE = 0x0015
A_XOR_RELAYED = 0x0016
A_REQUESTED_TRANSPORT = 0x0019
A_XOR_MAPPED = 0x0020
A_SOFTWARE = 0x8022
A_FINGERPRINT = 0x8028


class Message:
    """A decoded STUN message: .method, .cls, .tid, .attrs [(type, value)]."""

    def __init__(self, mtype, tid, attrs, raw=b""):
        self.type = mtype
        self.method = mtype & 0x3EEF
        self.cls = mtype & 0x0110
        self.tid = tid
        self.attrs = attrs
        self.raw = raw

    def get(self, atype):
        for t, v in self.attrs:
            if t == atype:
                return v
        return None

    @property
    def error(self):
        """The error code number (e.g. 401) or None."""
        v = self.get(A_ERROR_CODE)
        if v is None:
            return None
        return (v[2] & 7) * 100 + v[3]

    @property
    def reason(self):
        v = self.get(A_ERROR_CODE)
        return v[4:].decode("utf-8", "replace") if v else ""

    @property
    def realm(self):
        v = self.get(A_REALM)
        return v.decode("utf-8", "replace") if v is not None else None

    @property
    def nonce(self):
        return self.get(A_NONCE)

    @property
    def lifetime(self):
        v = self.get(A_LIFETIME)
        return struct.unpack("!I", v)[0] if v else None

    def xor_address(self, atype):
        v = self.get(atype)
        if v is None or v[1] != 1:
            return None
        port = struct.unpack("!H", v[2:4])[0] ^ (MAGIC >> 16)
        addr = struct.unpack("!I", v[4:8])[0] ^ MAGIC
        return socket.inet_ntoa(struct.pack("!I", addr)), port

    @property
    def relayed(self):
        """(address, port) of XOR-RELAYED-ADDRESS, or None."""
        return self.xor_address(A_XOR_RELAYED)

    @property
    def mapped(self):
        return self.xor_address(A_XOR_MAPPED)

    def __repr__(self):
        return "<STUN 0x%04x error=%s attrs=%s>" % (
            self.type, self.error, [hex(t) for t, v in self.attrs])


def _attr(atype, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", atype, len(value)) + value + b"\0" * pad


def encode(mtype, tid, attrs, key=None, fingerprint=True):
    """Encode a message; with key, add MESSAGE-INTEGRITY (HMAC-SHA1)."""
    body = b"".join(_attr(t, v) for t, v in attrs)
    if key is not None:
        hdr = struct.pack("!HHI", mtype, len(body) + 24, MAGIC) + tid
        mac = hmac.new(key, hdr + body, hashlib.sha1).digest()
        body += _attr(A_MESSAGE_INTEGRITY, mac)
    if fingerprint:
        hdr = struct.pack("!HHI", mtype, len(body) + 8, MAGIC) + tid
        crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += _attr(A_FINGERPRINT, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), MAGIC) + tid + body


def decode(data):
    """Decode one whole message (header + body)."""
    mtype, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC:
        raise ValueError("not STUN (magic %08x)" % magic)
    tid = data[8:20]
    attrs = []
    off = 20
    while off + 4 <= 20 + length:
        t, l = struct.unpack("!HH", data[off:off + 4])
        attrs.append((t, data[off + 4:off + 4 + l]))
        off += 4 + l + (4 - l % 4) % 4
    return Message(mtype, tid, attrs, data[:20 + length])


def long_term_key(username, realm, password):
    """RFC 5389 15.4: MD5(username ":" realm ":" password)."""
    return hashlib.md5(("%s:%s:%s" % (username, realm, password)).encode()
                       ).digest()


class TurnTcpClient:
    """TURN requests over one connected stream socket (TCP, or a SOCKS
    connection through Tor)."""

    def __init__(self, sock, timeout=10.0):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.realm = None
        self.nonce = None
        self.key = None
        self.username = None

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("TURN server closed the connection")
            data += chunk
        return data

    def transact(self, mtype, attrs, key=None):
        tid = os.urandom(12)
        self.sock.sendall(encode(mtype, tid, attrs, key))
        while True:
            hdr = self._recv(20)
            length = struct.unpack("!H", hdr[2:4])[0]
            msg = decode(hdr + self._recv(length))
            if msg.tid == tid:
                return msg

    def allocate_unauthenticated(self):
        """Allocate without credentials: a 401 with REALM and NONCE."""
        m = self.transact(ALLOCATE, [(A_REQUESTED_TRANSPORT,
                                      b"\x11\0\0\0")])
        if m.error in (401, 438):
            self.realm, self.nonce = m.realm, m.nonce
        return m

    def allocate(self, username, password, lifetime=None):
        """Allocate with long-term credentials; returns the final answer
        (success: .relayed, .lifetime; failure: .error)."""
        if self.nonce is None:
            first = self.allocate_unauthenticated()
            if first.error != 401:
                return first
        self.username = username
        self.key = long_term_key(username, self.realm, password)
        for _ in range(2):          # once more on 438 Stale Nonce
            attrs = [(A_REQUESTED_TRANSPORT, b"\x11\0\0\0")]
            if lifetime is not None:
                attrs.append((A_LIFETIME, struct.pack("!I", lifetime)))
            m = self.transact(ALLOCATE, attrs + self._auth(), self.key)
            if m.error == 438:
                self.nonce = m.nonce
                continue
            return m
        return m

    def refresh(self, lifetime=None):
        """Refresh the allocation (lifetime 0 deletes it)."""
        for _ in range(2):
            attrs = []
            if lifetime is not None:
                attrs.append((A_LIFETIME, struct.pack("!I", lifetime)))
            m = self.transact(REFRESH, attrs + self._auth(), self.key)
            if m.error == 438:
                self.nonce = m.nonce
                continue
            return m
        return m

    def _auth(self):
        return [(A_USERNAME, self.username.encode()),
                (A_REALM, self.realm.encode()),
                (A_NONCE, self.nonce)]
