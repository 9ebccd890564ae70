"""Media through Tor (issue 4): two onionsip media paths, as two gateways
would hold them, allocate on the real coturn through the private Tor
network's exit and relay SRTP between two local UDP endpoints."""

import os
import re
import time

from lib import net, proc
from lib.coturn import Coturn
from lib.harness import needs

RTCP = os.path.join("tests", "captures", "rtcp", "linphonec-sr-sdes-tool.bin")


def _turnpair(ctx, turn, user, password, mode, seconds=None, timeout=120):
    argv = [ctx.program("tests/media/turnpair"),
            str(ctx.tornet.client.socks_port), turn.address, str(turn.port),
            user, password, mode]
    if seconds is not None:
        argv += [str(seconds), os.path.join(ctx.srcdir, RTCP)]
    r = proc.run(argv, timeout=timeout, check=False)
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    for line in out.splitlines():
        ctx.log(line)
    return r.returncode, out, err


def _field(out, side, key):
    m = re.search(r"^%s .*\b%s (\d+)" % (side, key), out, re.M)
    assert m, "no %s %s in output:\n%s" % (side, key, out)
    return int(m.group(1))


@needs("tornet", "turnserver")
def test_relay_both_ways_with_refreshes(ctx):
    """RTP both ways through two allocations, SRTP on: every packet
    arrives in order with its payload, SSRC and sequence re-randomized,
    RTCP rebuilt without linphonec's CNAME/TOOL, the allocations refreshed
    on time past a 4 s lifetime through 438 stale nonces, and the media
    round trip measured from RTCP; at the end both are deallocated."""
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn"),
                         address=ctx.tornet.address,
                         max_allocate_lifetime=4, verbose=True,
                         extra_args=("--stale-nonce=5",)))
    rc, out, err = _turnpair(ctx, t, "alice", t.users["alice"], "relay",
                             seconds=12)
    assert rc == 0, "turnpair exit %d:\n%s\n%s" % (rc, out, err[-2000:])
    for side, other in (("alice", "bob"), ("bob", "alice")):
        sent = _field(out, side, "sent")
        assert sent >= 500, out
        assert _field(out, other, "recv") == sent, out
        assert _field(out, other, "bad_order") == 0, out
        assert _field(out, other, "rtcp_leak") == 0, out
        assert _field(out, other, "rtcp_recv") >= 10, out
        # 12 s with a 4 s lifetime: refreshed every ~2 s.
        assert _field(out, side, "refreshes") >= 4, out
        # Nonces last 5 s: the 438 Stale Nonce dance happened and worked.
        assert _field(out, side, "stale_nonces") >= 1, out
        assert _field(out, side, "drop_garbage") >= 1, "STUN probe passed"
        # The phones answer SRs with RRs: each gateway measures the media
        # round trip through tor from LSR/DLSR.
        assert _field(out, side, "rtt_samples") >= 3, out
        assert 0 < _field(out, side, "rtt_ms") < 5000, out
    # Both allocations were released cleanly (Refresh, lifetime 0) at the
    # end, not left to expire.
    def released():
        return len(re.findall(r"refreshed, .* lifetime=0", t.log_text()))
    try:
        net.wait_until(lambda: released() >= 2, 5, "deallocations logged")
    except net.WaitTimeout:
        t.stop()        # coturn may hold its log lines until it exits
    assert released() == 2, "coturn logged %d deallocations:\n%s" % (
        released(), t.log_text()[-3000:])


@needs("tornet", "coturn")
def test_wrong_credentials_reported(ctx):
    """A wrong TURN password gives a clear error, not a hang."""
    rc, out, err = _turnpair(ctx, ctx.coturn, "alice", "wrong-password",
                             "alloc", timeout=90)
    assert rc == 2, (rc, out, err[-1000:])
    assert "error TURN credentials refused" in out, out


@needs("tornet", "turnserver")
def test_stopped_coturn_reported(ctx):
    """A TURN server that is not there (stopped) gives a clear error."""
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn"),
                         address=ctx.tornet.address))
    t.stop()
    rc, out, err = _turnpair(ctx, t, "alice", t.users["alice"], "alloc",
                             timeout=90)
    assert rc == 2, (rc, out, err[-1000:])
    assert re.search(r"^error TURN server unreachable through tor", out,
                     re.M), out


def _has_run(data, n=24):
    """True if data holds n equal bytes in a row (our plaintext filler)."""
    run, last = 0, None
    for b in data:
        run = run + 1 if b == last else 1
        last = b
        if run >= n:
            return True
    return False


@needs("tornet", "turnserver", "capture")
def test_public_hop_carries_only_srtp(ctx):
    """On the UDP hop between the two TURN relays (the only public
    segment) and on the TURN TCP streams, no RTP payload, RTCP CNAME or
    TOOL of the softphones appears in clear: SRTP and SRTCP only; and
    every SRTP packet there has the same size whatever its payload."""
    from lib.capture import Capture, read_packets
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn"),
                         address=ctx.tornet.address))
    path = os.path.join(ctx.tmpdir, "hop.pcapng")
    cap = Capture(["lo"], path, bpf="udp or tcp port %d" % t.port)
    cap.start()
    ctx.cleanup(cap.stop)

    def dumpcap_log():
        try:
            with open(cap.log_path, errors="replace") as f:
                return f.read()[-1500:]
        except OSError as e:
            return str(e)
    # Once (in a full run) the capture file was missing at the end: wait
    # for it before any traffic, and say what dumpcap said if it is not.
    try:
        net.wait_until(lambda: os.path.exists(path), 10, "capture file")
    except net.WaitTimeout:
        raise AssertionError("dumpcap wrote no file:\n" + dumpcap_log())
    rc, out, err = _turnpair(ctx, t, "alice", t.users["alice"], "relay",
                             seconds=4)
    cap.stop()
    assert rc == 0, "turnpair exit %d:\n%s\n%s" % (rc, out, err[-2000:])
    assert os.path.exists(path), "capture file gone:\n" + dumpcap_log()
    relay = range(t.min_port, t.max_port + 1)
    hop = clear = tcp = 0
    rtp_sizes = set()
    for p in read_packets(path):
        if p.proto == "udp" and p.src[1] in relay and p.dst[1] in relay:
            hop += 1
            if len(p.payload) >= 12 and not 192 <= p.payload[1] <= 223:
                rtp_sizes.add(len(p.payload))
            if _has_run(p.payload) or b"Linphone" in p.payload or \
                    b"carol" in p.payload:
                clear += 1
        elif p.proto == "tcp" and t.port in (p.src[1], p.dst[1]) and \
                p.payload:
            tcp += 1
            if _has_run(p.payload) or b"Linphone" in p.payload:
                clear += 1
    ctx.log("relay-to-relay UDP packets %d, TURN TCP segments %d, in clear "
            "%d" % (hop, tcp, clear))
    assert hop >= 350, "too few packets between the relays: %d" % hop
    assert tcp >= 100, "too few TURN TCP segments seen: %d" % tcp
    assert clear == 0, "%d packets carried plaintext media" % clear
    # turnpair's payloads vary from 20 to 160 bytes; padded, every SRTP
    # packet on the hop has one size (12 + 192 + 10-byte tag).
    assert rtp_sizes == {214}, "SRTP sizes on the relay hop: %r" % sorted(
        rtp_sizes)


@needs("tornet", "turnserver")
def test_stalled_path_drops_old_audio(ctx):
    """The far end of the stream stops for 3 s mid-call (coturn, SIGSTOP):
    the socket buffers between us and it take tens of KB without pushing
    back (as tor's do), so only the Binding probes to the TURN server see
    the stall; media is then held and aged out instead of arriving seconds
    late, and flows again, in order, after."""
    import signal
    import subprocess
    t = ctx.start(Coturn(os.path.join(ctx.tmpdir, "coturn"),
                         address=ctx.tornet.address))
    c = ctx.tornet.client
    argv = [ctx.program("tests/media/turnpair"), str(c.socks_port),
            t.address, str(t.port), "alice", t.users["alice"], "stall", "10",
            os.path.join(ctx.srcdir, RTCP)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    ctx.cleanup(lambda: p.poll() is None and p.kill())
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("media_started"):
            break
    assert lines and lines[-1].startswith("media_started"), "".join(lines)
    time.sleep(2.5)
    os.kill(t.pid, signal.SIGSTOP)
    try:
        time.sleep(3)
    finally:
        os.kill(t.pid, signal.SIGCONT)
    rest, err = p.communicate(timeout=60)
    out = "".join(lines) + rest
    for line in out.splitlines():
        ctx.log(line)
    assert p.returncode == 0, "turnpair exit %d:\n%s\n%s" % (
        p.returncode, out, err[-2000:])
    for side in ("alice", "bob"):
        # ~150 packets were due during the stall; without the probes all of
        # them arrive up to 3 s late (measured with tor stopped: 129 of 150
        # over 500 ms).
        assert _field(out, side, "drop_queue") >= 50, out
        assert _field(out, side, "gaps") >= 50, out
        assert _field(out, side, "late") <= 40, out
        assert _field(out, side, "recv") >= 250, out


@needs("tornet", "coturn")
def test_hold_stops_incoming_audio(ctx):
    """Hold (sendonly toward the network) for 1 s: the held side's phone
    gets nothing from the peer meanwhile, its own audio goes on, and both
    directions flow again after the resume."""
    t = ctx.coturn
    rc, out, err = _turnpair(ctx, t, "alice", t.users["alice"], "hold",
                             seconds=5)
    assert rc == 0, "turnpair exit %d:\n%s\n%s" % (rc, out, err[-2000:])
    assert 40 <= _field(out, "alice", "gaps") <= 60, out
    assert _field(out, "alice", "drop_direction") >= 40, out
    assert _field(out, "bob", "gaps") == 0, out
    assert _field(out, "bob", "recv") == _field(out, "alice", "sent"), out

