"""The SDP rewriter against what the real softphones offer, live.

baresip and linphonec (opus with rtcp-mux, SRTP) call an onion address
through an outbound proxy that is a fake UDP endpoint here; the INVITE they send goes through `onionsip sanitize
--to-network --relay 198.51.100.7:40000`. The SDP that comes out must be
made only of the lines onionsip writes, name no address but the relay,
carry none of the softphone's SRTP keys, and offer no codec the softphone
did not offer.
"""

import re
import subprocess

from lib.baresip import Baresip
from lib.harness import needs
from lib.invitecatcher import InviteCatcher
from lib.linphone import Linphone

PEER = "rkgkzvsrpwvy4sqmkqjmyovkdaxyxhzhtkabsh6ltqeyhxurpzwxomqd.onion"
RELAY = "198.51.100.7"

# Every line onionsip's SDP writer can produce (docs/sanitizer.md, "SDP").
WRITTEN = [
    r"v=0",
    r"o=- \d+ \d+ IN IP4 " + re.escape(RELAY),
    r"s=-",
    r"c=IN IP4 " + re.escape(RELAY),
    r"t=0 0",
    r"m=(audio|video|text|application|message|image) \d+ [A-Za-z/]+"
    r"( [0-9A-Za-z*-]+)+",
    r"a=rtpmap:\d+ [A-Za-z0-9-]+/\d+(/2)?",
    r"a=fmtp:\d+ [A-Za-z0-9=,;-]+",
    r"a=(ptime|maxptime):\d+",
    r"a=(sendrecv|sendonly|recvonly|inactive)",
    r"a=rtcp:\d+ IN IP4 " + re.escape(RELAY),
    r"a=rtcp-mux",
    r"a=crypto:\d+ [A-Z0-9_]+ inline:[A-Za-z0-9+/=|^:]+",
]


def codecs(sdp):
    """The (name, rate) pairs an SDP offers, static types included."""
    static = {"0": ("pcmu", "8000"), "8": ("pcma", "8000"),
              "9": ("g722", "8000"), "18": ("g729", "8000")}
    names = dict(static)
    for m in re.finditer(r"a=rtpmap:(\d+) ([^/\s]+)/(\d+)", sdp):
        names[m.group(1)] = (m.group(2).lower(), m.group(3))
    out = set()
    for m in re.finditer(r"(?m)^m=audio \d+ \S+ (.*)$", sdp):
        out |= {names[pt] for pt in m.group(1).split() if pt in names}
    return out


def check(ctx, invite):
    """Sanitize invite toward the network and check the SDP it carries."""
    assert invite is not None, "the softphone sent no INVITE"
    sdp_in = invite.partition(b"\r\n\r\n")[2].decode("latin-1")
    assert "m=audio" in sdp_in, "no SDP offer: %r" % sdp_in[:200]
    p = subprocess.run([ctx.program("onionsip"), "sanitize", "--to-network",
                        "--user", "me", "--relay", RELAY + ":40000"],
                       input=invite, capture_output=True, timeout=30)
    assert p.returncode == 0, "exit %d: %s" % (p.returncode,
                                               p.stderr.decode())
    sdp_out = p.stdout.decode("latin-1").partition("\r\n\r\n")[2]
    lines = sdp_out.split("\r\n")
    assert lines[-1] == "", "the body does not end in CRLF"
    for line in lines[:-1]:
        assert any(re.fullmatch(w, line) for w in WRITTEN), \
            "a line onionsip does not write: %r\n%s" % (line, sdp_out)
    found = set(re.findall(r"\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]*:[0-9a-fA-F:]+:"
                           r"[0-9a-fA-F]*", sdp_out))
    assert found <= {RELAY}, "addresses other than the relay: %r" % found
    for key in re.findall(r"inline:([A-Za-z0-9+/=]+)", sdp_in):
        assert key not in sdp_out, "the softphone's SRTP key survived"
    assert codecs(sdp_out) <= codecs(sdp_in), \
        "codecs the softphone did not offer: %r" % (
            codecs(sdp_out) - codecs(sdp_in))
    assert codecs(sdp_out), "no codec kept:\n%s" % sdp_out
    assert sdp_in.count("\nm=") == sdp_out.count("\nm="), \
        "the number of m= lines changed"
    ctx.log("%d lines in, %d out, codecs %s" % (
        sdp_in.count("\n"), len(lines) - 1,
        " ".join(sorted("%s/%s" % c for c in codecs(sdp_out)))))


def dial(ctx, make):
    """Start make(outbound proxy URI), let it call an onion address
    through the endpoint, return its INVITE."""
    ep = InviteCatcher("ep")
    ctx.cleanup(ep.stop)
    phone = ctx.start(make("sip:127.0.0.1:%d" % ep.port))
    uri = "sip:bob@" + PEER
    if isinstance(phone, Baresip):
        phone.dial(uri)
    else:
        phone.call(uri)
    return ep.wait()


@needs("baresip", "onionsip")
def test_baresip_opus_mux(ctx):
    """baresip with opus and rtcp-mux: only onionsip's lines come out."""
    check(ctx, dial(ctx, lambda px: Baresip(
        ctx.tmpdir, "alice", tone=None, outbound=px, rtcp_mux=True,
        codecs=("opus.so", "g711.so"))))


@needs("baresip", "onionsip")
def test_baresip_srtp(ctx):
    """baresip with SDES-SRTP: its key never leaves."""
    check(ctx, dial(ctx, lambda px: Baresip(
        ctx.tmpdir, "alice", tone=None, outbound=px,
        extra_modules=("srtp.so",), account_params="mediaenc=srtp")))


@needs("linphone", "onionsip")
def test_linphonec_srtp(ctx):
    """linphonec with four SRTP keys, speex, rtcp-xr: none of it leaves."""
    check(ctx, dial(ctx, lambda px: Linphone(
        ctx.tmpdir, "carol", tone=None, proxy=px,
        extra_rc={"sip": {"media_encryption": "srtp"}})))
