/*
 * Benchmark: the B2BUA's own cost. Incoming calls on a stream into
 * OnionListen are rung at a UDP "softphone", answered, ACKed and hung up
 * by the caller, all on loopback in one process: wall time and CPU time
 * per whole call (9 SIP messages parsed and 9 written by onionsip), and
 * the heap each ringing call holds (mallinfo2 with N calls ringing at
 * once). Tor and the media path are left out (media is a stand-in with a
 * fixed relay address): their costs are measured in their own benchmarks
 * and in the system tests.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "call.h"
#include "log.h"
#include "media.h"
#include "settings.h"
#include "tor.h"

#define ONION "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx"
#define PEER  "zyxwvutsrqponmlkjihgfedcba765432zyxwvutsrqponmlkjihgfedc"

struct media {
	struct event *ev;
	media_cb *cb;
	void *arg;
};

/* Report the relay as ready, on the next loop turn like the real one. */
static void
media_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct media *m = arg;

	m->cb(m, MEDIA_EV_READY, NULL, m->arg);
}

/* The stand-in media path: ready at once, a fixed relay. */
struct media *
media_new(
    struct event_base *base, struct turnpool *pool, media_cb *cb, void *arg)
{
	struct media *m = calloc(1, sizeof(*m));

	m->cb = cb;
	m->arg = arg;
	m->ev = event_new(base, -1, 0, media_ready_cb, m);
	event_active(m->ev, EV_TIMEOUT, 0);
	return m;
}

/* Stand-in for media_free() (see the top of this file). */
void
media_free(struct media *m)
{
	if (m != NULL)
		event_free(m->ev);
	free(m);
}

/* Stand-in for media_local_ports() (see the top of this file). */
void
media_local_ports(const struct media *m, uint16_t *rtp, uint16_t *rtcp)
{
	*rtp = 41000;
	*rtcp = 41001;
}

/* Stand-in for media_ready() (see the top of this file). */
bool
media_ready(const struct media *m)
{
	return true;
}

/* Stand-in for media_relay() (see the top of this file). */
int
media_relay(const struct media *m, char *addr, size_t len, uint16_t *port)
{
	snprintf(addr, len, "192.0.2.7");
	*port = 50000;
	return 0;
}

/* Stand-in for media_crypto() (see the top of this file). */
const char *
media_crypto(const struct media *m)
{
	return "AES_CM_128_HMAC_SHA1_80 "
	       "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
}

/* Stand-in for media_set_softphone() (see the top of this file). */
int
media_set_softphone(struct media *m, const char *a, uint16_t r, uint16_t c)
{
	return 0;
}

/* Stand-in for media_set_peer() (see the top of this file). */
int
media_set_peer(struct media *m, const char *a, uint16_t r, uint16_t c,
    const char *crypto, bool plain, const char **why)
{
	return 0;
}

/* Stand-in for media_set_direction() (see the top of this file). */
void
media_set_direction(struct media *m, enum media_dir dir)
{
}

/* Stand-in for media_set_ptmap() (see the top of this file). */
void
media_set_ptmap(struct media *m, const uint8_t *to_net, const uint8_t *to_sp)
{
}

/* Stand-in for media_get_stats() (see the top of this file). */
void
media_get_stats(const struct media *m, struct media_stats *st)
{
	memset(st, 0, sizeof(*st));
}

static struct event_base *base;
static struct call_table *t;
static int sp_fd;
static char sbuf[65536];
static size_t shave;

#define SDP                                                              \
	"v=0\r\no=- 5 5 IN IP4 198.51.100.9\r\ns=-\r\n"                  \
	"c=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 60000 RTP/SAVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n"                                       \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "                            \
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"

#define SDP_SP                                                      \
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"                \
	"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7078 RTP/AVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n"

/* One turn of the loop. */
static void
spin(void)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/* The next datagram at the softphone. */
static int
sp_recv(char *buf, size_t len)
{
	ssize_t n;
	int i;

	for (i = 0; i < 100000; i++) {
		if ((n = recv(sp_fd, buf, len - 1, MSG_DONTWAIT)) > 0) {
			buf[n] = '\0';
			return (int)n;
		}
		spin();
	}
	fprintf(stderr, "softphone: nothing\n");
	exit(1);
}

/* The next message on a stream (Content-Length framed). */
static void
stream_recv(int fd, char *buf, size_t len)
{
	int i;

	for (i = 0; i < 100000; i++) {
		char *end, *cl;
		size_t total;
		ssize_t n;

		sbuf[shave] = '\0';
		if ((end = strstr(sbuf, "\r\n\r\n")) != NULL &&
		    (cl = strstr(sbuf, "Content-Length: ")) != NULL &&
		    (total = (size_t)(end + 4 - sbuf) +
			    strtoul(cl + 16, NULL, 10)) <= shave) {
			memcpy(buf, sbuf, total);
			buf[total] = '\0';
			memmove(sbuf, sbuf + total, shave - total);
			shave -= total;
			return;
		}
		n = recv(
		    fd, sbuf + shave, sizeof(sbuf) - 1 - shave, MSG_DONTWAIT);
		if (n > 0)
			shave += (size_t)n;
		else
			spin();
	}
	fprintf(
	    stderr, "stream: nothing (%zu: %.*s)\n", shave, (int)shave, sbuf);
	exit(1);
}

/* A header value. */
static void
hdr(const char *msg, const char *name, char *out, size_t len)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	if ((p = strstr(msg, pat)) == NULL) {
		out[0] = '\0';
		return;
	}
	p += strlen(pat);
	e = strstr(p, "\r\n");
	snprintf(out, len, "%.*s", (int)(e - p), p);
}

/* Answer request req from the softphone with code. */
static void
sp_reply(const char *req, int code, const char *body)
{
	char via[512], from[300], to[300], cid[200], cseq[64], out[4096];
	struct sockaddr_in sin = { 0 };
	int n;

	hdr(req, "Via", via, sizeof(via));
	hdr(req, "From", from, sizeof(from));
	hdr(req, "To", to, sizeof(to));
	hdr(req, "Call-ID", cid, sizeof(cid));
	hdr(req, "CSeq", cseq, sizeof(cseq));
	n = snprintf(out, sizeof(out),
	    "SIP/2.0 %d X\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s\r\n"
	    "Call-ID: %s\r\nCSeq: %s\r\nContact: <sip:bob@127.0.0.1:5999>\r\n"
	    "%sContent-Length: %zu\r\n\r\n%s",
	    code, via, from, to, strstr(to, "tag=") ? "" : ";tag=sp", cid, cseq,
	    body ? "Content-Type: application/sdp\r\n" : "",
	    body ? strlen(body) : 0, body ? body : "");
	sin.sin_family = AF_INET;
	sin.sin_port = htons(call_table_local_port(t));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sendto(sp_fd, out, n, 0, (struct sockaddr *)&sin, sizeof(sin));
}

/* Write an INVITE from the network on fd. */
static void
net_invite(int fd, int i)
{
	char out[4096];
	int n;

	n = snprintf(out, sizeof(out),
	    "INVITE sip:bob@" ONION ".onion SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKb%d\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:carol@" PEER ".onion>;tag=n%d\r\n"
	    "To: <sip:bob@" ONION ".onion>\r\nCall-ID: bench-%d\r\n"
	    "CSeq: 1 INVITE\r\nContact: <sip:carol@" PEER ".onion>\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
	    i, i, i, strlen(SDP), SDP);
	if (write(fd, out, n) != n)
		exit(1);
}

/* One whole call: INVITE, 100, 180, 200, ACK, BYE, 200 on both legs. */
static void
one_call(int fd, int i)
{
	char inv[8192], m[8192], from[300], to[300], cid[200], out[2048];
	int n;

	net_invite(fd, i);
	stream_recv(fd, m, sizeof(m)); /* 100 */
	sp_recv(inv, sizeof(inv));
	sp_reply(inv, 180, NULL);
	stream_recv(fd, m, sizeof(m));
	sp_reply(inv, 200, SDP_SP);
	stream_recv(fd, m, sizeof(m));
	hdr(m, "From", from, sizeof(from));
	hdr(m, "To", to, sizeof(to));
	hdr(m, "Call-ID", cid, sizeof(cid));
	n = snprintf(out, sizeof(out),
	    "ACK sip:bob@" ONION ".onion SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKa%d\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
	    "BYE sip:bob@" ONION ".onion SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKy%d\r\n"
	    "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
	    i, from, to, cid, i, from, to, cid);
	if (write(fd, out, n) != n)
		exit(1);
	sp_recv(m, sizeof(m)); /* ACK (or a repeated 200 first) */
	while (strncmp(m, "ACK", 3) != 0)
		sp_recv(m, sizeof(m));
	stream_recv(fd, m, sizeof(m)); /* 200 to BYE */
	sp_recv(m, sizeof(m));	       /* BYE */
	sp_reply(m, 200, NULL);
	spin();
}

/* A socket bound on 127.0.0.1. */
static int
bound(int type, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, type, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)sin, sizeof(*sin));
	getsockname(fd, (struct sockaddr *)sin, &len);
	if (type == SOCK_STREAM)
		listen(fd, 1024);
	return fd;
}

/* Resident memory in bytes (from /proc/self/statm). */
static long
rss_now(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

/* CPU seconds used so far. */
static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Wall seconds. */
static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct settings set;
	struct call_config cfg = { 0 };
	struct sockaddr_in sp, on;
	struct mallinfo2 m0, m1;
	char err[256], buf[8192];
	int calls = argc > 1 ? atoi(argv[1]) : 300;
	int ringing = argc > 2 ? atoi(argv[2]) : 200;
	int fd, i, *fds;
	double w0, c0, w, c;
	long r0, r1;

	if (getenv("BENCH_DEBUG"))
		log_init(true, LOGL_DEBUG, true);
	base = event_base_new();
	settings_init(&set);
	set.sip_listen.port = 0;
	set.caller_rate_limit = 1000000; /* one caller places them all */
	set.max_ringing = 256;
	set.max_calls = 4096;
	sp_fd = bound(SOCK_DGRAM, &sp);
	free(set.local_contact);
	set.local_contact = malloc(64);
	snprintf(
	    set.local_contact, 64, "sip:bob@127.0.0.1:%d", ntohs(sp.sin_port));
	tor_init(base);
	tor_set_onion(ONION, 5060);
	cfg.set = &set;
	cfg.pool = (struct turnpool *)&set;
	t = call_table_new(base, &cfg, err, sizeof(err));
	if (call_table_listen(t, err, sizeof(err)) != 0)
		return 1;
	call_table_adopt_onion_listener(t, bound(SOCK_STREAM, &on));

	/* Whole calls, one after another, each on its own stream. */
	w0 = wall_now();
	c0 = cpu_now();
	for (i = 0; i < calls; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		connect(fd, (struct sockaddr *)&on, sizeof(on));
		shave = 0;
		one_call(fd, i);
		close(fd);
	}
	w = wall_now() - w0;
	c = cpu_now() - c0;
	printf("calls: %d whole calls (INVITE..BYE, 18 SIP messages through "
	       "the gateway each)\n",
	    calls);
	printf("  %.1f us wall, %.1f us CPU per call (%.0f calls/s on one "
	       "core)\n",
	    w / calls * 1e6, c / calls * 1e6, calls / c);

	/* Memory: many calls ringing at once. */
	for (i = 0; i < 50; i++)
		spin();
	m0 = mallinfo2();
	r0 = rss_now();
	fds = calloc(ringing, sizeof(int));
	for (i = 0; i < ringing; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		connect(fds[i], (struct sockaddr *)&on, sizeof(on));
		shave = 0;
		net_invite(fds[i], 100000 + i);
		stream_recv(fds[i], buf, sizeof(buf));
		sp_recv(buf, sizeof(buf));
	}
	m1 = mallinfo2();
	r1 = rss_now();
	printf("  %d calls ringing at once: %.1f KiB of heap (mallinfo2; 0 "
	       "under ASan), %.1f KiB resident per call (signalling only; "
	       "the media path has its own)\n",
	    ringing, (double)(m1.uordblks - m0.uordblks) / ringing / 1024,
	    (double)(r1 - r0) / ringing / 1024);
	for (i = 0; i < ringing; i++)
		close(fds[i]);
	for (i = 0; i < 200; i++)
		spin();
	call_table_free(t);
	tor_reset();
	settings_free(&set);
	event_base_free(base);
	free(fds);
	return 0;
}
