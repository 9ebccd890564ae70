"""The SIP sanitizer against the real softphones, live on this machine.

baresip and linphonec call an onion address through an outbound proxy
that is a fake UDP endpoint here; the INVITE they send, unscrubbed, goes
through `onionsip sanitize --to-network`, whose leak check holds this
machine's real addresses and names. What comes out must carry none of
them and nothing of the softphone.
"""

import re
import socket
import subprocess

from lib.baresip import Baresip
from lib.harness import needs
from lib.invitecatcher import InviteCatcher
from lib.linphone import Linphone

PEER = "rkgkzvsrpwvy4sqmkqjmyovkdaxyxhzhtkabsh6ltqeyhxurpzwxomqd.onion"
ONION = "etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"


def machine_secrets():
    """Every address of this machine, and its host name."""
    out = subprocess.run(["ip", "-o", "addr"], capture_output=True,
                         text=True).stdout
    addrs = re.findall(r"inet6? ([0-9a-fA-F:.]+)/", out)
    return addrs + [socket.gethostname()]


def header(msg, names):
    for line in msg.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        m = re.match(rb"(?i)(%s)\s*:\s*(.*)" % b"|".join(names), line)
        if m:
            return m.group(2).decode("latin-1")
    return ""


def check(ctx, invite, traces):
    """Sanitize invite; assert nothing identifying comes out."""
    assert invite is not None, "the softphone sent no INVITE"
    p = subprocess.run([ctx.program("onionsip"), "sanitize",
                        "--to-network", "--onion", ONION, "--user", "me"],
                       input=invite, capture_output=True, timeout=30)
    assert p.returncode == 0, "exit %d: %s" % (p.returncode,
                                               p.stderr.decode())
    out = p.stdout.decode("latin-1")
    assert out.startswith("INVITE sip:bob@%s SIP/2.0\r\n" % PEER), out[:90]
    tag = re.search(r";tag=([^;>\s]+)", header(invite, [rb"from", rb"f"]))
    branch = re.search(r"branch=([^;\s]+)", header(invite, [rb"via", rb"v"]))
    gone = list(traces) + machine_secrets() + [
        "127.0.0.1", "User-Agent", "+sip.instance", "a=candidate",
        "a=tool", "a=ssrc", "Supported", header(invite, [rb"call-id",
                                                          rb"i"])]
    gone += [m.group(1) for m in (tag, branch) if m]
    for s in gone:
        if len(s) >= 3:
            assert s not in out, "%r survived:\n%s" % (s, out)
    ctx.log("%d bytes in, %d out, %d traces checked" % (
        len(invite), len(out), len(gone)))


@needs("baresip", "onionsip")
def test_baresip_invite_sanitized(ctx):
    """baresip's INVITE (ICE on, every interface as a candidate) leaves
    nothing of baresip or this machine after sanitizing."""
    px = InviteCatcher("px")
    ctx.cleanup(px.stop)
    alice = ctx.start(Baresip(ctx.tmpdir, "alice", tone=None, ice=True,
                              outbound="sip:127.0.0.1:%d" % px.port,
                              account_params="sipnat=outbound"))
    alice.dial("sip:bob@" + PEER)
    check(ctx, px.wait(), ["baresip", "alice", "-0x"])


@needs("linphone", "onionsip")
def test_linphonec_invite_sanitized(ctx):
    """linphonec's INVITE (its LAN address in From and SDP, s=Talk,
    +sip.instance) leaves nothing of linphone or this machine."""
    px = InviteCatcher("px")
    ctx.cleanup(px.stop)
    carol = ctx.start(Linphone(ctx.tmpdir, "carol", tone=None,
                               proxy="sip:127.0.0.1:%d" % px.port))
    carol.call("sip:bob@" + PEER)
    check(ctx, px.wait(), ["Linphone", "carol", "Carol", "s=Talk"])
