"""The leak audit across separate hosts (issue 6).

Alice and Bob each on a host of their own (a network namespace with its
own address on a veth link, its own host name; Alice also has a second
"LAN" address), each running a softphone with ICE on, onionsip, and the
tor that onionsip launches. The Tor relays, the exit and coturn sit on
the host side. Everything Bob's side receives (his softphone, his
onionsip and his tor on his loopback and link; coturn and the exit on the
host side) is captured and searched for anything of Alice's: her
addresses, her host name, her softphone's name, her +sip.instance UUID,
her softphone's user name (Alice is reachable only as her onion
identity); and the same the other way round. Alice's onionsip runs under
strace: it may connect only to its tor and its softphone, and never
opens resolver files. Then tor dies under Alice's gateway mid-call and
before a call: her phone is told, and nothing leaves her host except
toward the Tor relays.
"""

import os
import re
import time

from lib import capture as capmod
from lib.baresip import Baresip
from lib.capture import Capture
from lib.coturn import Coturn
from lib.gateway import Gateway
from lib.harness import needs
from lib.linphone import Linphone

NEEDS = ("hostnet", "baresip", "linphone", "capture", "onionsip", "strace")
PHONE_SIP_PORT = 5070
BARESIP_CTRL_PORT = 5090        # lib/baresip.py's port inside a namespace
_world = {}


class Phone:
    """baresip or linphonec with one interface for the audit."""

    def __init__(self, kind, workdir, host, user, tone, gw):
        self.kind = kind
        self.host = host
        if kind == "baresip":
            self.p = Baresip(workdir, user, netns=host, tone=tone,
                             sip_port=PHONE_SIP_PORT, ice=True,
                             outbound=gw.proxy)
            self.software = "baresip"
            self.ports = set([PHONE_SIP_PORT]) | set(
                range(self.p.rtp_base, self.p.rtp_base + 20))
        else:
            self.p = Linphone(workdir, user, netns=host, tone=tone,
                              sip_port=PHONE_SIP_PORT, ice=True,
                              proxy=gw.proxy)
            self.software = "linphone"
            self.ports = set([PHONE_SIP_PORT]) | set(
                range(self.p.rtp_port, self.p.rtp_port + 4))
        self.user = user

    def start(self):
        self.p.start()
        return self

    def stop(self):
        self.p.stop()

    @property
    def uri(self):
        return self.p.uri

    def sent(self, pkt):
        """Whether a captured packet came from this softphone (baresip
        binds its host's address; linphonec sends from 127.0.0.1)."""
        addr = self.host.address if self.kind == "baresip" else "127.0.0.1"
        return pkt.src[0] == addr and pkt.src[1] in self.ports

    def uuid(self):
        """The +sip.instance UUID the softphone keeps, if it made one."""
        if self.kind == "baresip":
            path = os.path.join(self.p.dir, "uuid")
            if os.path.exists(path):
                with open(path) as f:
                    return f.read().strip() or None
            return None
        with open(self.p.rc_path, errors="replace") as f:
            m = re.search(r"^uuid=(\S+)", f.read(), re.M)
        return m.group(1) if m else None

    def uuid_needle(self):
        u = self.uuid()
        return u.replace("urn:uuid:", "") if u else None

    def dial(self, uri):
        if self.kind == "baresip":
            self.p.dial(uri)
        else:
            self.p.call(uri)

    def wait_connected(self, timeout):
        if self.kind == "baresip":
            self.p.wait_event("CALL_ESTABLISHED", timeout)
        else:
            self.p.wait_line(r"Call \d+ .*connected", timeout)

    def hangup(self):
        if self.kind == "baresip":
            self.p.hangup()
        else:
            self.p.terminate()

    def wait_closed(self, timeout):
        """The end of the call; returns what the phone said about it."""
        if self.kind == "baresip":
            e = self.p.wait_event("CALL_CLOSED", timeout)
            return "%s (%s)" % (e.get("param"), e.get("peeruri"))
        return self.p.wait_line(r"Call \d+ .*(ended|error|failed|declined)"
                                r".*|.*(Not Found|Unavailable|Busy).*",
                                timeout)


def _setup(ctx):
    """Hosts, coturn, both gateways: once for the file."""
    if "failed" in _world:
        raise AssertionError("the audit's hosts failed to start earlier: %s"
                             % _world["failed"])
    if _world:
        return _world
    try:
        return _start_world(ctx)
    except Exception as e:
        _world["failed"] = str(e).splitlines()[0] if str(e) else repr(e)
        raise


def _start_world(ctx):
    hn = ctx.hostnet
    wd = os.path.join(ctx.workdir, "audit")
    turn = Coturn(os.path.join(wd, "coturn"), address=hn.address)
    # Shared by the whole file: the runner kills what is left at the end
    # and removes the hosts with the network.
    turn.start()
    alice = hn.add_host("alice", lan=True, hostname="alice-laptop-k7")
    bob = hn.add_host("bob", hostname="bobs-desktop-q4")
    prog = ctx.program("onionsip")
    trace = os.path.join(wd, "alice-onionsip.strace")
    ga = Gateway(prog, wd, "alice", "alice", hn.tornet, turn, netns=alice,
                 trace=trace)
    gb = Gateway(prog, wd, "bob", "bob", hn.tornet, turn, netns=bob)
    ga.start()
    gb.start()
    # The first connects fail while the descriptors spread.
    for gw in (ga, gb):
        hn.tornet.wait_onion_reachable(gw.onion + ".onion", 5060, timeout=60)
    _world.update(hn=hn, turn=turn, alice=alice, bob=bob, ga=ga, gb=gb,
                  trace=trace, wd=wd)
    return _world


def _captures(ctx, w, tag):
    """Everything each side receives: loopback inside each host (phone,
    onionsip, tor's SOCKS side), each host's link, and the host side's
    loopback where the relays, the exit and coturn talk."""
    caps = {
        "alice-lo": Capture(["lo"], os.path.join(ctx.tmpdir, tag + "-a.pcapng"),
                            netns=w["alice"]),
        "bob-lo": Capture(["lo"], os.path.join(ctx.tmpdir, tag + "-b.pcapng"),
                          netns=w["bob"]),
        "links": Capture([w["alice"].link, w["alice"].lan_link,
                          w["bob"].link],
                         os.path.join(ctx.tmpdir, tag + "-links.pcapng")),
        "servers": Capture(["lo"], os.path.join(ctx.tmpdir,
                                                tag + "-srv.pcapng"),
                           bpf="host %s" % w["hn"].address),
    }
    for c in caps.values():
        ctx.start(c)
    return caps


def _needles(host, phone):
    n = [host.address, host.hostname, phone.user, phone.software]
    if host.lan_address:
        n.append(host.lan_address)
    if phone.uuid_needle():
        n.append(phone.uuid_needle())
    return n


def _audit(caps, side, phone, needles):
    """Hits of needles in what one side received: its loopback without
    its own softphone's packets (those are its own), and the servers'."""
    pk = [p for p in caps[side + "-lo"].packets() if not phone.sent(p)]
    hits = capmod.search_packets(pk, needles, ignore_case=True)
    hits += caps["servers"].search(needles, ignore_case=True)
    return hits


def _call(caller, callee, uri):
    caller.dial(uri)
    caller.wait_connected(60)
    callee.wait_connected(15)
    time.sleep(3)
    caller.hangup()
    callee.wait_closed(20)
    caller.wait_closed(10)


def _round(ctx, a_kind, b_kind):
    w = _setup(ctx)
    alice, bob, ga, gb = w["alice"], w["bob"], w["ga"], w["gb"]
    caps = _captures(ctx, w, a_kind[0] + b_kind[0])
    ap = ctx.start(Phone(a_kind, ctx.tmpdir, alice, "alicephone", 440, ga))
    bp = ctx.start(Phone(b_kind, ctx.tmpdir, bob, "bobphone", 1000, gb))
    ga.reload(["LocalContact %s" % ap.uri])
    gb.reload(["LocalContact %s" % bp.uri])
    _call(ap, bp, "sip:bob@%s.onion" % gb.onion)
    ctx.log("alice (%s) called bob (%s)" % (a_kind, b_kind))
    _call(bp, ap, "sip:alice@%s.onion" % ga.onion)
    ctx.log("bob (%s) called alice (%s)" % (b_kind, a_kind))
    time.sleep(1)
    for c in caps.values():
        c.stop()
    na, nb = _needles(alice, ap), _needles(bob, bp)
    ctx.log("alice's needles %s; bob's %s" % (na, nb))
    # The needles must be there to be found: what each softphone sent its
    # gateway carries all of them (the LAN address in ICE candidates), so
    # a clean result below means onionsip removed them.
    for side, phone, needles in (("alice", ap, na), ("bob", bp, nb)):
        own = [p for p in caps[side + "-lo"].packets() if phone.sent(p)]
        # (Neither softphone writes its host name, and baresip sends its
        # +sip.instance only with sipnat=outbound: those needles are for
        # whatever else might carry them.)
        for n in needles:
            if n == phone.host.hostname or (
                    phone.kind == "baresip" and n == phone.uuid_needle()):
                continue
            assert capmod.search_packets(own, [n], ignore_case=True), \
                "%s's softphone never sent %r: nothing to catch" % (side, n)
    hits = _audit(caps, "bob", bp, na)
    assert not hits, "bob's side received alice's:\n%s" % "\n".join(
        map(str, hits[:10]))
    hits = _audit(caps, "alice", ap, nb)
    assert not hits, "alice's side received bob's:\n%s" % "\n".join(
        map(str, hits[:10]))
    _only_tor_leaves(caps["links"], w)
    ctx.log("%d packets on the links, none but Tor's; %d to the servers" % (
        len(caps["links"].packets()), len(caps["servers"].packets())))


def _only_tor_leaves(cap, w):
    """Every packet from a host goes to the relays' address; no DNS."""
    relays = w["hn"].address
    mine = {w["alice"].address, w["alice"].lan_address, w["bob"].address}
    # The test drives baresip through ctrl_tcp from the host side: that
    # connection is the test's own, not the softphone's or onionsip's.
    bad = [p for p in cap.packets()
           if p.src[0] in mine and p.dst[0] != relays
           and p.src[1] != BARESIP_CTRL_PORT]
    assert not bad, "left a host for something other than Tor: %s" % bad[:5]
    dns = [p for p in cap.packets() if 53 in (p.src[1], p.dst[1])]
    assert not dns, "DNS on the links: %s" % dns[:5]


@needs(*NEEDS, timeout=420)
def test_audit_baresip_alice_linphonec_bob(ctx):
    """Alice on baresip, Bob on linphonec, ICE on in both: calls each way;
    neither side receives anything of the other but the onion identity
    and relay addresses."""
    _round(ctx, "baresip", "linphone")


@needs(*NEEDS, timeout=300)
def test_audit_linphonec_alice_baresip_bob(ctx):
    """The same with the softphones swapped."""
    _round(ctx, "linphone", "baresip")


@needs(*NEEDS, timeout=120)
def test_audit_alice_onionsip_connects_only_to_tor_and_phone(ctx):
    """From the strace of Alice's onionsip over both rounds: every
    connect/sendto goes to 127.0.0.1 (her tor's ports, her softphone on
    loopback) or her softphone's own address; no resolver file opened."""
    w = _setup(ctx)
    alice = w["alice"]
    out = alice.run(["ss", "-ltnpH"]).stdout.decode()
    tor_ports = {int(m.group(1)) for m in re.finditer(
        r"127\.0\.0\.1:(\d+)\s.*\"tor\"", out)}
    assert tor_ports, "no tor listening inside alice's host:\n" + out
    with open(w["trace"], errors="replace") as f:
        trace = f.read()
    seen = set()
    for m in re.finditer(r"(connect|sendto|sendmsg)\(\d+, .*?sin_port="
                         r"htons\((\d+)\), sin_addr=inet_addr\(\"([\d.]+)"
                         r"\"\)", trace):
        call, port, addr = m.group(1), int(m.group(2)), m.group(3)
        seen.add((call, addr, port))
        if call == "connect" and addr == "127.0.0.1":
            assert port in tor_ports, "connect to 127.0.0.1:%d, not tor " \
                "(%s)" % (port, sorted(tor_ports))
        else:
            assert addr in ("127.0.0.1", alice.address), \
                "%s to %s:%d" % (call, addr, port)
    assert any(c == "connect" and p in tor_ports for c, a, p in seen), \
        "strace saw no connect to tor: is the trace empty?"
    assert "sin6_" not in trace or not re.search(
        r"connect\(\d+, \{sa_family=AF_INET6", trace), "an IPv6 connect"
    for f in ("/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/hosts",
              "/etc/gai.conf"):
        assert f not in trace, "onionsip opened %s" % f
    ctx.log("alice's onionsip: %d distinct destinations, tor ports %s" % (
        len(seen), sorted(tor_ports)))


@needs(*NEEDS, timeout=240)
def test_audit_tor_stopped(ctx):
    """Tor dies under Alice's gateway mid-call: her phone's call ends; a
    call dialled while tor is down is refused with an answer; nothing
    leaves her host but toward the Tor relays meanwhile."""
    w = _setup(ctx)
    alice, bob, ga, gb = w["alice"], w["bob"], w["ga"], w["gb"]
    links = Capture([alice.link, alice.lan_link],
                    os.path.join(ctx.tmpdir, "torstop.pcapng"))
    ctx.start(links)

    ap = ctx.start(Phone("baresip", ctx.tmpdir, alice, "alicephone", 440,
                         ga))
    bp = ctx.start(Phone("baresip", ctx.tmpdir, bob, "bobphone", 1000, gb))
    gb.reload(["LocalContact %s" % bp.uri])
    ap.dial("sip:bob@%s.onion" % gb.onion)
    ap.wait_connected(60)
    tor = ga.tor_pid()
    assert tor, "alice's gateway runs no tor"
    mark = len(ga.text())
    os.kill(tor, 9)
    said = ap.wait_closed(40)
    ctx.log("mid-call tor loss: alice's phone saw %s" % said)

    ga.wait_log(r"tor: back", 60, mark)
    # At call start: onionsip waits a second before it starts tor again,
    # and the dial reaches it within milliseconds.
    time.sleep(2)
    tor = ga.tor_pid()
    assert tor, "alice's gateway did not start tor again"
    os.kill(tor, 9)
    t0 = time.monotonic()
    ap.dial("sip:bob@%s.onion" % gb.onion)
    said = ap.wait_closed(40)
    ctx.log("call while tor is down: %s after %.1f s" % (
        said, time.monotonic() - t0))
    assert re.search(r"50[23]|48[07]|40[48]", said), \
        "no SIP answer with a reason: %r" % said
    links.stop()
    _only_tor_leaves(links, w)
    ctx.log("%d packets left alice's host, all to the relays" %
            len(links.packets()))

