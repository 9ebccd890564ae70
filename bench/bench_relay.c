/*
 * bench_relay: what the media path costs (issue 4).
 *
 *   bench_relay                         the per-packet CPU cost of the
 *                                       rewrite + SRTP + framing pipeline
 *   bench_relay TURNHOST TURNPORT USER PASSWORD [CALLS] [SECONDS]
 *                                       also CALLS calls through a real TURN
 *                                       server on loopback (coturn), 50
 *                                       packets/s each way per call: one-way
 *                                       latency phone to phone (median, p99),
 *                                       CPU per call, memory per call
 *
 * The TURN client always connects through SOCKS5; here a tiny forked
 * SOCKS5 relay on loopback stands in for tor, so the figures are the
 * gateway's and coturn's, without Tor's.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "media.h"
#include "rtprw.h"
#include "srtpctx.h"
#include "turnclient.h"
#include "turnframe.h"
#include "turnpool.h"

#define PAYLOAD	  160
#define MAX_CALLS 500

/* Seconds of CPU this process used. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Resident memory in KB. */
static long
rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The pure pipeline both ways, N packets. */
static void
bench_pipeline(void)
{
	uint8_t ka[SRTPCTX_KEY_LEN] = { 1 }, kb[SRTPCTX_KEY_LEN] = { 2 };
	struct srtpctx *a = srtpctx_new(ka, kb), *b = srtpctx_new(kb, ka);
	uint8_t p[2048], frame[2048];
	struct turnframe f;
	struct rtprw rw;
	const char *why;
	const int n = 200000;
	uint64_t t0, t1, t2;
	size_t len, flen;
	int i;

	rtprw_init(&rw, 0x12345678, 77, 99, 0, "benchbenchbenchb");
	t0 = turnclient_now_us();
	for (i = 0; i < n; i++) {
		memset(p, 0, 12);
		p[0] = 0x80;
		p[3] = (uint8_t)i;
		p[2] = (uint8_t)(i >> 8);
		len = 12 + PAYLOAD;
		len = (size_t)rtprw_out(&rw, p, len, &why);
		srtpctx_protect_rtp(a, p, &len, sizeof(p));
		flen = turnframe_channel_write(
		    frame, sizeof(frame), 0x4000, p, len);
		(void)flen;
	}
	t1 = turnclient_now_us();
	for (i = 0; i < n; i++) {
		/* Receive side: frame, unprotect, check (fresh packets). */
		memset(p, 0, 12);
		p[0] = 0x80;
		p[3] = (uint8_t)i;
		p[2] = (uint8_t)(i >> 8);
		len = 12 + PAYLOAD;
		srtpctx_protect_rtp(b, p, &len, sizeof(p));
		flen = turnframe_channel_write(
		    frame, sizeof(frame), 0x4000, p, len);
		turnframe_next(frame, flen, &f, &why);
		memcpy(p, f.payload, f.payload_len);
		len = f.payload_len;
		if (srtpctx_unprotect_rtp(a, p, &len) < 0 ||
		    rtprw_in(p, len, &why) < 0) {
			printf("pipeline check failed\n");
			exit(1);
		}
	}
	t2 = turnclient_now_us();
	printf("pipeline out (rewrite+SRTP+ChannelData): %.2f us/packet, "
	       "%.0f packets/s on one core\n",
	    (double)(t1 - t0) / n, n / ((double)(t1 - t0) / 1e6));
	printf("pipeline in (frame+SRTP check+peer SRTP protect): %.2f "
	       "us/packet\n",
	    (double)(t2 - t1) / n);
	srtpctx_free(a);
	srtpctx_free(b);
}

/* One connection of the stand-in SOCKS5 proxy: handshake, then splice. */
static void
proxy_conn(int c)
{
	uint8_t b[4096];
	struct sockaddr_in to;
	struct pollfd pf[2];
	char host[256];
	ssize_t n;
	int s, i;

	/* greeting, user/pass, request: read what socks5_conn sends */
	if (recv(c, b, 3, MSG_WAITALL) != 3 || write(c, "\x05\x02", 2) != 2 ||
	    recv(c, b, 2, MSG_WAITALL) != 2 ||
	    recv(c, b + 2, b[1] + 1, MSG_WAITALL) != b[1] + 1 ||
	    recv(c, b + 3 + b[1], b[2 + b[1]], MSG_WAITALL) < 0 ||
	    write(c, "\x01\x00", 2) != 2 || recv(c, b, 5, MSG_WAITALL) != 5 ||
	    recv(c, host, b[4], MSG_WAITALL) != b[4] ||
	    recv(c, b + 5, 2, MSG_WAITALL) != 2)
		_exit(1);
	host[b[4]] = '\0';
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)(b[5] << 8 | b[6]));
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1 ||
	    (s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&to, sizeof(to)) == -1) {
		(void)write(c, "\x05\x05\x00\x01\0\0\0\0\0\0", 10);
		_exit(1);
	}
	if (write(c, "\x05\x00\x00\x01\0\0\0\0\0\0", 10) != 10)
		_exit(1);
	i = 1;
	(void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &i, sizeof(i));
	(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &i, sizeof(i));
	pf[0].fd = c;
	pf[1].fd = s;
	pf[0].events = pf[1].events = POLLIN;
	for (;;) {
		if (poll(pf, 2, -1) < 0)
			_exit(0);
		for (i = 0; i < 2; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP)))
				continue;
			if ((n = read(pf[i].fd, b, sizeof(b))) <= 0 ||
			    write(pf[1 - i].fd, b, (size_t)n) != n)
				_exit(0);
		}
	}
}

/* Fork the stand-in SOCKS5 proxy; returns its port. */
static uint16_t
proxy_start(pid_t *pid)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l, c;

	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 64) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1) {
		perror("proxy");
		exit(1);
	}
	if ((*pid = fork()) == 0) {
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			if ((c = accept(l, NULL, NULL)) == -1)
				continue;
			if (fork() == 0) {
				close(l);
				proxy_conn(c);
			}
			close(c);
		}
	}
	close(l);
	return ntohs(sin.sin_port);
}

struct call;

/* One side of a call: a media object and a fake phone. */
struct leg {
	struct call *call;
	struct media *m;
	int phone;
	uint16_t port;
	bool ready;
	struct leg *other;
	uint32_t sent, recv;
};

struct call {
	struct leg leg[2];
	bool started;
};

static struct event_base *base;
static struct call *calls;
static int ncalls, nready, seconds;
static uint64_t *lat;
static size_t nlat, maxlat;
static struct event *ev_tick;
static int ticks;
static double cpu_start;
static uint64_t run_start_us;

/* Packets at a fake phone: one-way latency from the stamp inside. */
static void
phone_cb(evutil_socket_t fd, short what, void *arg)
{
	struct leg *l = arg;
	uint8_t p[2048];
	uint64_t t;
	ssize_t n;

	while ((n = recv(fd, p, sizeof(p), 0)) > 0) {
		if (n != 12 + PAYLOAD)
			continue;
		memcpy(&t, p + 12, sizeof(t));
		if (nlat < maxlat)
			lat[nlat++] = turnclient_now_us() - t;
		l->recv++;
	}
}

/* Send one stamped packet from a leg's phone. */
static void
leg_send(struct leg *l)
{
	struct sockaddr_in to;
	uint8_t p[12 + PAYLOAD];
	uint16_t rtp, rtcp;
	uint64_t now = turnclient_now_us();

	media_local_ports(l->m, &rtp, &rtcp);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(rtp);
	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	p[2] = (uint8_t)(l->sent >> 8);
	p[3] = (uint8_t)l->sent;
	memcpy(p + 12, &now, sizeof(now));
	if (sendto(l->phone, p, sizeof(p), 0, (struct sockaddr *)&to,
		sizeof(to)) > 0)
		l->sent++;
}

/* Every 20 ms each phone of each call sends a packet. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	int i;

	if (++ticks > seconds * 50) {
		event_base_loopexit(base, NULL);
		return;
	}
	for (i = 0; i < ncalls; i++) {
		leg_send(&calls[i].leg[0]);
		leg_send(&calls[i].leg[1]);
	}
}

/* Connect a call's legs to each other's relay. */
static void
call_start(struct call *c)
{
	char addr[MEDIA_ADDR_MAX], crypto[MEDIA_CRYPTO_MAX + 4];
	const char *why;
	uint16_t port;
	int i;

	for (i = 0; i < 2; i++) {
		struct leg *l = &c->leg[i];

		media_relay(l->other->m, addr, sizeof(addr), &port);
		snprintf(
		    crypto, sizeof(crypto), "1 %s", media_crypto(l->other->m));
		media_set_softphone(l->m, "127.0.0.1", l->port, 0);
		if (media_set_peer(l->m, addr, port, 0, crypto, false, &why) <
		    0) {
			printf("set_peer: %s\n", why);
			exit(1);
		}
	}
}

/* Media ready or failed. */
static void
media_event(struct media *m, enum media_event ev, const char *reason, void *arg)
{
	struct leg *l = arg;
	struct timeval tv = { 0, 20000 };

	if (ev == MEDIA_EV_ERROR) {
		printf("media error: %s\n", reason);
		exit(1);
	}
	l->ready = true;
	if (l->other->ready && !l->call->started) {
		l->call->started = true;
		call_start(l->call);
		if (++nready == ncalls) {
			/* Let the ChannelBinds settle, then measure. */
			ev_tick =
			    event_new(base, -1, EV_PERSIST, tick_cb, NULL);
			event_add(ev_tick, &tv);
			cpu_start = cpu_s();
			run_start_us = turnclient_now_us();
		}
	}
}

/* Sort helper for latencies. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* CALLS calls through the TURN server for SECONDS. */
static void
bench_turn(int argc, char **argv)
{
	struct turnpool_config cfg;
	struct sockaddr_in socks;
	struct turnpool *pool;
	struct sockaddr_in sin;
	socklen_t slen;
	uint64_t sent = 0, recv_ = 0;
	long rss0, rss1;
	double cpu;
	pid_t proxy;
	int i, j;

	ncalls = argc > 5 ? atoi(argv[5]) : 20;
	seconds = argc > 6 ? atoi(argv[6]) : 10;
	if (ncalls < 1 || ncalls > MAX_CALLS)
		ncalls = 20;
	memset(&socks, 0, sizeof(socks));
	socks.sin_family = AF_INET;
	socks.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socks.sin_port = htons(proxy_start(&proxy));
	memset(&cfg, 0, sizeof(cfg));
	cfg.socks = (struct sockaddr *)&socks;
	cfg.sockslen = sizeof(socks);
	cfg.server_host = argv[1];
	cfg.server_port = (uint16_t)atoi(argv[2]);
	cfg.user = argv[3];
	cfg.password = argv[4];
	base = event_base_new();
	pool = turnpool_new(base, &cfg);
	maxlat = (size_t)ncalls * 2 * 50 * (size_t)seconds;
	lat = calloc(maxlat, sizeof(*lat));
	calls = calloc((size_t)ncalls, sizeof(*calls));
	rss0 = rss_kb();
	for (i = 0; i < ncalls; i++) {
		for (j = 0; j < 2; j++) {
			struct leg *l = &calls[i].leg[j];

			l->call = &calls[i];
			l->other = &calls[i].leg[1 - j];
			l->phone =
			    socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			slen = sizeof(sin);
			bind(l->phone, (struct sockaddr *)&sin, sizeof(sin));
			getsockname(l->phone, (struct sockaddr *)&sin, &slen);
			l->port = ntohs(sin.sin_port);
			event_add(event_new(base, l->phone,
				      EV_READ | EV_PERSIST, phone_cb, l),
			    NULL);
			l->m = media_new(base, pool, media_event, l);
		}
	}
	event_base_dispatch(base);
	cpu = cpu_s() - cpu_start;
	rss1 = rss_kb();
	for (i = 0; i < ncalls; i++)
		for (j = 0; j < 2; j++) {
			sent += calls[i].leg[j].sent;
			recv_ += calls[i].leg[j].recv;
		}
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	printf("calls %d, %d s, 50 packets/s each way: sent %llu received "
	       "%llu\n",
	    ncalls, seconds, (unsigned long long)sent,
	    (unsigned long long)recv_);
	if (nlat > 0)
		printf("one-way latency phone -> gateway -> coturn -> gateway "
		       "-> phone: median %llu us, p99 %llu us\n",
		    (unsigned long long)lat[nlat / 2],
		    (unsigned long long)lat[nlat * 99 / 100]);
	printf("CPU: %.3f%% of a core per call (both gateways of the call, "
	       "%.1f us per packet end to end)\n",
	    cpu / (double)((turnclient_now_us() - run_start_us) / 1e6) * 100 /
		ncalls,
	    cpu * 1e6 / (double)(sent ? sent : 1));
	printf("capacity: %.0f packets per CPU-second end to end (each packet "
	       "crosses two gateways and two phones here)\n",
	    (double)sent / (cpu > 0 ? cpu : 1));
	printf("memory: %ld KB per call leg (RSS growth over %d legs)\n",
	    (rss1 - rss0) / (2 * ncalls), 2 * ncalls);
	for (i = 0; i < ncalls; i++)
		for (j = 0; j < 2; j++)
			media_free(calls[i].leg[j].m);
	turnpool_free(pool);
	kill(proxy, SIGTERM);
	waitpid(proxy, NULL, 0);
}

/* The pipeline figures, then the TURN run if a server is given. */
int
main(int argc, char **argv)
{
	log_init(true, LOGL_WARN, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_pipeline();
	if (argc >= 5)
		bench_turn(argc, argv);
	return 0;
}
