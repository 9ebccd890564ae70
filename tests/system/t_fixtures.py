"""Self-tests of the system-test fixtures, each against the real program.

These prove the framework the other system tests stand on: the runner,
the private Tor network, coturn, the softphones and tone analysis, the
network namespaces and packet capture.
"""

import os
import re
import socket
import subprocess
import sys
import time

from lib import audio, net, proc, socks, stun
from lib.baresip import Baresip
from lib.capture import Capture
from lib.coturn import Coturn
from lib.linphone import Linphone
from lib.harness import needs
from lib.onionkeys import ClientAuthKey, onion_address, unpublished_onion
from lib.torctl import ControlError

HERE = os.path.dirname(os.path.abspath(__file__))


def _runner(args, env_extra, timeout=60):
    env = dict(os.environ)
    env.update(env_extra)
    return subprocess.run([sys.executable, os.path.join(HERE, "run.py")] +
                          args, capture_output=True, text=True, env=env,
                          timeout=timeout)


# -- the runner ---------------------------------------------------------

def test_runner_disabled_reports_skip(ctx):
    """--disable-system-tests: a correct plan, every case SKIP."""
    r = _runner(["fixtures."], {"ONIONSIP_SYSTEM_TESTS": "no",
                                "ONIONSIP_TESTS": ""})
    lines = r.stdout.splitlines()
    plan = re.match(r"^1\.\.(\d+)$", lines[0])
    assert plan, r.stdout
    results = [l for l in lines if re.match(r"^(not )?ok \d+ ", l)]
    assert len(results) == int(plan.group(1)) > 5, r.stdout
    assert all(" # SKIP system tests disabled" in l for l in results), \
        r.stdout
    assert r.returncode == 0, r.returncode


def test_runner_failed_bootstrap_fails_cases(ctx):
    """A Tor network that cannot start fails the cases needing it, loudly,
    once, and the runner still prints a full plan and cleans up."""
    r = _runner(["fixtures.tornet_", "fixtures.onion_"],
                {"ONIONSIP_TOR": "/bin/false", "ONIONSIP_SYSTEM_TESTS": "yes"})
    lines = r.stdout.splitlines()
    n = int(re.match(r"^1\.\.(\d+)$", lines[0]).group(1))
    results = [l for l in lines if re.match(r"^(not )?ok \d+ ", l)]
    assert n >= 2 and len(results) == n, r.stdout
    assert all(l.startswith("not ok") for l in results), r.stdout
    assert "tornet failed to start" in r.stdout, r.stdout
    assert "failed to start earlier in this run" in r.stdout, r.stdout
    assert r.returncode == 1, r.returncode
    kept = re.search(r"^# work folder (\S+)$", r.stdout, re.M).group(1)
    assert not os.path.exists(kept), "temp folder %s left behind" % kept


# -- the private Tor network -------------------------------------------

@needs("tornet")
def test_tornet_exit_round_trip(ctx):
    """A client reaches an echo server on the network's address through
    the exit; reports bootstrap timings and the network's footprint."""
    tn = ctx.tornet
    ctx.log("bootstrap: %s" % ", ".join("%s %.1fs" % kv for kv in
                                        sorted(tn.timings.items())))
    ctx.log(tn.stats_text())
    with net.EchoServer(tn.address) as echo:
        s = socks.connect(tn.client.socks, tn.address, echo.port)
        with s:
            rtts = []
            for i in range(20):
                msg = b"hello %d" % i
                t = time.monotonic()
                s.sendall(msg)
                assert net.recv_exactly(s, len(msg)) == msg
                rtts.append(time.monotonic() - t)
        rtts.sort()
        ctx.log("exit round trip median %.2f ms, max %.2f ms" % (
            rtts[len(rtts) // 2] * 1000, rtts[-1] * 1000))
        assert echo.connections == 1
        # The exit, not the client, made the connection.
        assert echo.peers[0][0] == tn.address


@needs("tornet")
def test_tornet_control_port(ctx):
    """Cookie authentication, GETINFO, and a clear error on a bad command."""
    with ctx.tornet.client.control() as c:
        assert c.bootstrap_progress() == 100
        info = c.getinfo("version", "net/listeners/socks")
        assert info["version"].startswith("0."), info
        assert str(ctx.tornet.client.socks_port) in \
            info["net/listeners/socks"], info
        try:
            c.command("NOSUCHCOMMAND")
        except ControlError as e:
            assert e.status == 510, e
        else:
            raise AssertionError("tor accepted NOSUCHCOMMAND")


@needs("tornet")
def test_tornet_socks_extended_errors(ctx):
    """Tor's extended SOCKS errors come back by number: F6 for a bad
    onion address, F0 for a valid one nobody publishes."""
    tn = ctx.tornet
    code, s = socks.try_connect(tn.client.socks, "notanonion.onion", 80)
    assert code == 0xF6, socks.reply_name(code) if code is not None else code
    code, s = socks.try_connect(tn.client.socks, unpublished_onion(), 80,
                                timeout=30)
    assert code == 0xF0, socks.reply_name(code) if code is not None else code


def _echo_through(tn, client, host, port, username=None):
    s = socks.connect(client.socks, host, port, username,
                      "x" if username else None, timeout=15)
    with s:
        s.sendall(b"ping over tor")
        return net.recv_exactly(s, 13)


@needs("tornet")
def test_onion_add_onion(ctx):
    """ADD_ONION on a control port: the service becomes reachable and
    carries bytes both ways (the first tries usually fail with F0-F7)."""
    tn = ctx.tornet
    echo = net.EchoServer()
    ctx.cleanup(echo.stop)
    bob = tn.add_client("addonion")
    ctx.cleanup(bob.stop)
    t = time.monotonic()
    svc = tn.add_onion_service(bob, echo.port, virtual_port=5060)
    assert re.match(r"^[a-z2-7]{56}\.onion$", svc.hostname), svc.hostname
    codes = tn.wait_onion_reachable(svc.hostname, 5060)
    ctx.log("reachable %.1fs after ADD_ONION; failed tries: %s" % (
        time.monotonic() - t, [socks.reply_name(c) for c in codes]))
    assert _echo_through(tn, tn.client, svc.hostname, 5060) == \
        b"ping over tor"


@needs("tornet")
def test_onion_hidden_service_dir(ctx):
    """HiddenServiceDir in a torrc (added to a running client by SIGHUP);
    the address matches the service's public key."""
    tn = ctx.tornet
    echo = net.EchoServer()
    ctx.cleanup(echo.stop)
    carol = tn.add_client("hsdir")
    ctx.cleanup(carol.stop)
    svc = tn.add_onion_service(carol, echo.port, virtual_port=80,
                               method="torrc")
    with open(os.path.join(svc.hs_dir, "hs_ed25519_public_key"), "rb") as f:
        pub = f.read()[-32:]
    assert onion_address(pub) == svc.hostname, (svc.hostname, pub.hex())
    tn.wait_onion_reachable(svc.hostname, 80)
    assert _echo_through(tn, tn.client, svc.hostname, 80) == b"ping over tor"


@needs("tornet")
def test_tornet_client_restart(ctx):
    """A client tor killed and started again comes back on the same ports
    with the same ADD_ONION address."""
    tn = ctx.tornet
    echo = net.EchoServer()
    ctx.cleanup(echo.stop)
    dave = tn.add_client("restart")
    ctx.cleanup(dave.stop)
    svc = tn.add_onion_service(dave, echo.port, virtual_port=5060)
    tn.wait_onion_reachable(svc.hostname, 5060)
    ports = (dave.socks_port, dave.control_port)
    old_pid = dave.pid
    dave.kill()
    assert not net.tcp_open("127.0.0.1", dave.socks_port)
    t = time.monotonic()
    dave.start()
    ctx.log("restarted and bootstrapped in %.1fs" % (time.monotonic() - t))
    assert (dave.socks_port, dave.control_port) == ports
    assert dave.pid != old_pid
    with dave.control() as c:
        onions = c.getinfo("onions/detached")["onions/detached"]
    assert svc.service_id in onions, onions
    tn.wait_onion_reachable(svc.hostname, 5060)
    # and its own SocksPort works again
    assert _echo_through(tn, dave, tn.address, echo.port) == b"ping over tor"


@needs("tornet", "openssl")
def test_onion_client_auth(ctx):
    """v3 client authorization: no key F4, a wrong key F5, the right key
    (from a ClientOnionAuthDir file or ONION_CLIENT_AUTH_ADD) connects."""
    tn = ctx.tornet
    echo = net.EchoServer()
    ctx.cleanup(echo.stop)
    good, bad = ClientAuthKey.generate(), ClientAuthKey.generate()
    assert len(good.public_b32) == 52 and len(good.private_b64) == 44
    svc_client = tn.add_client("authsvc")
    ctx.cleanup(svc_client.stop)
    svc = tn.add_onion_service(svc_client, echo.port, virtual_port=5060,
                               client_auth_pubkeys=[good.public_b32])
    # A client with the key in its ClientOnionAuthDir.
    auth_dir = os.path.join(ctx.tmpdir, "auth")
    good.write_client_file(auth_dir, svc.hostname)
    with_file = tn.add_client("authfile", client_auth_dir=auth_dir)
    ctx.cleanup(with_file.stop)
    tn.wait_onion_reachable(svc.hostname, 5060, client=with_file)
    assert _echo_through(tn, with_file, svc.hostname, 5060) == \
        b"ping over tor"
    # The shared client has no key: F4.
    code, s = socks.try_connect(tn.client.socks, svc.hostname, 5060,
                                timeout=30)
    assert code == 0xF4, socks.reply_name(code) if code is not None else code
    # A wrong key through the control port: F5; the right one connects.
    other = tn.add_client("authctl")
    ctx.cleanup(other.stop)
    with other.control() as c:
        c.onion_client_auth_add(svc.hostname, bad.private_b64)
    code, s = socks.try_connect(other.socks, svc.hostname, 5060, timeout=30)
    assert code == 0xF5, socks.reply_name(code) if code is not None else code
    with other.control() as c:
        c.onion_client_auth_remove(svc.hostname)
        c.onion_client_auth_add(svc.hostname, good.private_b64)
    tn.wait_onion_reachable(svc.hostname, 5060, client=other)


# -- coturn -------------------------------------------------------------

@needs("coturn", "turnutils_uclient", "turnutils_peer")
def test_coturn_uclient_tcp_allocation(ctx):
    """coturn relays: turnutils_uclient over TCP to turnutils_peer, with
    the shared server's long-term credentials, loses nothing."""
    t = ctx.coturn
    peer_port = net.free_ports(1, t.address)[0]
    peer = proc.spawn("turnutils_peer", ["turnutils_peer", "-L", t.address,
                                         "-p", str(peer_port)],
                      log_path=os.path.join(ctx.tmpdir, "peer.log"))
    ctx.cleanup(peer.stop)
    time.sleep(0.3)
    r = proc.run(["turnutils_uclient", "-t", "-u", "alice", "-w",
                  t.users["alice"], "-e", t.address, "-r", str(peer_port),
                  "-n", "20", "-l", "172", "-p", str(t.port), t.address],
                 timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    m = re.search(r"tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$", out,
                  re.M)
    lost = re.search(r"Total lost packets (\d+)", out)
    assert m and lost, out[-1500:]
    ctx.log("uclient sent %s, received %s, lost %s" % (
        m.group(1), m.group(2), lost.group(1)))
    assert int(m.group(1)) > 0 and m.group(1) == m.group(2), out[-800:]
    assert lost.group(1) == "0", out[-800:]


@needs("tornet", "coturn")
def test_coturn_through_tor_exit(ctx):
    """coturn is reachable through the Tor exit: a raw STUN Allocate over
    a SOCKS connection gets 401 with a nonce, then a relayed address."""
    tn, t = ctx.tornet, ctx.coturn
    assert t.address == tn.address
    s = socks.connect(tn.client.socks, t.address, t.port, timeout=15)
    ctx.cleanup(s.close)
    c = stun.TurnTcpClient(s)
    first = c.allocate_unauthenticated()
    assert first.error == 401 and first.nonce and \
        first.realm == t.realm, first
    assert first.get(stun.A_SOFTWARE) is None, "coturn sent SOFTWARE"
    ok = c.allocate("alice", t.users["alice"])
    assert ok.error is None and ok.relayed, (ok, ok.reason)
    ctx.log("relayed %s:%d, lifetime %ds, mapped (the exit) %s:%d" % (
        ok.relayed + (ok.lifetime,) + ok.mapped))
    assert ok.relayed[0] == t.address
    assert t.min_port <= ok.relayed[1] <= t.max_port
    assert c.refresh(0).error is None


@needs("turnserver")
def test_coturn_wrong_credentials(ctx):
    """A wrong password and an unknown user both get 401, a right one a
    relayed address."""
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn")))
    for user, pw in (("alice", "wrong"), ("mallory", "secret")):
        with socket.create_connection(t.server, timeout=10) as s:
            m = stun.TurnTcpClient(s).allocate(user, pw)
            assert m.error == 401, (user, m)
    with socket.create_connection(t.server, timeout=10) as s:
        m = stun.TurnTcpClient(s).allocate("alice", t.users["alice"])
        assert m.error is None and m.relayed, (m, m.reason)


@needs("turnserver")
def test_coturn_max_allocate_lifetime(ctx):
    """--max-allocate-lifetime=4 caps the lifetime granted; Refresh keeps
    an allocation alive past it; without Refresh coturn drops it (and the
    TCP connection)."""
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn"),
                         max_allocate_lifetime=4))
    kept = socket.create_connection(t.server, timeout=10)
    ctx.cleanup(kept.close)
    dropped = socket.create_connection(t.server, timeout=10)
    ctx.cleanup(dropped.close)
    a, b = stun.TurnTcpClient(kept), stun.TurnTcpClient(dropped)
    for c in (a, b):
        m = c.allocate("alice", t.users["alice"], lifetime=600)
        assert m.error is None and m.lifetime == 4, (m, m.lifetime)
    for _ in range(3):
        time.sleep(2)
        m = a.refresh(600)
        assert m.error is None and m.lifetime == 4, (m, m.reason)
    # 6 s have passed: b's allocation expired.
    try:
        m = b.refresh(600)
        expired = m.error == 437
    except (ConnectionError, OSError):
        expired = True
    assert expired, "allocation outlived its capped lifetime: %r" % m
    assert a.refresh(0).error is None


@needs("turnserver")
def test_coturn_stop_start(ctx):
    """Stopped, coturn refuses connections; started again it serves on
    the same port."""
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn")))
    port = t.port
    t.stop()
    assert not net.tcp_open(t.address, port)
    t.start()
    assert t.port == port
    with socket.create_connection(t.server, timeout=10) as s:
        m = stun.TurnTcpClient(s).allocate("bob", t.users["bob"])
        assert m.error is None and m.relayed, (m, m.reason)


# -- softphones and tones -------------------------------------------------

@needs("sox")
def test_audio_tone_analysis(ctx):
    """The Goertzel analysis tells 1000 Hz from 440 Hz at 8 and 48 kHz,
    finds silence, and names no tone in a mix of both."""
    d = ctx.tmpdir
    t1k = audio.make_tone(os.path.join(d, "1k.wav"), 1000, 3)
    t440 = audio.make_tone(os.path.join(d, "440.wav"), 440, 3, rate=48000)
    sil = audio.make_silence(os.path.join(d, "sil.wav"), 3)
    mix = os.path.join(d, "mix.wav")
    proc.run(["sox", "-m", t1k, audio.make_tone(
        os.path.join(d, "440-8k.wav"), 440, 3), mix])
    assert audio.holds_tone(t1k, 1000) and not audio.holds_tone(t1k, 440)
    assert audio.holds_tone(t440, 440) and not audio.holds_tone(t440, 1000)
    assert audio.is_silence(sil) and not audio.is_silence(t1k)
    a = audio.analyze(mix)
    assert a.dominant is None and not a.silent, a
    assert audio.analyze(sil).dominant is None


def _assert_heard(path, freq, who):
    a = audio.analyze(path, (440, 1000))
    assert a.seconds >= 1.5, "%s recorded only %.1fs" % (who, a.seconds)
    assert a.dominant == freq, "%s should hold %d Hz: %r" % (who, freq, a)
    return a


def _no_leftover(*names):
    left = [p for p in proc.running() if p.name in names]
    assert not left, "still running after stop: %s" % left


@needs("baresip")
def test_baresip_calls_baresip(ctx):
    """Two baresips on loopback: alice dials bob, bob answers by itself,
    each recording holds the OTHER side's tone; both exit cleanly."""
    bob = ctx.start(Baresip(ctx.tmpdir, "bob", tone=1000))
    alice = ctx.start(Baresip(ctx.tmpdir, "alice", tone=440,
                              answermode="manual"))
    t = time.monotonic()
    alice.dial(bob.uri)
    alice.wait_event("CALL_ESTABLISHED", 10)
    ctx.log("established in %.0f ms" % ((time.monotonic() - t) * 1000))
    bob.wait_event("CALL_ESTABLISHED", 10)
    alice.wait_event("CALL_RTPESTAB", 10)
    bob.wait_event("CALL_RTPESTAB", 10)
    time.sleep(3)
    alice.hangup()
    alice.wait_event("CALL_CLOSED", 10)
    bob.wait_event("CALL_CLOSED", 10)
    a = _assert_heard(alice.recording("dec"), 1000, "alice")
    b = _assert_heard(bob.recording("dec"), 440, "bob")
    ctx.log("alice heard %r" % a)
    ctx.log("bob heard %r" % b)
    alice.stop()
    bob.stop()
    assert alice.process.returncode is not None
    _no_leftover("baresip-alice", "baresip-bob")


@needs("baresip", "linphone")
def test_linphone_calls_baresip(ctx):
    """linphonec calls baresip (auto-answer): tones cross both ways."""
    bob = ctx.start(Baresip(ctx.tmpdir, "bob", tone=1000))
    carol = ctx.start(Linphone(ctx.tmpdir, "carol", tone=440,
                               autoanswer=False))
    carol.call(bob.uri)
    carol.wait_line(r"Call \d+ with .* connected", 15)
    carol.wait_line(r"Media streams established", 10)
    bob.wait_event("CALL_RTPESTAB", 10)
    time.sleep(3)
    carol.terminate()
    carol.wait_line(r"Call \d+ with .* ended", 10)
    bob.wait_event("CALL_CLOSED", 10)
    carol.stop()
    b = _assert_heard(bob.recording("dec"), 440, "bob")
    c = _assert_heard(carol.recording_path, 1000, "carol")
    ctx.log("bob heard %r" % b)
    ctx.log("carol heard %r" % c)
    bob.stop()
    _no_leftover("baresip-bob", "linphonec-carol")


@needs("baresip", "linphone")
def test_baresip_calls_linphone(ctx):
    """baresip calls linphonec, which answers by itself."""
    dave = ctx.start(Linphone(ctx.tmpdir, "dave", tone=1000))
    alice = ctx.start(Baresip(ctx.tmpdir, "alice", tone=440))
    alice.dial(dave.uri)
    dave.wait_line(r"Receiving new incoming call from", 10)
    alice.wait_event("CALL_ESTABLISHED", 15)
    alice.wait_event("CALL_RTPESTAB", 10)
    time.sleep(3)
    alice.hangup()
    alice.wait_event("CALL_CLOSED", 10)
    dave.wait_line(r"Call \d+ with .* ended", 10)
    dave.stop()
    _assert_heard(alice.recording("dec"), 1000, "alice")
    _assert_heard(dave.recording_path, 440, "dave")


# -- namespaces and capture ------------------------------------------------

def _echo_from(host, address, port, text):
    """Connect from inside host to address:port, send text, return reply."""
    code = ("import socket,sys; s=socket.create_connection((sys.argv[1],"
            "int(sys.argv[2])),timeout=5); s.sendall(sys.argv[3].encode()); "
            "print(s.recv(100).decode())")
    r = host.run([sys.executable, "-c", code, address, str(port), text])
    return r.stdout.decode().strip()


@needs("netns")
def test_netns_hosts(ctx):
    """A namespace host has its own name, address, LAN address and
    /etc/hosts, reaches the host side, and leaves nothing on teardown."""
    from lib.netns import Network, NETNS_ETC
    nw = Network()
    ctx.cleanup(nw.destroy)
    alice = nw.add_host("alice", lan=True, hostname="alice-laptop")
    assert alice.run(["hostname"]).stdout.decode().strip() == "alice-laptop"
    addrs = alice.run(["ip", "-4", "-o", "addr"]).stdout.decode()
    assert alice.address in addrs and alice.lan_address in addrs, addrs
    assert "eth0" in addrs and "eth1" in addrs, addrs
    hosts = alice.run(["getent", "hosts", "alice-laptop"]).stdout.decode()
    assert hosts.split()[0] == alice.address, hosts
    routes = alice.run(["ip", "-4", "route"]).stdout.decode()
    assert "default" not in routes, routes
    ctx.log("alice: %s, LAN %s, core %s" % (alice.address, alice.lan_address,
                                           nw.core_address))
    with net.EchoServer(nw.core_address) as echo:
        assert _echo_from(alice, nw.core_address, echo.port, "hi") == "hi"
        assert echo.peers[0][0] == alice.address
    # The root namespace's own name is untouched.
    assert socket.gethostname() != "alice-laptop"
    nw.destroy()
    out = proc.run(["ip", "netns", "list"]).stdout.decode()
    assert alice.ns not in out, out
    links = proc.run(["ip", "-o", "link"]).stdout.decode()
    assert alice.link not in links and nw.core_link not in links, links
    assert not os.path.exists(os.path.join(NETNS_ETC, alice.ns))


@needs("netns")
def test_netns_leftovers_removed(ctx):
    """Namespaces, links and /etc/netns folders named after a dead runner
    are removed when the next Network is made."""
    from lib import netns
    dead = subprocess.Popen(["true"])
    dead.wait()
    pid = dead.pid
    ns = "onionsip-%d-stale" % pid
    link = "os%dc" % pid
    proc.run(["ip", "netns", "add", ns])
    proc.run(["ip", "link", "add", link, "type", "veth", "peer", "name",
              link + "p"])
    os.makedirs(os.path.join(netns.NETNS_ETC, ns), exist_ok=True)
    nw = netns.Network()
    ctx.cleanup(nw.destroy)
    assert ns in nw.leftovers and link in nw.leftovers, nw.leftovers
    assert ns not in proc.run(["ip", "netns", "list"]).stdout.decode()
    assert link not in proc.run(["ip", "-o", "link"]).stdout.decode()
    assert not os.path.exists(os.path.join(netns.NETNS_ETC, ns))


@needs("capture")
def test_capture_search(ctx):
    """dumpcap captures on lo with a filter; the search finds a string
    split across TCP segments, one inside a UDP datagram, and nothing
    that was never sent or that the filter left out."""
    with net.EchoServer() as echo, net.EchoServer() as other:
        cap = Capture("lo", os.path.join(ctx.tmpdir, "lo.pcapng"),
                      bpf="port %d or udp port %d" % (echo.port, echo.port))
        ctx.start(cap)
        with socket.create_connection(("127.0.0.1", echo.port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(b"xxMARKER-ON")
            net.recv_exactly(s, 11)
            s.sendall(b"E-SPLITxx")
            net.recv_exactly(s, 9)
        with socket.create_connection(("127.0.0.1", other.port)) as s:
            s.sendall(b"FILTERED-OUT")
            net.recv_exactly(s, 12)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"..UDP-MARKER..", ("127.0.0.1", echo.port))
        u.close()
        time.sleep(0.5)
        cap.stop()
    hits = cap.search(["MARKER-ONE-SPLIT", "UDP-MARKER", "FILTERED-OUT",
                       "NEVER-SENT", "marker-one"])
    found = {}
    for h in hits:
        found.setdefault(h.needle, []).append(h)
    ctx.log("%d packets; hits: %s" % (len(cap.packets()), hits))
    # both directions of the echoed stream
    assert len(found.get("MARKER-ONE-SPLIT", [])) == 2, hits
    assert all(h.packet is None for h in found["MARKER-ONE-SPLIT"])
    assert [h.packet is not None for h in found.get("UDP-MARKER", [])] == \
        [True], hits
    assert "FILTERED-OUT" not in found and "NEVER-SENT" not in found, hits
    assert "marker-one" not in found
    assert len(cap.search(["marker-one"], ignore_case=True)) == 2


@needs("hostnet", "capture")
def test_hostnet_tor_inside_namespace(ctx):
    """Relays on a veth address; a client tor inside a namespace
    bootstraps against them, reaches an onion service and the exit from
    inside, and what crosses the namespace's link is Tor only."""
    hn = ctx.hostnet
    tn = hn.tornet
    ctx.log("hostnet relays on %s; bootstrap %s" % (hn.address, ", ".join(
        "%s %.1fs" % kv for kv in sorted(tn.timings.items()))))
    alice = hn.add_host("alice%d" % (len(hn.network.hosts) + 1),
                        hostname="alice-laptop")
    ctx.cleanup(alice.destroy)
    t = time.monotonic()
    c = hn.add_client(alice.name, alice)
    ctx.cleanup(c.stop)
    ctx.log("client inside %s bootstrapped in %.1fs" % (
        alice.ns, time.monotonic() - t))
    with c.control() as ctl:        # reached on the namespace's address
        assert ctl.bootstrap_progress() == 100
    echo = net.EchoServer()         # 127.0.0.1 of the root namespace
    ctx.cleanup(echo.stop)
    svc = tn.add_onion_service(tn.client, echo.port)
    tn.wait_onion_reachable(svc.hostname, 5060)
    cap = Capture(alice.link, os.path.join(ctx.tmpdir, "alice.pcapng"))
    ctx.start(cap)
    socks_py = os.path.join(HERE, "lib", "socks.py")
    deadline = time.monotonic() + 60
    while True:
        t = time.monotonic()
        r = alice.run([sys.executable, socks_py, "127.0.0.1",
                       str(c.socks_port), svc.hostname, "5060", "--send",
                       "SECRET-FROM-ALICE"], check=False, timeout=30)
        out = r.stdout.decode()
        if "reply 0x00" in out or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "echo SECRET-FROM-ALICE" in out, out
    ctx.log("onion round trip from inside in %.1fs" % (time.monotonic() - t))
    with net.EchoServer(hn.address) as exit_echo:
        r = alice.run([sys.executable, socks_py, "127.0.0.1",
                       str(c.socks_port), hn.address, str(exit_echo.port),
                       "--send", "SECRET-VIA-EXIT"], check=False, timeout=30)
        assert "echo SECRET-VIA-EXIT" in r.stdout.decode(), r.stdout
        assert exit_echo.peers[0][0] == hn.address
    cap.stop()
    pkts = cap.packets()
    assert pkts, "nothing captured on %s" % alice.link
    assert not cap.search(["SECRET-FROM-ALICE", "SECRET-VIA-EXIT"]), \
        "plaintext crossed alice's link"
    peers = {p.dst[0] for p in pkts if p.src[0] == alice.address}
    assert peers <= {hn.address}, peers
    ctx.log("%d packets on %s, all between %s and %s" % (
        len(pkts), alice.link, alice.address, hn.address))
