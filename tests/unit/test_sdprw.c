#include "test.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>

#include "buf.h"
#include "leakcheck.h"
#include "sdprw.h"

#define RELAY "198.51.100.7"

static const char *const relay_only[] = { RELAY };

/* A target on the relay: stream i on port 40000 + 2i, muxed or not. */
static void
target_init(struct sdprw_target *t, bool mux)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->addr = RELAY;
	for (i = 0; i < SDPRW_MAX_MEDIA; i++) {
		t->media[i].port = (uint16_t)(40000 + 2 * i);
		t->media[i].rtcp_mux = mux;
	}
}

/* Rewrite a C string with the default policy; returns the verdict. */
static int
rewrite(const char *in, struct sdprw_session *sess,
    const struct sdprw_target *t, struct buf *out, struct sdprw_info *info,
    const char **reason)
{
	struct sdprw_policy pol = { .ncodecs = 0, .allow_video = false };

	buf_init(out, SDPRW_MAX_BODY);
	return sdprw_rewrite(in, strlen(in), &pol, sess, t, out, info, reason);
}

/* Whether out holds the text s. */
static bool
has(const struct buf *out, const char *s)
{
	return out->data != NULL && strstr(out->data, s) != NULL;
}

static const char baresip_offer[] =
    "v=0\r\n"
    "o=- 2084834735 667709218 IN IP4 192.168.1.20\r\n"
    "s=-\r\n"
    "c=IN IP4 192.168.1.20\r\n"
    "t=0 0\r\n"
    "a=tool:baresip 1.0.0\r\n"
    "a=ice-ufrag:vKR6dVH\r\n"
    "a=ice-pwd:JpY7aByQJMr2dE3VHwg1zbEloajx0Gh\r\n"
    "m=audio 22610 RTP/AVP 96 0 8 101\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 stereo=1;sprop-stereo=1; useinbandfec=1;x=<@>;usedtx=a@b\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtcp:22611 IN IP4 192.168.1.20\r\n"
    "a=ssrc:3764704593 cname:sip:alice@192.168.1.20:38951\r\n"
    "a=msid:stream track\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=rtcp-xr:rcvr-rtt=all:10000\r\n"
    "a=rtcp-fb:* trr-int 5000\r\n"
    "a=mid:0\r\n"
    "a=fingerprint:sha-256 AB:CD:EF\r\n"
    "a=setup:actpass\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:xZABuw28tIGRBkgTIVsDunWRpvx06z4ZphCtG2a9\r\n"
    "a=minptime:20\r\n"
    "a=ptime:20\r\n"
    "a=candidate:c0a80114 1 UDP 2113929471 192.168.1.20 22610 typ host\r\n"
    "a=candidate:1 1 UDP 1694498815 203.0.113.5 22610 typ srflx raddr "
    "192.168.1.20 rport 22610\r\n"
    "a=end-of-candidates\r\n"
    "a=remote-candidates:1 192.168.1.20 22610\r\n";

/* A softphone offer comes out whole, exactly as onionsip writes it. */
static void
test_golden(void **state)
{
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason = NULL;
	struct buf out;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 4242, 7);
	assert_int_equal(
	    rewrite(baresip_offer, &sess, &t, &out, &info, &reason), 0);
	assert_string_equal(out.data,
	    "v=0\r\n"
	    "o=- 4242 7 IN IP4 198.51.100.7\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.7\r\n"
	    "t=0 0\r\n"
	    "m=audio 40000 RTP/AVP 96 0 8 101\r\n"
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=fmtp:96 useinbandfec=1\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:8 PCMA/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-15\r\n"
	    "a=ptime:20\r\n"
	    "a=sendrecv\r\n"
	    "a=rtcp:40000 IN IP4 198.51.100.7\r\n"
	    "a=rtcp-mux\r\n");
	/* What the input said, for the media layer. */
	assert_int_equal(info.nmedia, 1);
	assert_int_equal(info.in_version, 667709218);
	assert_int_equal(info.media[0].type, SDPRW_AUDIO);
	assert_string_equal(info.media[0].addr, "192.168.1.20");
	assert_int_equal(info.media[0].port, 22610);
	assert_int_equal(info.media[0].rtcp_port, 22611);
	assert_false(info.media[0].rtcp_mux);
	assert_false(info.media[0].refused);
	assert_int_equal(info.media[0].npts, 4);
	assert_int_equal(info.media[0].pts[3], 101);
	assert_int_equal(info.media[0].ptime, 20);
	assert_string_equal(info.media[0].crypto,
	    "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:xZABuw28tIGRBkgTIVsDunWRpvx06z4ZphCtG2a9");
	buf_free(&out);
}

/* Without rtcp-mux, RTCP goes to the next port; SRTP uses our key. */
static void
test_rtcp_and_crypto(void **state)
{
	static const char key[] =
	    "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	struct sdprw_session sess;
	struct sdprw_target t;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, false);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(
	    rewrite(baresip_offer, &sess, &t, &out, NULL, &reason), 0);
	assert_true(has(&out, "m=audio 40000 RTP/AVP 96"));
	assert_true(has(&out, "a=rtcp:40001 IN IP4 198.51.100.7\r\n"));
	assert_false(has(&out, "rtcp-mux"));
	/* The softphone's own key never goes out. */
	assert_false(has(&out, "crypto"));
	assert_false(has(&out, "xZABuw28"));
	buf_free(&out);

	t.media[0].crypto = key;
	assert_int_equal(
	    rewrite(baresip_offer, &sess, &t, &out, NULL, &reason), 0);
	assert_true(has(&out, "m=audio 40000 RTP/SAVP 96"));
	assert_true(has(&out,
	    "\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
	    "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"));
	assert_false(has(&out, "xZABuw28"));
	buf_free(&out);

	/* The caller's text is checked too. */
	t.media[0].crypto = "1 X inline:a\r\na=tool:evil";
	assert_int_equal(
	    rewrite(baresip_offer, &sess, &t, &out, NULL, &reason), -1);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	t.media[0].crypto = NULL;
	t.media[0].port = 65535;
	assert_int_equal(
	    rewrite(baresip_offer, &sess, &t, &out, NULL, &reason), -1);
	buf_free(&out);
	t.media[0].port = 40000;
	t.addr = "2001:db8::1";
	assert_int_equal(
	    rewrite(baresip_offer, &sess, &t, &out, NULL, &reason), -1);
	assert_string_equal(reason, "relay address is not an IPv4 literal");
	buf_free(&out);
}

/* The first usable a=crypto goes to the media layer, none to the output. */
static void
test_crypto_choice(void **state)
{
	static const char in[] =
	    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	    "t=0 0\r\nm=audio 5000 RTP/SAVP 0\r\n"
	    "a=crypto:1 F8_128_HMAC_SHA1_80 inline:AAAA\r\n"
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:BBBB "
	    "UNENCRYPTED_SRTP\r\n"
	    "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:C<C>\r\n"
	    "a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:DDDD\r\n"
	    "a=crypto:5 AES_256_CM_HMAC_SHA1_32 inline:EEEE|2^20|1:4\r\n"
	    "a=crypto:6 AES_CM_128_HMAC_SHA1_80 inline:FFFF\r\n";
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, false);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(rewrite(in, &sess, &t, &out, &info, &reason), 0);
	assert_true(info.media[0].secure);
	assert_string_equal(info.media[0].crypto,
	    "5 AES_256_CM_HMAC_SHA1_32 inline:EEEE|2^20|1:4");
	assert_false(has(&out, "crypto"));
	assert_false(has(&out, "SAVP"));
	buf_free(&out);
}

/* Everything that identifies the sender is gone. */
static void
test_dropped(void **state)
{
	static const char in[] =
	    "v=0\r\n"
	    "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"
	    "s=Call to John Smith\r\n"
	    "i=SDP Offer #1\r\n"
	    "u=http://www.jdoe.example.com/home.html\r\n"
	    "e=Jane Doe <jane@jdoe.example.com>\r\n"
	    "p=+1 617 555-6011\r\n"
	    "c=IN IP4 198.51.100.1\r\n"
	    "b=AS:64\r\n"
	    "t=0 0\r\n"
	    "r=604800 3600 0 90000\r\n"
	    "z=2882844526 -1h\r\n"
	    "k=clear:secret\r\n"
	    "a=group:BUNDLE 0\r\n"
	    "a=msid-semantic: WMS x\r\n"
	    "a=ice-lite\r\n"
	    "m=audio 49170 RTP/AVP 0\r\n"
	    "i=my mic\r\n"
	    "b=TIAS:64000\r\n"
	    "a=ssrc-group:FID 1 2\r\n"
	    "a=label:bob-phone\r\n"
	    "a=tool:Linphonec 5.1.65\r\n"
	    "a=x-custom:anything\r\n";
	static const char *const gone[] = { "jdoe", "John", "SDP Offer", "http",
		"Jane", "617", "198.51.100.1", "b=", "r=", "z=", "k=", "group",
		"msid", "ice", "my mic", "ssrc", "label", "tool", "Linphone",
		"custom" };
	struct sdprw_session sess;
	struct sdprw_target t;
	const char *reason;
	struct buf out;
	size_t i;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(rewrite(in, &sess, &t, &out, NULL, &reason), 0);
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		if (has(&out, gone[i]))
			fail_msg("'%s' survived:\n%s", gone[i], out.data);
	assert_true(has(&out, "\r\ns=-\r\n"));
	buf_free(&out);
}

/* The codec policy: names and clock rates, static types, DTMF alone. */
static void
test_codecs(void **state)
{
	static const char in[] =
	    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	    "t=0 0\r\n"
	    "m=audio 5000 RTP/AVP 96 97 98 0 8 9 18 3 99 100 101\r\n"
	    "a=rtpmap:96 OPUS/48000/2\r\n"
	    "a=rtpmap:97 opus/8000\r\n"	  /* wrong clock rate */
	    "a=rtpmap:98 PCMU/16000\r\n"  /* wrong clock rate */
	    "a=rtpmap:99 speex/16000\r\n" /* not in the policy */
	    "a=rtpmap:101 telephone-event/48000\r\n";
	/* 100 has no rtpmap: a dynamic type nobody named. */
	static const char *const only_pcma[] = { "pcma", "GSM" };
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(rewrite(in, &sess, &t, &out, &info, &reason), 0);
	/* In the policy's order: opus, G722, PCMU, PCMA, telephone-event. */
	assert_true(has(&out, "m=audio 40000 RTP/AVP 96 9 0 8 101\r\n"));
	assert_true(has(&out, "a=rtpmap:96 opus/48000/2\r\n"));
	assert_true(has(&out, "a=rtpmap:9 G722/8000\r\n"));
	assert_true(has(&out, "a=rtpmap:101 telephone-event/48000\r\n"));
	assert_false(has(&out, "speex"));
	assert_false(has(&out, ":97"));
	assert_false(has(&out, ":98"));
	assert_false(has(&out, ":100"));
	assert_int_equal(info.media[0].npts, 5);
	assert_int_equal(info.media[0].pts[1], 9);
	buf_free(&out);

	/* A policy of the user's: names in its own spelling. */
	memcpy(pol.codecs, only_pcma, sizeof(only_pcma));
	pol.ncodecs = 2;
	buf_init(&out, SDPRW_MAX_BODY);
	assert_int_equal(sdprw_rewrite(in, strlen(in), &pol, &sess, &t, &out,
			     &info, &reason),
	    0);
	assert_true(has(&out, "m=audio 40000 RTP/AVP 8 3\r\n"));
	buf_free(&out);

	/* Another order of preference, the same offer. */
	pol.codecs[0] = "GSM";
	pol.codecs[1] = "PCMA";
	buf_init(&out, SDPRW_MAX_BODY);
	assert_int_equal(sdprw_rewrite(in, strlen(in), &pol, &sess, &t, &out,
			     &info, &reason),
	    0);
	assert_true(has(&out, "m=audio 40000 RTP/AVP 3 8\r\n"));
	assert_true(has(&out, "a=rtpmap:3 GSM/8000\r\n"));
	buf_free(&out);

	/* telephone-event alone carries no voice. */
	pol.codecs[0] = "telephone-event";
	pol.ncodecs = 1;
	assert_int_equal(
	    sdprw_inspect(in, strlen(in), &pol, &info, &reason), -1);
	assert_string_equal(reason, "SDP offers no usable audio stream");
	assert_true(info.media[0].refused);
}

/* a=ptime moves into [20, 60] (or the policy's range), under maxptime. */
static void
test_ptime(void **state)
{
	static const struct {
		const char *attrs;
		unsigned int min, max;
		const char *want; /* NULL: no a=ptime */
	} cases[] = {
		{ "a=ptime:10\r\n", 0, 0, "a=ptime:20\r\n" },
		{ "a=ptime:30\r\n", 0, 0, "a=ptime:30\r\n" },
		{ "a=ptime:120\r\n", 0, 0, "a=ptime:60\r\n" },
		{ "a=ptime:10\r\na=maxptime:15\r\n", 0, 0, "a=ptime:15\r\n" },
		{ "a=ptime:10\r\n", 40, 100, "a=ptime:40\r\n" },
		{ "a=ptime:0.125\r\n", 0, 0, NULL },
		{ "", 0, 0, NULL },
	};
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_session sess;
	struct sdprw_target t;
	const char *reason;
	struct buf in, out;
	size_t i;

	(void)state;
	target_init(&t, true);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&in, SDPRW_MAX_BODY);
		buf_printf(&in,
		    "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 10.0.0.1\r\n"
		    "m=audio 5000 RTP/AVP 0\r\n%s",
		    cases[i].attrs);
		pol.ptime_min = cases[i].min;
		pol.ptime_max = cases[i].max;
		sdprw_session_init(&sess, 1, 1);
		buf_init(&out, SDPRW_MAX_BODY);
		assert_int_equal(sdprw_rewrite(in.data, in.len, &pol, &sess, &t,
				     &out, NULL, &reason),
		    0);
		if (cases[i].want != NULL && !has(&out, cases[i].want))
			fail_msg("case %zu: no %s in\n%s", i, cases[i].want,
			    out.data);
		if (cases[i].want == NULL && has(&out, "a=ptime"))
			fail_msg("case %zu: a ptime in\n%s", i, out.data);
		buf_free(&in);
		buf_free(&out);
	}
}

/* Video is refused unless allowed; other media always. */
static void
test_video(void **state)
{
	static const char in[] =
	    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	    "t=0 0\r\n"
	    "m=audio 5000 RTP/AVP 0\r\n"
	    "m=video 5002 RTP/AVP 96 97\r\n"
	    "a=rtpmap:96 VP8/90000\r\n"
	    "a=rtpmap:97 H264/90000\r\n"
	    "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1;"
	    "sprop-parameter-sets=Z0IAH5WoFAFuQA==\r\n"
	    "m=application 5004 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	    "m=audio 5006 UDP/TLS/RTP/SAVPF 0\r\n";
	static const char *const codecs[] = { "PCMU", "H264" };
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(rewrite(in, &sess, &t, &out, &info, &reason), 0);
	assert_true(has(&out, "m=audio 40000 RTP/AVP 0\r\n"));
	assert_true(has(&out, "m=video 0 RTP/AVP 96\r\n"));
	assert_true(
	    has(&out, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
	/* DTLS-SRTP cannot be carried: refused, in its own m= line. */
	assert_true(has(&out, "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n"));
	assert_int_equal(info.nmedia, 4);
	assert_true(info.media[1].refused);
	assert_int_equal(info.media[1].type, SDPRW_VIDEO);
	assert_int_equal(info.media[2].type, SDPRW_OTHER);
	assert_true(info.media[3].refused);
	buf_free(&out);

	memcpy(pol.codecs, codecs, sizeof(codecs));
	pol.ncodecs = 2;
	pol.allow_video = true;
	buf_init(&out, SDPRW_MAX_BODY);
	assert_int_equal(sdprw_rewrite(in, strlen(in), &pol, &sess, &t, &out,
			     &info, &reason),
	    0);
	assert_true(has(&out, "m=video 40002 RTP/AVP 97\r\n"));
	assert_true(has(&out,
	    "a=fmtp:97 profile-level-id=42e01f;"
	    "packetization-mode=1\r\n"));
	assert_false(has(&out, "sprop"));
	/* A refused stream gets no relay port, whatever the caller said. */
	assert_false(has(&out, "40004"));
	buf_free(&out);
}

/* The o= version: the same, +1 on change, never back. */
static void
test_version(void **state)
{
	static const char v1[] =
	    "v=0\r\no=x 5 100 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	    "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
	static const char v2[] =
	    "v=0\r\no=x 5 101 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	    "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=sendonly\r\n";
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 99, 1000);
	assert_int_equal(rewrite(v1, &sess, &t, &out, &info, &reason), 0);
	assert_true(has(&out, "o=- 99 1000 IN IP4"));
	buf_free(&out);
	/* A repeat (183 then 200, a retransmission) keeps the version. */
	assert_int_equal(rewrite(v1, &sess, &t, &out, &info, &reason), 0);
	assert_true(has(&out, "o=- 99 1000 IN IP4"));
	buf_free(&out);
	/* The sender's re-offer (hold) raises it by one. */
	assert_int_equal(rewrite(v2, &sess, &t, &out, &info, &reason), 0);
	assert_true(has(&out, "o=- 99 1001 IN IP4"));
	assert_true(has(&out, "a=sendonly"));
	assert_int_equal(info.in_version, 101);
	buf_free(&out);
	/* Our side changed (a new relay port): +1 though the sender's not. */
	t.media[0].port = 41000;
	assert_int_equal(rewrite(v2, &sess, &t, &out, &info, &reason), 0);
	assert_true(has(&out, "o=- 99 1002 IN IP4"));
	buf_free(&out);
	/* A refused body changes nothing. */
	assert_int_equal(
	    rewrite("v=0\r\n", &sess, &t, &out, &info, &reason), -1);
	buf_free(&out);
	assert_int_equal(sess.version, 1002);
	assert_int_equal(rewrite(v2, &sess, &t, &out, &info, &reason), 0);
	assert_true(has(&out, "o=- 99 1002 IN IP4"));
	buf_free(&out);
}

/* Directions: session level inherited; c=0.0.0.0 is the old hold. */
static void
test_direction(void **state)
{
	static const char in[] =
	    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\na=recvonly\r\n"
	    "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	    "m=audio 5000 RTP/AVP 0\r\n"
	    "m=audio 5002 RTP/AVP 0\r\na=inactive\r\n"
	    "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=sendrecv\r\n"
	    "m=audio 5006 RTP/AVP 0\r\nc=IN IP6 ::\r\n";
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(rewrite(in, &sess, &t, &out, &info, &reason), 0);
	assert_int_equal(info.media[0].dir, SDPRW_RECVONLY);
	assert_int_equal(info.media[1].dir, SDPRW_INACTIVE);
	assert_int_equal(info.media[2].dir, SDPRW_SENDONLY);
	assert_int_equal(info.media[3].dir, SDPRW_INACTIVE);
	assert_string_equal(info.media[3].addr, "::");
	assert_true(has(&out,
	    "m=audio 40006 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\na=inactive\r\n"));
	assert_false(has(&out, "0.0.0.0"));
	assert_false(has(&out, "IP6"));
	buf_free(&out);
}

/* Bodies that are refused, each with its reason. */
static void
test_refused(void **state)
{
	static const struct {
		const char *in;
		const char *reason;
	} cases[] = {
		{ "", "SDP has no o= line" },
		{ "v=1\r\n", "SDP does not start with v=0" },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n",
		    "SDP does not start with v=0" },
		{ "v=0\r\ns=-\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		    "o= is not the second line" },
		{ "v=0\r\no=- 1 1 IN IP4\r\n",
		    "o= line does not have six fields" },
		{ "v=0\r\no=- 1 18446744073709551616 IN IP4 a\r\n",
		    "o= session version is not a number" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nx=1\r\n",
		    "unknown SDP line type" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nv=0\r\n", "v= line repeated" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nhello\r\n",
		    "SDP line is not <type>=<value>" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\ns=a\rb\r\n",
		    "SDP line holds a control character" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 224.2.1.1/127\r\n",
		    "multicast c= is not carried" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 a_b\r\n",
		    "c= address is neither an IP literal nor a name" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IPX 1.2.3.4\r\n",
		    "c= address type is not IP4 or IP6" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nm=game 1 RTP/AVP 0\r\n",
		    "m= media type is unknown" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nm=audio x RTP/AVP 0\r\n",
		    "m= line is malformed" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 1 RTP/AVP\r\n",
		    "m= line lists no format" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 1 RTP/AVP 128\r\n",
		    "m= payload type is not a number" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 1.2.3.4\r\n"
		  "m=audio 1 RTP/AVP 0\r\nm=audio 1 RTP/AVP 0\r\n"
		  "m=audio 1 RTP/AVP 0\r\nm=audio 1 RTP/AVP 0\r\n"
		  "m=audio 1 RTP/AVP 0\r\n",
		    "too many m= lines" },
		/* No stream a call can use. */
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n",
		    "SDP offers no usable audio stream" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 1.2.3.4\r\n"
		  "m=audio 0 RTP/AVP 0\r\n",
		    "SDP offers no usable audio stream" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\n"
		  "m=audio 5000 RTP/AVP 0\r\n",
		    "SDP offers no usable audio stream" },
		{ "v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4 1.2.3.4\r\n"
		  "m=audio 5000/2 RTP/AVP 0\r\n",
		    "SDP offers no usable audio stream" },
	};
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_info info;
	const char *reason;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason = NULL;
		if (sdprw_inspect(cases[i].in, strlen(cases[i].in), &pol, &info,
			&reason) != -1)
			fail_msg("case %zu accepted", i);
		if (reason == NULL || strcmp(reason, cases[i].reason) != 0)
			fail_msg("case %zu: '%s', want '%s'", i,
			    reason ? reason : "(null)", cases[i].reason);
	}
	/* A NUL inside the body. */
	assert_int_equal(sdprw_inspect("v=0\r\no=- 1 1 IN IP4 a\0\r\n", 26,
			     &pol, &info, &reason),
	    -1);
}

/* Limits are checked before parsing; the output buffer's too. */
static void
test_limits(void **state)
{
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf in, out;
	size_t i;

	(void)state;
	buf_init(&in, SDPRW_MAX_BODY * 2);
	buf_addstr(&in, "v=0\r\no=- 1 1 IN IP4 a\r\ns=");
	for (i = 0; i < SDPRW_MAX_LINE; i++)
		buf_addc(&in, 'x');
	buf_addstr(&in, "\r\n");
	assert_int_equal(
	    sdprw_inspect(in.data, in.len, &pol, &info, &reason), -1);
	assert_string_equal(reason, "SDP line too long");
	buf_reset(&in);
	buf_addstr(&in, "v=0\r\no=- 1 1 IN IP4 a\r\n");
	for (i = 0; i < SDPRW_MAX_LINES; i++)
		buf_addstr(&in, "a=x\r\n");
	assert_int_equal(
	    sdprw_inspect(in.data, in.len, &pol, &info, &reason), -1);
	assert_string_equal(reason, "too many SDP lines");
	buf_reset(&in);
	while (in.len <= SDPRW_MAX_BODY)
		buf_addstr(&in, "\r\n");
	assert_int_equal(
	    sdprw_inspect(in.data, in.len, &pol, &info, &reason), -1);
	assert_string_equal(reason, "SDP body too big");
	buf_free(&in);

	target_init(&t, true);
	sdprw_session_init(&sess, 1, 1);
	buf_init(&out, 64);
	assert_int_equal(sdprw_rewrite(baresip_offer, strlen(baresip_offer),
			     &pol, &sess, &t, &out, NULL, &reason),
	    -1);
	assert_string_equal(reason, "rewritten SDP too big");
	assert_int_equal(out.len, 0);
	assert_false(sess.have_in);
	buf_free(&out);
}

/* A c= name is SDP, but never resolved: the address stays empty. */
static void
test_name_in_c(void **state)
{
	static const char in[] = "v=0\n"
				 "o=alice 1 1 IN IP4 host.atlanta.example.com\n"
				 "s= \n"
				 "c=IN IP4 host.atlanta.example.com\n"
				 "t=0 0\n"
				 "m=audio 49170 RTP/AVP 0\n";
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	const char *reason;
	struct buf out;

	(void)state;
	target_init(&t, true);
	sdprw_session_init(&sess, 1, 1);
	assert_int_equal(rewrite(in, &sess, &t, &out, &info, &reason), 0);
	assert_string_equal(info.media[0].addr, "");
	assert_false(has(&out, "atlanta"));
	assert_false(has(&out, "alice"));
	buf_free(&out);
}

/* Rewrite one file with a wide policy; check what must hold for all. */
static int
check_file(const char *path, struct leakcheck *lc, bool expect_ok)
{
	static const char *const wide[] = { "opus", "G722", "PCMU", "PCMA",
		"telephone-event", "iLBC", "H263", "H261", "GSM" };
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info, again;
	const char *reason = NULL;
	struct buf out;
	size_t len;
	char *in = test_read_file(path, &len);
	int rc;

	memcpy(pol.codecs, wide, sizeof(wide));
	pol.ncodecs = sizeof(wide) / sizeof(wide[0]);
	target_init(&t, false);
	sdprw_session_init(&sess, 77, 1);
	buf_init(&out, SDPRW_MAX_BODY);
	rc = sdprw_rewrite(in, len, &pol, &sess, &t, &out, &info, &reason);
	if (rc != (expect_ok ? 0 : -1))
		fail_msg("%s: %s", path, rc == 0 ? "accepted" : reason);
	if (rc == 0) {
		if (has(&out, "candidate") || has(&out, "ice-") ||
		    has(&out, "ssrc") || has(&out, "tool") ||
		    has(&out, "rtcp-xr") || has(&out, "fingerprint") ||
		    has(&out, "crypto"))
			fail_msg("%s: kept an attribute:\n%s", path, out.data);
		if (leakcheck_scan(lc, out.data, out.len, relay_only, 1) !=
		    LEAKCHECK_PASS)
			fail_msg("%s: leak check refused:\n%s", path, out.data);
		/* What we wrote reads again, the same. */
		if (sdprw_inspect(out.data, out.len, &pol, &again, &reason) !=
		    0)
			fail_msg("%s: output refused: %s", path, reason);
		assert_int_equal(again.nmedia, info.nmedia);
	}
	buf_free(&out);
	free(in);
	return rc;
}

/* Add an address given as text to a leak check. */
static void
add_addr(struct leakcheck *lc, const char *text)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		leakcheck_add_addr(lc, (struct sockaddr *)&sin);
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1);
		sin6.sin6_family = AF_INET6;
		leakcheck_add_addr(lc, (struct sockaddr *)&sin6);
	}
}

/*
 * The shared SDP examples: every one either refused with a reason or
 * rewritten with no candidate and no address but the relay.
 */
static void
test_corpus(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} files[] = {
		{ "rfc4317-2.1-offer.sdp", true },
		{ "rfc4317-2.1-answer.sdp", true },
		{ "rfc4317-2.2-answer.sdp", true },
		{ "rfc4317-2.3-answer.sdp", true },
		{ "rfc4317-2.4-offer.sdp", true },
		{ "rfc4317-2.4-answer.sdp", true },
		{ "rfc4317-2.8-answer.sdp", true },
		{ "rfc4317-3.1-answer.sdp", true },
		{ "rfc4317-4.1-offer2.sdp", true },
		{ "rfc4317-5.1-offer.sdp", false }, /* no m= line */
		{ "rfc4317-5.2-offer.sdp", true },
		{ "rfc5245-s17-offer.sdp", true },
		{ "rfc8839-s4.2.6-example.sdp", true },
		{ "rfc8839-appA-offer.sdp", true },
		{ "rfc8839-appA-answer.sdp", true },
		{ "rfc8866-s5-example.sdp", true }, { "sdpt-jssip.sdp", true },
		{ "sdpt-normal.sdp", true }, { "sdpt-hacky.sdp", true },
		{ "sdpt-icelite.sdp", true },
		{ "sdpt-invalid.sdp", false }, /* f= is no SDP line */
	};
	struct leakcheck *lc = leakcheck_new();
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(
		    path, sizeof(path), "tests/corpus/sdp/%s", files[i].name);
		check_file(path, lc, files[i].ok);
	}
	leakcheck_free(lc);
}

/* What the real softphones offer, rewritten: none of it survives. */
static void
test_captures(void **state)
{
	static const char *const files[] = { "baresip-g711.sdp",
		"baresip-ice.sdp", "baresip-opus-mux.sdp", "baresip-srtp.sdp",
		"linphonec.sdp", "linphonec-ice.sdp", "linphonec-srtp.sdp" };
	struct leakcheck *lc = leakcheck_new();
	char path[256];
	size_t i;

	(void)state;
	/* The recording machine, as record.py wrote it. */
	add_addr(lc, "127.0.0.1");
	add_addr(lc, "::1");
	add_addr(lc, "192.0.2.200");
	add_addr(lc, "2001:db8::200");
	assert_int_equal(leakcheck_add_name(lc, "carol"), 0);
	assert_int_equal(leakcheck_add_name(lc, "alice"), 0);
	assert_int_equal(leakcheck_add_software(lc, "baresip 1.0.0"), 0);
	assert_int_equal(leakcheck_add_software(lc, "Talk"), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "tests/captures/sdp/%s", files[i]);
		check_file(path, lc, true);
	}
	leakcheck_free(lc);
}

/* Fail with the body unless out holds the text s. */
static void
must_have(const struct buf *out, const char *s)
{
	if (!has(out, s))
		fail_msg("no \"%s\" in:\n%s", s, out->data ? out->data : "");
}

/* Two softphones' numbering of the same codecs. */
static const char numbered_a[] =
    "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio 7078 RTP/AVP 120 0 8 110 99\r\n"
    "a=rtpmap:120 opus/48000/2\r\na=fmtp:120 useinbandfec=1\r\n"
    "a=rtpmap:110 telephone-event/8000\r\na=fmtp:110 0-15\r\n"
    "a=rtpmap:99 telephone-event/48000\r\n";
static const char numbered_b[] =
    "v=0\r\no=b 7 7 IN IP4 127.0.0.1\r\ns=Talk\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio 9000 RTP/AVP 96 0 8 100 101\r\n"
    "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"
    "a=rtpmap:100 telephone-event/48000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

/*
 * Payload type numbers toward the network are the codec's, not the
 * softphone's; the answer comes back in the softphone's numbers, and the
 * map holds both ways for RTP.
 */
static void
test_ptmap(void **state)
{
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_ptmap pm, pm2;
	struct buf out, first;
	const char *reason;
	static const char answer[] =
	    "v=0\r\no=- 5 5 IN IP4 198.51.100.9\r\ns=-\r\n"
	    "c=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 6000 RTP/AVP 96 101\r\n"
	    "a=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-15\r\n";

	(void)state;
	sdprw_session_init(&sess, 1, 1);
	target_init(&t, true);
	sdprw_ptmap_init(&pm);
	t.media[0].ptmap = &pm;
	t.to_network = true;
	assert_int_equal(
	    rewrite(numbered_a, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 96 0 8 101 104\r\n");
	assert_true(has(&out,
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=fmtp:96 useinbandfec=1\r\n"));
	assert_true(has(&out,
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-15\r\n"));
	must_have(&out, "a=rtpmap:104 telephone-event/48000\r\n");
	assert_false(has(&out, "120"));
	assert_false(has(&out, "110"));
	assert_int_equal(pm.to_net[120], 96);
	assert_int_equal(pm.to_net[110], 101);
	assert_int_equal(pm.to_net[99], 104);
	assert_int_equal(pm.to_net[0], 0);
	assert_int_equal(pm.to_sp[96], 120);
	assert_int_equal(pm.to_net[97], SDPRW_PT_NONE);
	/* The other softphone's offer reads the same, o= aside. */
	first = out;
	memset(&out, 0, sizeof(out));
	sdprw_session_init(&sess, 1, 1);
	sdprw_ptmap_init(&pm2);
	t.media[0].ptmap = &pm2;
	assert_int_equal(
	    rewrite(numbered_b, &sess, &t, &out, NULL, &reason), 0);
	assert_string_equal(strstr(first.data, "m="), strstr(out.data, "m="));
	buf_free(&first);
	buf_free(&out);
	/* The peer's answer goes back to softphone a in its own numbers. */
	t.media[0].ptmap = &pm;
	t.to_network = false;
	t.addr = "127.0.0.1";
	assert_int_equal(rewrite(answer, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 120 110\r\n");
	must_have(&out, "a=rtpmap:120 opus/48000/2\r\n");
	must_have(&out, "a=fmtp:110 0-15\r\n");
	buf_free(&out);
}

/*
 * An offer from the network keeps its numbers toward the softphone unless
 * the softphone already uses one for another codec.
 */
static void
test_ptmap_incoming(void **state)
{
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_ptmap pm;
	struct buf out;
	const char *reason;
	static const char offer[] =
	    "v=0\r\no=- 5 5 IN IP4 198.51.100.9\r\ns=-\r\n"
	    "c=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 6000 RTP/AVP 96 0 "
	    "101\r\n"
	    "a=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n";
	static const char sp_answer[] =
	    "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	    "t=0 0\r\nm=audio 7078 RTP/AVP 0 101\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n";
	static const char sp_reoffer[] =
	    "v=0\r\no=a 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	    "t=0 0\r\nm=audio 7078 RTP/AVP 0 101 96 102\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=rtpmap:102 telephone-event/48000\r\n";
	static const char sp_offer_odd[] =
	    "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	    "t=0 0\r\nm=audio 7078 RTP/AVP 104 0\r\n"
	    "a=rtpmap:104 opus/48000/2\r\n";
	static const char net_reoffer[] =
	    "v=0\r\no=- 5 6 IN IP4 198.51.100.9\r\ns=-\r\n"
	    "c=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 6000 RTP/AVP 96 104\r\n"
	    "a=rtpmap:96 opus/48000/2\r\na=rtpmap:104 "
	    "telephone-event/48000\r\n";

	(void)state;
	sdprw_session_init(&sess, 1, 1);
	target_init(&t, false);
	t.addr = "127.0.0.1";
	sdprw_ptmap_init(&pm);
	t.media[0].ptmap = &pm;
	assert_int_equal(rewrite(offer, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 96 0 101\r\n");
	buf_free(&out);
	t.addr = RELAY;
	t.to_network = true;
	assert_int_equal(rewrite(sp_answer, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 0 101\r\n");
	buf_free(&out);
	/* A re-offer in the numbers it was given, and one new type. */
	assert_int_equal(
	    rewrite(sp_reoffer, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 96 0 101 104\r\n");
	assert_int_equal(pm.to_net[102], 104);
	assert_int_equal(pm.to_sp[104], 102);
	buf_free(&out);
	/* A number the softphone uses for another codec is not reused. */
	sdprw_ptmap_init(&pm);
	assert_int_equal(
	    rewrite(sp_offer_odd, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 96 0\r\n");
	buf_free(&out);
	t.addr = "127.0.0.1";
	t.to_network = false;
	assert_int_equal(
	    rewrite(net_reoffer, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out, "m=audio 40000 RTP/AVP 104 127\r\n");
	must_have(&out, "a=rtpmap:127 telephone-event/48000\r\n");
	buf_free(&out);
}

/* fmtp in the table's order and spelling; telephone-event always 0-15. */
static void
test_fmtp_normal(void **state)
{
	struct sdprw_session sess;
	struct sdprw_target t;
	struct buf out;
	const char *reason;
	static const char in[] =
	    "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	    "t=0 0\r\nm=audio 7078 RTP/AVP 96 101 102\r\n"
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=fmtp:96 MaxAverageBitrate=24000; useinbandfec=1;"
	    "maxplaybackrate=16000;useinbandfec=0\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
	    "a=rtpmap:102 telephone-event/48000\r\n";

	(void)state;
	sdprw_session_init(&sess, 1, 1);
	target_init(&t, true);
	assert_int_equal(rewrite(in, &sess, &t, &out, NULL, &reason), 0);
	must_have(&out,
	    "a=fmtp:96 maxplaybackrate=16000;useinbandfec=1;"
	    "maxaveragebitrate=24000\r\n");
	must_have(&out, "a=fmtp:101 0-15\r\n");
	must_have(&out, "a=fmtp:102 0-15\r\n");
	assert_false(has(&out, "0-16"));
	buf_free(&out);
}

/* The session starts with the caller's identifiers. */
static void
test_session_init(void **state)
{
	struct sdprw_session s;

	(void)state;
	sdprw_session_init(&s, 42, 7);
	assert_int_equal(s.sess_id, 42);
	assert_int_equal(s.version, 7);
	assert_false(s.have_in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_init),
		cmocka_unit_test(test_ptmap),
		cmocka_unit_test(test_ptmap_incoming),
		cmocka_unit_test(test_fmtp_normal),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_rtcp_and_crypto),
		cmocka_unit_test(test_crypto_choice),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_ptime),
		cmocka_unit_test(test_video),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_name_in_c),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_captures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
