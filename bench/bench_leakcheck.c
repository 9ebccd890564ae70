/*
 * Benchmark: microseconds of CPU time (not wall time: the machine is
 * shared) per leak-check scan of a 1.2 KB INVITE with SDP,
 * with a machine's worth of secrets loaded (addresses, names, software).
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "leakcheck.h"

static const char invite[] =
    "INVITE sip:bob@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
    ".onion SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK3f8a9c0d1e2f3a4b5c6d\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd"
    ".onion>;tag=9fx8a7b6c5d4e3f2\r\n"
    "To: <sip:bob@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
    ".onion>\r\n"
    "Call-ID: 4c3b2a190f8e7d6c5b4a39281706f5e4\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnp"
    "yyd.onion;transport=tcp>\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\n"
    "Supported: replaces\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 390\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 4611686018427387904 1 IN IP4 198.51.100.7\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/SAVP 96 0 8 101\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 useinbandfec=1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n"
    "a=rtcp:49170 IN IP4 198.51.100.7\r\n"
    "a=rtcp-mux\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

/* Add an address given as text. */
static void
add(struct leakcheck *lc, const char *text)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		leakcheck_add_addr(lc, (struct sockaddr *)&sin);
	} else if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		leakcheck_add_addr(lc, (struct sockaddr *)&sin6);
	}
}

int
main(void)
{
	static const char *const allowed[] = { "198.51.100.7" };
	struct leakcheck *lc = leakcheck_new();
	struct timespec a, b;
	size_t i, n = 200000;
	double us;

	add(lc, "127.0.0.1");
	add(lc, "::1");
	add(lc, "192.168.1.20");
	add(lc, "10.8.0.6");
	add(lc, "fe80::6676:baff:fe9c:ee4a");
	add(lc, "2001:db8:aaaa::5");
	leakcheck_add_name(lc, "alice-laptop.home.example.org");
	leakcheck_add_name(lc, "alice-laptop");
	leakcheck_add_software(lc, "baresip v1.0.0 (x86_64/linux)");
	leakcheck_add_software(lc, "Linphonec/5.1.65 (belle-sip/5.1.64)");
	if (leakcheck_scan(lc, invite, sizeof(invite) - 1, allowed, 1) !=
	    LEAKCHECK_PASS) {
		fprintf(stderr, "bench_leakcheck: the clean INVITE fails\n");
		return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < n; i++)
		if (leakcheck_scan(lc, invite, sizeof(invite) - 1, allowed,
			1) != LEAKCHECK_PASS)
			return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e6 +
		 (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
	    (double)n;
	printf("leakcheck: INVITE with SDP (%zu bytes): %.2f us CPU per scan, "
	       "%.0f MB/s\n",
	    sizeof(invite) - 1, us, (double)(sizeof(invite) - 1) / us);
	leakcheck_free(lc);
	return 0;
}
