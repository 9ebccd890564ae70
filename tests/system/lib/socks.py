"""A minimal SOCKS5 client (RFC 1928/1929) for fixture checks.

It always sends the destination as a hostname (ATYP 3), never resolves
anything locally, and reports Tor's extended reply codes (SocksPort flag
ExtendedErrors) by number and name.

    sock = socks.connect(("127.0.0.1", tor_socks_port), "x.onion", 5060)
    code, sock = socks.try_connect(...)   # code 0 on success, sock or None

Run by hand (or inside a namespace) as
    python3 socks.py PROXYHOST PROXYPORT HOST PORT [--send TEXT] [--user U]
which prints "reply 0x00 succeeded" and, with --send, the echoed reply.
"""

import socket
import struct

REPLIES = {
    0x00: "succeeded",
    0x01: "general SOCKS server failure",
    0x02: "connection not allowed by ruleset",
    0x03: "network unreachable",
    0x04: "host unreachable",
    0x05: "connection refused",
    0x06: "TTL expired",
    0x07: "command not supported",
    0x08: "address type not supported",
    # Tor's extended errors (onion services), SocksPort ... ExtendedErrors
    0xF0: "onion service descriptor can not be found",
    0xF1: "onion service descriptor is invalid",
    0xF2: "onion service introduction failed",
    0xF3: "onion service rendezvous failed",
    0xF4: "onion service missing client authorization",
    0xF5: "onion service wrong client authorization",
    0xF6: "onion service invalid address",
    0xF7: "onion service introduction timed out",
}


def reply_name(code):
    """'0xF0 onion service descriptor can not be found' style text."""
    return "0x%02X %s" % (code, REPLIES.get(code, "unknown"))


class SocksError(Exception):
    """The proxy refused the request; .code is the SOCKS reply code.

    .code is None when the failure happened before a reply (I/O, auth).
    """

    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def _recv(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SocksError(None, "proxy closed the connection")
        data += chunk
    return data


def handshake(sock, host, port, username=None, password=None):
    """Run the SOCKS5 exchange on a connected socket; raise on refusal.

    Returns the bound (address, port) the proxy reported.
    """
    if isinstance(host, str):
        host = host.encode("idna" if not host.isascii() else "ascii")
    if len(host) > 255:
        raise SocksError(None, "hostname longer than 255 bytes")
    if username is not None:
        sock.sendall(b"\x05\x01\x02")
    else:
        sock.sendall(b"\x05\x01\x00")
    ver, method = _recv(sock, 2)
    if ver != 5:
        raise SocksError(None, "not a SOCKS5 proxy (version %d)" % ver)
    if method == 0x02:
        u = (username or "").encode()
        p = (password or "").encode()
        sock.sendall(b"\x01" + bytes([len(u)]) + u + bytes([len(p)]) + p)
        aver, status = _recv(sock, 2)
        if status != 0:
            raise SocksError(None, "username/password refused (%d)" % status)
    elif method != 0x00:
        raise SocksError(None, "no acceptable method (0x%02x)" % method)
    sock.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host +
                 struct.pack("!H", port))
    ver, rep, _rsv, atyp = _recv(sock, 4)
    if atyp == 1:
        addr = socket.inet_ntoa(_recv(sock, 4))
    elif atyp == 4:
        addr = socket.inet_ntop(socket.AF_INET6, _recv(sock, 16))
    elif atyp == 3:
        addr = _recv(sock, _recv(sock, 1)[0]).decode("ascii", "replace")
    else:
        raise SocksError(rep, "bad address type %d in reply" % atyp)
    bport = struct.unpack("!H", _recv(sock, 2))[0]
    if rep != 0:
        raise SocksError(rep, "SOCKS reply %s" % reply_name(rep))
    return addr, bport


def connect(proxy, host, port, username=None, password=None, timeout=10.0):
    """Connect to host:port through the SOCKS5 proxy (host, port).

    Returns the connected socket (timeout still set); raises SocksError
    with .code set to the reply code when the proxy refuses.
    """
    sock = socket.create_connection(proxy, timeout=timeout)
    try:
        handshake(sock, host, port, username, password)
    except (OSError, SocksError) as e:
        sock.close()
        if isinstance(e, SocksError):
            raise
        raise SocksError(None, "SOCKS I/O: %s" % e) from e
    return sock


def try_connect(proxy, host, port, username=None, password=None,
                timeout=10.0):
    """Like connect() but returns (code, sock_or_None).

    code is the reply code (0 on success) or None when no reply came
    (timeout, proxy gone).
    """
    try:
        return 0, connect(proxy, host, port, username, password, timeout)
    except SocksError as e:
        return e.code, None


def _main(argv):
    import argparse
    import sys
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("proxyhost")
    ap.add_argument("proxyport", type=int)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--user")
    ap.add_argument("--password", default="x")
    ap.add_argument("--send")
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args(argv)
    try:
        s = connect((a.proxyhost, a.proxyport), a.host, a.port,
                    a.user, a.password if a.user else None, a.timeout)
    except (SocksError, OSError) as e:
        code = getattr(e, "code", None)
        print("reply %s" % (reply_name(code) if code is not None else
                            "none: %s" % e))
        return 1
    print("reply %s" % reply_name(0))
    if a.send is not None:
        data = a.send.encode()
        s.sendall(data)
        got = b""
        s.settimeout(a.timeout)
        while len(got) < len(data):
            c = s.recv(4096)
            if not c:
                break
            got += c
        print("echo %s" % got.decode("utf-8", "replace"))
    s.close()
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(_main(sys.argv[1:]))
