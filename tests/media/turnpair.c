/*
 * turnpair: two onionsip media paths, as two gateways would hold them, for
 * tests/system/t_media.py. Each side has a TURN pool (no warm allocation)
 * on the given tor SocksPort and TURN server, a media object, and a fake
 * softphone (a UDP socket on 127.0.0.1). The two media objects are given
 * each other's relayed address and SRTP key, then each phone sends RTP
 * (sequence numbers from 0, a known payload of 20-160 bytes, varying as a
 * VBR codec's would) and a captured linphonec RTCP
 * compound every second; the other phone checks what arrives.
 *
 *   turnpair SOCKSPORT TURNHOST TURNPORT USER PASSWORD alloc
 *   turnpair SOCKSPORT TURNHOST TURNPORT USER PASSWORD relay SECONDS RTCPFILE
 *   turnpair ... hold SECONDS RTCPFILE    (alice holds bob for 1 s)
 *   turnpair ... stall SECONDS RTCPFILE   (losses allowed: tor is stopped
 *                                          for a while by the test)
 *
 * Prints "key value" lines; exit 0 when everything arrived intact, 1 when
 * not, 2 on a media error (the reason is printed as "error ...").
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "media.h"
#include "turnclient.h"
#include "turnpool.h"

#define PAYLOAD		 160
/* Packet idx's payload length, 20..160 bytes: sizes vary as with VBR. */
#define PAYLOAD_LEN(idx) (20 + (size_t)(idx)*37 % 141)

struct side {
	const char *name;
	struct turnpool *pool;
	struct media *m;
	int phone; /* the fake softphone's socket */
	uint16_t phone_port;
	struct event *ev;
	bool ready;
	/* what this phone sent, and what it received from the other */
	uint32_t sent, rtcp_sent;
	uint32_t recv, next, bad_order, bad_payload, not_rewritten;
	uint32_t rtcp_recv, rtcp_leak;
	uint32_t gaps, late; /* packets missing; arrived > 500 ms late */
	uint64_t max_lat_us; /* worst one-way latency, phone to phone */
	uint64_t *send_us;   /* when each packet left this phone */
	size_t nsend;
	struct side *other;
};

static struct event_base *base;
static struct side sides[2];
static const char *mode;
static int seconds, failed, nready;
static uint8_t rtcp_pkt[1500];
static size_t rtcp_len;
static struct event *ev_tick, *ev_stop;
static int ticks;

/* True if needle occurs in p. */
static bool
has(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, needle, n) == 0)
			return true;
	return false;
}

/*
 * Answer an SR as a softphone would, with an RR whose report block echoes
 * the SR's NTP middle bits (LSR) after DLSR 0: the sender's gateway then
 * measures the media round trip through tor.
 */
static void
phone_answer_sr(struct side *s, const uint8_t *sr)
{
	uint8_t rr[32] = { 0x81, 201, 0, 7, 0x0b, 0x0b, 0x0b, 0x0b };
	struct sockaddr_in to;
	uint16_t rtp, rtcp;

	memcpy(rr + 8, sr + 4, 4);   /* about the SR's sender */
	memcpy(rr + 24, sr + 10, 4); /* LSR */
	media_local_ports(s->m, &rtp, &rtcp);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(rtcp);
	(void)sendto(
	    s->phone, rr, sizeof(rr), 0, (struct sockaddr *)&to, sizeof(to));
}

/* Packets arriving at a fake softphone. */
static void
phone_cb(evutil_socket_t fd, short what, void *arg)
{
	struct side *s = arg;
	uint8_t p[2048];
	uint32_t idx;
	ssize_t n;
	int i;

	while ((n = recv(fd, p, sizeof(p), 0)) > 0) {
		if (n >= 8 && p[1] >= 192 && p[1] <= 223) {
			s->rtcp_recv++;
			if (p[1] == 200 && n >= 28)
				phone_answer_sr(s, p);
			if (has(p, (size_t)n, "Linphone") ||
			    has(p, (size_t)n, "carol") ||
			    has(p, (size_t)n, "127.0.0.1"))
				s->rtcp_leak++;
			continue;
		}
		if (n < 16) {
			s->bad_payload++;
			continue;
		}
		idx = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 |
		    (uint32_t)p[14] << 8 | p[15];
		if ((size_t)n != 12 + PAYLOAD_LEN(idx)) {
			s->bad_payload++;
			continue;
		}
		if (idx < s->next)
			s->bad_order++;
		else
			s->gaps += idx - s->next;
		s->next = idx + 1;
		if (idx < s->other->nsend) {
			uint64_t lat =
			    turnclient_now_us() - s->other->send_us[idx];

			if (lat > s->max_lat_us)
				s->max_lat_us = lat;
			if (lat > 500000)
				s->late++;
		}
		for (i = 16; i < n; i++)
			if (p[i] != (uint8_t)(idx ^ s->other->name[0]))
				break;
		if (i != n)
			s->bad_payload++;
		/* The sender started at sequence 0 with SSRC 0x11223344. */
		if ((p[2] << 8 | p[3]) == (int)(idx & 0xffff) ||
		    (p[8] == 0x11 && p[9] == 0x22 && p[10] == 0x33 &&
			p[11] == 0x44))
			s->not_rewritten++;
		s->recv++;
	}
}

/* Send one RTP packet (and an RTCP compound every 50) from side s. */
static void
phone_send(struct side *s)
{
	struct sockaddr_in to;
	uint8_t p[12 + PAYLOAD];
	uint16_t rtp, rtcp;
	uint32_t idx = s->sent;

	media_local_ports(s->m, &rtp, &rtcp);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(rtp);
	memset(p, 0, 12);
	p[0] = 0x80;
	p[2] = (idx >> 8) & 0xff;
	p[3] = idx & 0xff;
	p[4] = (uint8_t)((idx * 160) >> 24);
	p[5] = (uint8_t)((idx * 160) >> 16);
	p[6] = (uint8_t)((idx * 160) >> 8);
	p[7] = (uint8_t)(idx * 160);
	p[8] = 0x11, p[9] = 0x22, p[10] = 0x33, p[11] = 0x44;
	p[12] = idx >> 24, p[13] = (idx >> 16) & 0xff;
	p[14] = (idx >> 8) & 0xff, p[15] = idx & 0xff;
	memset(p + 16, (uint8_t)(idx ^ s->name[0]), PAYLOAD - 4);
	if (sendto(s->phone, p, 12 + PAYLOAD_LEN(idx), 0,
		(struct sockaddr *)&to,
		sizeof(to)) == (ssize_t)(12 + PAYLOAD_LEN(idx))) {
		if (idx < s->nsend)
			s->send_us[idx] = turnclient_now_us();
		s->sent++;
	}
	if (idx % 50 == 0 && rtcp_len >= 16) {
		/* A softphone's SR clock moves: one second per SR. */
		rtcp_pkt[11]++;
		to.sin_port = htons(rtcp);
		if (sendto(s->phone, rtcp_pkt, rtcp_len, 0,
			(struct sockaddr *)&to, sizeof(to)) > 0)
			s->rtcp_sent++;
	}
	if (idx == 3) {
		/* A STUN binding request, as linphonec sends: dropped. */
		static const uint8_t stun[20] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4,
			0x42 };
		to.sin_port = htons(rtp);
		(void)sendto(s->phone, stun, sizeof(stun), 0,
		    (struct sockaddr *)&to, sizeof(to));
	}
}

/* 20 ms clock: both phones send while the run lasts. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	if (++ticks > seconds * 50) {
		struct timeval tv = { 3, 0 }; /* let the last ones arrive */

		event_del(ev_tick);
		event_add(ev_stop, &tv);
		return;
	}
	/* hold: alice holds bob (sendonly) for 1 s from the 2nd second. */
	if (strcmp(mode, "hold") == 0 && ticks == 100)
		media_set_direction(sides[0].m, MEDIA_DIR_SENDONLY);
	if (strcmp(mode, "hold") == 0 && ticks == 150)
		media_set_direction(sides[0].m, MEDIA_DIR_SENDRECV);
	phone_send(&sides[0]);
	phone_send(&sides[1]);
}

/* The run is over. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopexit(base, NULL);
}

/* The bindings had time to settle: the phones start sending. */
static void
start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, 20000 };

	printf("media_started\n");
	event_add(ev_tick, &tv);
}

/* Connect the two sides once both relays exist. */
static void
start_relay(void)
{
	char addr[MEDIA_ADDR_MAX], crypto[MEDIA_CRYPTO_MAX + 4];
	struct timeval settle = { 1, 0 };
	const char *why;
	uint16_t port;
	int i;

	for (i = 0; i < 2; i++) {
		struct side *s = &sides[i], *o = s->other;

		if (media_relay(o->m, addr, sizeof(addr), &port) < 0) {
			printf("error no relay address\n");
			failed = 2;
			event_base_loopexit(base, NULL);
			return;
		}
		printf("relay_%s %s:%u\n", o->name, addr, port);
		snprintf(crypto, sizeof(crypto), "1 %s", media_crypto(o->m));
		media_set_softphone(s->m, "127.0.0.1", s->phone_port, 0);
		if (media_set_peer(s->m, addr, port, 0, crypto, false, &why) <
		    0) {
			printf("error %s\n", why);
			failed = 2;
			event_base_loopexit(base, NULL);
			return;
		}
	}
	if (strcmp(mode, "alloc") == 0) {
		event_base_loopexit(base, NULL);
		return;
	}
	/*
	 * Give both sides' CreatePermission and ChannelBind time to reach
	 * coturn through tor before media flows: a packet that reaches a
	 * relay before its permission is dropped there (as at the start of
	 * any call; here every packet must arrive).
	 */
	ev_tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	ev_stop = event_new(base, -1, 0, stop_cb, NULL);
	event_base_once(base, -1, EV_TIMEOUT, start_cb, NULL, &settle);
}

/* A media object is ready or failed. */
static void
media_event(struct media *m, enum media_event ev, const char *reason, void *arg)
{
	struct side *s = arg;

	if (ev == MEDIA_EV_ERROR) {
		printf("error %s\n", reason);
		failed = 2;
		event_base_loopexit(base, NULL);
		return;
	}
	if (!s->ready) {
		s->ready = true;
		printf("ready_%s\n", s->name);
		if (++nready == 2)
			start_relay();
	}
}

/* Bind a fake softphone. */
static int
phone_open(struct side *s)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	s->phone = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->phone == -1 ||
	    bind(s->phone, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s->phone, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	s->phone_port = ntohs(sin.sin_port);
	s->ev = event_new(base, s->phone, EV_READ | EV_PERSIST, phone_cb, s);
	event_add(s->ev, NULL);
	return 0;
}

/* Two media paths through tor and coturn; see the top of the file. */
int
main(int argc, char **argv)
{
	struct turnpool_config cfg;
	struct sockaddr_in socks;
	struct media_stats st;
	struct timeval tv = { 90, 0 };
	FILE *f;
	int i;

	if (argc < 7) {
		fprintf(stderr,
		    "usage: turnpair SOCKSPORT TURNHOST TURNPORT "
		    "USER PASSWORD alloc|relay [SECONDS RTCPFILE]\n");
		return 64;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(true, getenv("TURNPAIR_DEBUG") ? LOGL_DEBUG : LOGL_WARN, true);
	mode = argv[6];
	seconds = argc > 7 ? atoi(argv[7]) : 5;
	if (argc > 8 && (f = fopen(argv[8], "rb")) != NULL) {
		rtcp_len = fread(rtcp_pkt, 1, sizeof(rtcp_pkt), f);
		fclose(f);
	}
	base = event_base_new();
	memset(&socks, 0, sizeof(socks));
	socks.sin_family = AF_INET;
	socks.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socks.sin_port = htons((uint16_t)atoi(argv[1]));
	memset(&cfg, 0, sizeof(cfg));
	cfg.socks = (struct sockaddr *)&socks;
	cfg.sockslen = sizeof(socks);
	cfg.server_host = argv[2];
	cfg.server_port = (uint16_t)atoi(argv[3]);
	cfg.user = argv[4];
	cfg.password = argv[5];
	cfg.warm = false;
	cfg.max_delay_ms = 0; /* every packet must arrive: no shedding */
	/* alloc: error cases; a closed port through tor may take a while. */
	cfg.connect_timeout_ms = strcmp(mode, "alloc") == 0 ? 12000 : 30000;
	sides[0].name = "alice";
	sides[1].name = "bob";
	sides[0].other = &sides[1];
	for (i = 0; i < 2; i++) {
		sides[i].nsend = (size_t)seconds * 50 + 64;
		sides[i].send_us = calloc(sides[i].nsend, sizeof(uint64_t));
	}
	sides[1].other = &sides[0];
	for (i = 0; i < 2; i++) {
		sides[i].pool = turnpool_new(base, &cfg);
		if (phone_open(&sides[i]) < 0 ||
		    (sides[i].m = media_new(base, sides[i].pool, media_event,
			 &sides[i])) == NULL) {
			perror("turnpair");
			return 3;
		}
	}
	/* An overall deadline: the run, plus connecting through tor. */
	tv.tv_sec = 60 + seconds;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	if (!failed && nready < 2) {
		printf("error timed out waiting for the relays\n");
		failed = 2;
	}
	for (i = 0; !failed && strcmp(mode, "alloc") != 0 && i < 2; i++) {
		struct side *s = &sides[i], *o = s->other;

		media_get_stats(s->m, &st);
		printf("%s sent %u rtcp_sent %u\n", s->name, s->sent,
		    s->rtcp_sent);
		printf("%s recv %u bad_order %u bad_payload %u "
		       "not_rewritten %u rtcp_recv %u rtcp_leak %u gaps %u "
		       "late %u max_latency_ms %llu\n",
		    s->name, s->recv, s->bad_order, s->bad_payload,
		    s->not_rewritten, s->rtcp_recv, s->rtcp_leak, s->gaps,
		    s->late, (unsigned long long)(s->max_lat_us / 1000));
		printf("%s drop_direction %llu\n", s->name,
		    (unsigned long long)st.drop_direction);
		printf("%s refreshes %llu drop_garbage %llu drop_queue %llu "
		       "drop_srtp %llu drop_foreign %llu rtp_to_peer %llu "
		       "rtp_from_peer %llu rtt_ms %u rtt_samples %llu "
		       "stale_nonces %llu\n",
		    s->name, (unsigned long long)st.turn_refreshes,
		    (unsigned long long)st.drop_garbage,
		    (unsigned long long)st.drop_queue,
		    (unsigned long long)st.drop_srtp,
		    (unsigned long long)st.drop_foreign,
		    (unsigned long long)st.rtp_to_peer,
		    (unsigned long long)st.rtp_from_peer, st.rtt_ms,
		    (unsigned long long)st.rtt_samples,
		    (unsigned long long)st.turn_stale_nonces);
		if (o->bad_order || o->bad_payload || o->not_rewritten ||
		    o->rtcp_leak)
			failed = 1;
		/* relay: lossless; stall (tor stopped for a while): most. */
		if (strcmp(mode, "relay") == 0 &&
		    (o->recv != s->sent || o->rtcp_recv < s->rtcp_sent))
			failed = 1;
		if (strcmp(mode, "stall") == 0 && o->recv < s->sent / 2)
			failed = 1;
		/* hold: bob's audio to alice stops for 1 s, alice's goes on. */
		if (strcmp(mode, "hold") == 0 &&
		    (i == 0 ? o->recv != s->sent
			    : o->gaps < 40 || o->gaps > 60 ||
				o->recv + o->gaps != s->sent))
			failed = 1;
	}
	for (i = 0; i < 2; i++) {
		media_free(sides[i].m);
		turnpool_free(sides[i].pool);
	}
	/* Let the deallocations (Refresh lifetime 0) finish or time out. */
	tv.tv_sec = 4;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	for (i = 0; i < 2; i++) {
		if (sides[i].ev != NULL)
			event_free(sides[i].ev);
		close(sides[i].phone);
	}
	if (ev_tick != NULL)
		event_free(ev_tick);
	if (ev_stop != NULL)
		event_free(ev_stop);
	event_base_free(base);
	free(sides[0].send_us);
	free(sides[1].send_us);
	printf("result %s\n", failed ? "fail" : "ok");
	return failed;
}
