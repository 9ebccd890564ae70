"""Real softphones through the media path (issue 4): linphonec, the
awkward client, calls baresip through two onionsip gateways (started as in
t_calls.py) and the tones must cross both TURN relays. Kept apart from
t_media.py: two gateways with their own tors make it the slow one."""

import time

from lib import audio
from lib.baresip import Baresip
from lib.harness import needs
from lib.linphone import Linphone


@needs("tornet", "coturn", "baresip", "linphone", "onionsip", timeout=240)
def test_linphonec_audio_through_gateways(ctx):
    """linphonec (which names its LAN address in c=, probes with STUN and
    sends sequence numbers from 0) calls baresip through two onionsips:
    each side hears the other's tone through the TURN relays."""
    import t_calls
    bob = Baresip(ctx.tmpdir, "bob", tone=1000)
    ctx.start(bob)
    a, b = t_calls._gateways(ctx, bob.uri)
    carol = Linphone(ctx.tmpdir, "carol", tone=440, autoanswer=False,
                     proxy=a.proxy + ";transport=tcp")
    ctx.start(carol)
    carol.call("sip:bob@%s.onion" % b.onion)
    carol.wait_line(r"Call \d+ with .* connected", 60)
    bob.wait_event("CALL_ESTABLISHED", 10)
    time.sleep(6)
    carol.terminate()
    bob.wait_event("CALL_CLOSED", 15)
    carol.stop()
    got_bob = audio.analyze(bob.recording("dec"), (440, 1000))
    got_carol = audio.analyze(carol.recording_path, (440, 1000))
    assert got_bob.dominant == 440, "Bob heard %r (power %r)" % (
        got_bob.dominant, got_bob.power)
    assert got_carol.dominant == 1000, "Carol heard %r (power %r)" % (
        got_carol.dominant, got_carol.power)
