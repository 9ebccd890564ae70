/*
 * Benchmark: microseconds of CPU time per SDP rewrite (CPU, not wall
 * time: the machine is shared), for a small G.711 offer and for
 * a large WebRTC-style offer with ICE candidates, SRTP and video.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "sdprw.h"

static const char small[] =
    "v=0\r\n"
    "o=- 2084834735 667709218 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "a=tool:baresip 1.0.0\r\n"
    "m=audio 22610 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=rtcp-rsize\r\n"
    "a=ssrc:3764704593 cname:sip:alice@127.0.0.1:38951\r\n"
    "a=minptime:20\r\n"
    "a=ptime:20\r\n";

static const char large[] =
    "v=0\r\n"
    "o=- 1373052745 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE audio video\r\n"
    "a=msid-semantic: WMS Jvlam5X3SX1OP6pn20zWogvaKJz5Hjf9OnlV\r\n"
    "m=audio 60017 RTP/SAVPF 111 103 104 0 8 106 105 13 126\r\n"
    "c=IN IP4 193.84.77.194\r\n"
    "a=rtcp:60017 IN IP4 193.84.77.194\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.34.75 60017 typ host "
    "generation 0\r\n"
    "a=candidate:1467250027 2 udp 2122260222 192.168.34.75 60017 typ host "
    "generation 0\r\n"
    "a=candidate:435653019 1 tcp 1845501695 192.168.34.75 0 typ host tcptype "
    "active generation 0\r\n"
    "a=candidate:3234567 1 udp 1686052607 193.84.77.194 60017 typ srflx "
    "raddr 192.168.34.75 rport 60017 generation 0\r\n"
    "a=ice-ufrag:5I2uVefP13X1wzOY\r\n"
    "a=ice-pwd:e46UjXntt0K/xTncQcDBQePn\r\n"
    "a=ice-options:google-ice\r\n"
    "a=fingerprint:sha-256 59:25:7F:3D:BE:73:4F:61:FB:B5:36:2A:33:75:23:8E:"
    "47:E1:8F:4C:4F:82:20:F7:1B:54:D5:29:0C:3F:B2:A6\r\n"
    "a=setup:actpass\r\n"
    "a=mid:audio\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=crypto:0 AES_CM_128_HMAC_SHA1_32 "
    "inline:6JYKxLF+o2nhouDHr5J0oNb3CEGK3I/HHv9idGTY\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:ayId2M5kCitGTEEI9OjgEqatTA0IXGpQhFu9fsvu\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10; useinbandfec=1\r\n"
    "a=rtpmap:103 ISAC/16000\r\n"
    "a=rtpmap:104 ISAC/32000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:106 CN/32000\r\n"
    "a=rtpmap:105 CN/16000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=maxptime:60\r\n"
    "a=ssrc:2754920552 cname:t9YU8M1UxTF8Y1A1\r\n"
    "a=ssrc:2754920552 msid:Jvlam5X3SX1OP6pn20zWogvaKJz5Hjf9OnlV "
    "Jvlam5X3SX1OP6pn20zWogvaKJz5Hjf9OnlVa0\r\n"
    "a=ssrc:2754920552 mslabel:Jvlam5X3SX1OP6pn20zWogvaKJz5Hjf9OnlV\r\n"
    "a=ssrc:2754920552 label:Jvlam5X3SX1OP6pn20zWogvaKJz5Hjf9OnlVa0\r\n"
    "m=video 60017 RTP/SAVPF 100 116 117\r\n"
    "c=IN IP4 193.84.77.194\r\n"
    "a=rtcp:60017 IN IP4 193.84.77.194\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.34.75 60017 typ host "
    "generation 0\r\n"
    "a=ice-ufrag:5I2uVefP13X1wzOY\r\n"
    "a=ice-pwd:e46UjXntt0K/xTncQcDBQePn\r\n"
    "a=mid:video\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:100 VP8/90000\r\n"
    "a=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 ulpfec/90000\r\n"
    "a=ssrc:2255318562 cname:t9YU8M1UxTF8Y1A1\r\n";

/* Rewrite one body n times; microseconds per rewrite. */
static double
bench_one(const char *in, size_t n)
{
	static const char key[] =
	    "1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	struct sdprw_policy pol = { .ncodecs = 0 };
	struct sdprw_session sess;
	struct sdprw_target t;
	struct sdprw_info info;
	struct timespec a, b;
	const char *reason;
	struct buf out;
	size_t i, len = strlen(in);

	memset(&t, 0, sizeof(t));
	t.addr = "198.51.100.7";
	t.media[0].port = 40000;
	t.media[0].rtcp_mux = true;
	t.media[0].crypto = key;
	t.media[1].port = 40002;
	t.media[1].rtcp_mux = true;
	sdprw_session_init(&sess, 1234567890123ULL, 1);
	buf_init(&out, SDPRW_MAX_BODY);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < n; i++) {
		if (sdprw_rewrite(
			in, len, &pol, &sess, &t, &out, &info, &reason) != 0) {
			fprintf(stderr, "bench_sdprw: refused: %s\n", reason);
			return -1;
		}
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	buf_free(&out);
	return ((double)(b.tv_sec - a.tv_sec) * 1e6 +
		   (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
	    (double)n;
}

int
main(void)
{
	size_t n = 100000;
	double us;

	us = bench_one(small, n);
	printf("sdprw: small offer (%zu bytes): %.2f us CPU per rewrite, "
	       "%.0f per second\n",
	    sizeof(small) - 1, us, 1e6 / us);
	us = bench_one(large, n / 4);
	printf(
	    "sdprw: large WebRTC offer with ICE (%zu bytes): %.2f us CPU per "
	    "rewrite, %.0f per second\n",
	    sizeof(large) - 1, us, 1e6 / us);
	return 0;
}
