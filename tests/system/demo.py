#!/usr/bin/env python3
"""onionsip demo: a whole call on this machine, with no internet.

    make demo            (or: python3 tests/system/demo.py [--builddir DIR])

Starts a private Tor network on 127.0.0.1, a coturn TURN server, two
onionsip gateways (Alice's and Bob's, each launching its own tor) and
two baresip softphones; Alice calls Bob's onion address, each side plays
a tone, and the demo checks that each side heard the other's. It prints
each step as it happens and, at the end, the INVITE that Bob's gateway
received through Tor, with every address in it marked: the only ones
are onion addresses and the TURN relay. Everything is removed at the end
(Ctrl-C too).
"""

import argparse
import os
import re
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from lib import audio, capture, net, proc          # noqa: E402
from lib.baresip import Baresip                    # noqa: E402
from lib.coturn import Coturn                      # noqa: E402
from lib.gateway import Gateway                    # noqa: E402
from lib.tornet import TorNet                      # noqa: E402

T0 = time.monotonic()
BOLD, GREEN, RED, OFF = ("\033[1m", "\033[32m", "\033[31m", "\033[0m") \
    if sys.stdout.isatty() else ("", "", "", "")


def step(msg):
    print("%s[%5.1fs]%s %s" % (BOLD, time.monotonic() - T0, OFF, msg),
          flush=True)


def mark_addresses(text, relay):
    """The text with each IPv4 literal and onion address marked."""
    def ip(m):
        a = m.group(0)
        tag = "TURN relay" if a == relay else "NOT THE RELAY"
        colour = GREEN if a == relay else RED
        return "%s%s%s [%s]" % (colour, a, OFF, tag)
    text = re.sub(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", ip, text)
    return re.sub(r"\b[a-z2-7]{56}\.onion\b",
                  lambda m: GREEN + m.group(0) + OFF, text)


def bob_received(cap_path, port):
    """The first INVITE that reached Bob's gateway's onion listener."""
    pkts = capture.read_packets(cap_path)
    for (src, dst), data in capture.tcp_streams(pkts).items():
        if dst[1] == port and b"INVITE sip:" in data:
            start = data.index(b"INVITE sip:")
            head_end = data.find(b"\r\n\r\n", start)
            m = re.search(rb"Content-Length: *(\d+)", data[start:head_end])
            end = head_end + 4 + (int(m.group(1)) if m else 0)
            return data[start:end].decode("utf-8", "replace")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", default=os.environ.get(
        "ONIONSIP_BUILDDIR", os.path.dirname(os.path.dirname(HERE))))
    ap.add_argument("--keep", action="store_true",
                    help="keep the temp folder (logs, recordings)")
    args = ap.parse_args()
    program = os.path.join(os.path.abspath(args.builddir), "onionsip")
    if not os.access(program, os.X_OK):
        sys.exit("demo: build onionsip first (%s not found)" % program)
    for p in ("tor", "tor-gencert", "turnserver", "baresip", "sox"):
        if proc.which(p) is None:
            sys.exit("demo: %s is not installed; run "
                     "sh contrib/debian-deps.sh --test" % p)
    work = tempfile.mkdtemp(prefix="onionsip-demo-")

    def on_signal(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_signal)
    ok = False
    try:
        ok = demo(program, work)
    except KeyboardInterrupt:
        print("\ninterrupted")
    except Exception as e:
        print("%sdemo failed:%s %s" % (RED, OFF, e))
        print("logs kept in %s" % work)
        args.keep = True
    finally:
        step("cleaning up")
        proc.kill_all(2)
        if args.keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def demo(program, work):
    step("starting a private Tor network on 127.0.0.1 "
         "(3 authorities, relays, an exit)")
    tn = TorNet(os.path.join(work, "tornet"))
    tn.start()
    step("Tor network usable")
    turn = Coturn(os.path.join(work, "coturn"), address=tn.address)
    turn.start()
    step("coturn (the TURN relay) listening on %s:%d, reached only "
         "through the Tor exit" % turn.server)
    bob_phone = Baresip(work, "bob", tone=1000)
    bob_phone.start()
    onion_port = net.free_port()
    ga = Gateway(program, work, "alice", "alice", tn, turn)
    gb = Gateway(program, work, "bob", "bob", tn, turn, extra=[
        "LocalContact %s" % bob_phone.uri,
        "OnionListen 127.0.0.1:%d" % onion_port])
    step("starting Alice's and Bob's onionsip; each starts its own tor")
    ga.start()
    gb.start()
    step("Alice is %ssip:alice@%s.onion%s" % (GREEN, ga.onion, OFF))
    step("Bob   is %ssip:bob@%s.onion%s" % (GREEN, gb.onion, OFF))
    tn.wait_onion_reachable(gb.onion + ".onion", 5060, timeout=90)
    step("Bob's onion service is reachable through Tor")
    cap = None
    if proc.which("dumpcap") is not None and os.geteuid() == 0:
        cap = capture.Capture(["lo"], os.path.join(work, "bob-onion.pcapng"),
                              bpf="tcp port %d" % onion_port)
        cap.start()
    alice_phone = Baresip(work, "alice", tone=440, answermode="manual",
                          outbound=ga.proxy)
    alice_phone.start()
    step("Alice's baresip (440 Hz tone) dials Bob's onion address; Bob's "
         "baresip (1000 Hz tone) answers by itself")
    alice_phone.dial("sip:bob@%s.onion" % gb.onion)
    alice_phone.wait_event("CALL_RINGING", 60)
    step("ringing")
    alice_phone.wait_event("CALL_ESTABLISHED", 60)
    step("answered: audio flows through both TURN allocations, over Tor")
    time.sleep(6)
    alice_phone.hangup()
    bob_phone.wait_event("CALL_CLOSED", 20)
    step("Alice hung up; Bob's phone saw the end of the call")
    heard_a = audio.analyze(alice_phone.recording("dec"), (440, 1000))
    heard_b = audio.analyze(bob_phone.recording("dec"), (440, 1000))
    good = heard_a.dominant == 1000 and heard_b.dominant == 440
    step("audio: Alice heard %s Hz, Bob heard %s Hz: %s" % (
        heard_a.dominant, heard_b.dominant,
        GREEN + "verified" + OFF if good else RED + "WRONG" + OFF))
    if cap is not None:
        cap.stop()
        invite = bob_received(cap.path, onion_port)
        if invite:
            step("what Bob's side received from Alice, through Tor:")
            print(mark_addresses(invite.replace("\r\n", "\n"),
                                 turn.address))
            if "NOT THE RELAY" in mark_addresses(invite, turn.address):
                good = False
        else:
            step("no INVITE captured on Bob's onion listener")
            good = False
    else:
        step("(run as root with dumpcap to see what Bob received)")
    step("%s" % (GREEN + "demo passed" + OFF if good else
                 RED + "demo FAILED" + OFF))
    return good


if __name__ == "__main__":
    sys.exit(main())
