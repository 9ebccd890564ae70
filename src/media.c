/* One call's media: softphone UDP on 127.0.0.1 <-> TURN through tor. */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "csprng.h"
#include "delayctl.h"
#include "log.h"
#include "media.h"
#include "rtcprw.h"
#include "rtprw.h"
#include "srtpctx.h"
#include "turnclient.h"
#include "turnpool.h"
#include "xmalloc.h"

#define MEDIA_BATCH  32 /* datagrams read per wakeup */
#define MEDIA_BUFLEN (RTPRW_MAX_PACKET + SRTPCTX_OVERHEAD + 64)

struct media {
	struct event_base *base;
	media_cb *cb;
	void *arg;
	int fd_rtp, fd_rtcp;
	uint16_t port_rtp, port_rtcp;
	struct event *ev_rtp, *ev_rtcp;
	struct turnclient *tc;
	bool ready;

	struct sockaddr_in sp_rtp, sp_rtcp; /* the softphone */
	bool have_sp, sp_mux;
	struct sockaddr_storage peer_rtp, peer_rtcp;
	bool have_peer, peer_mux;
	uint16_t ch_rtp, ch_rtcp;

	struct srtpctx *srtp; /* NULL: plain (AllowPlainRTP) */
	uint8_t key_tx[SRTPCTX_KEY_LEN];
	char crypto[SRTPCTX_CRYPTO_MAX];

	struct rtprw rw;
	bool have_ptmap;
	uint8_t pt_to_net[128], pt_to_sp[128];
	struct delayctl dc;
	enum media_dir dir;
	struct media_stats st;
	struct log_ratelim rl;
};

/* The peer's traffic arrives from the TURN allocation. */
static void
media_from_peer(uint16_t channel, const uint8_t *p, size_t len, void *arg);

/* A UDP socket on 127.0.0.1:port (0: any); -1 on failure. */
static int
media_udp(uint16_t port, uint16_t *bound)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd;

	if ((fd = socket(
		 AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
}

/* Bind the peer's channels once both the relay and the peer are known. */
static void
media_bind_peer(struct media *m)
{
	if (!m->ready || !m->have_peer)
		return;
	m->ch_rtp = turnclient_bind(m->tc, (struct sockaddr *)&m->peer_rtp);
	m->ch_rtcp = m->peer_mux
	    ? m->ch_rtp
	    : turnclient_bind(m->tc, (struct sockaddr *)&m->peer_rtcp);
	if (m->ch_rtp == 0 || m->ch_rtcp == 0)
		log_ratelim_warnx(&m->rl, "media: cannot bind peer channels");
}

/* The allocation is ready or failed. */
static void
media_turn_cb(struct turnclient *tc, enum turnclient_event ev,
    const char *reason, void *arg)
{
	struct media *m = arg;

	if (ev == TURNCLIENT_EV_READY) {
		if (m->ready)
			return;
		m->ready = true;
		media_bind_peer(m);
		m->cb(m, MEDIA_EV_READY, NULL, m->arg);
		return;
	}
	m->ready = false;
	m->cb(m, MEDIA_EV_ERROR, reason, m->arg);
}

/*
 * A datagram comes from the softphone: its port, and either the address
 * its SDP named or 127.0.0.1. Our sockets listen on 127.0.0.1 only, which
 * the kernel never accepts from another host, and a softphone that names
 * its LAN address in c= (linphonec does) still sends from 127.0.0.1.
 */
static bool
media_same(const struct sockaddr_in *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;

	return b->ss_family == AF_INET && a->sin_port == b4->sin_port &&
	    (a->sin_addr.s_addr == b4->sin_addr.s_addr ||
		b4->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
}

/* One RTP packet from the softphone, out to the network. */
static void
media_rtp_out(struct media *m, uint8_t *p, size_t len)
{
	uint64_t now;
	const char *why;
	int n;

	if (m->dir == MEDIA_DIR_RECVONLY || m->dir == MEDIA_DIR_INACTIVE ||
	    !m->ready || m->ch_rtp == 0) {
		m->st.drop_direction++;
		return;
	}
	if ((n = rtprw_out(&m->rw, p, len, &why)) < 0) {
		m->st.drop_garbage++;
		return;
	}
	m->st.rtp_from_softphone++;
	if (m->have_ptmap && rtprw_map_pt(m->pt_to_net, p, (size_t)n) < 0) {
		m->st.drop_pt++;
		return;
	}
	now = turnclient_now_us();
	if (delayctl_should_shed(
		&m->dc, turnclient_queue_age_us(m->tc, now), now)) {
		m->st.drop_delay++;
		return;
	}
	/* One size for every packet of the call: see rtprw_pad(). */
	len = rtprw_pad(p, (size_t)n, MEDIA_BUFLEN - SRTPCTX_OVERHEAD);
	if (m->srtp != NULL &&
	    srtpctx_protect_rtp(m->srtp, p, &len, MEDIA_BUFLEN) < 0) {
		m->st.drop_srtp++;
		return;
	}
	if (turnclient_send(m->tc, m->ch_rtp, p, len) == 0)
		m->st.rtp_to_peer++;
}

/* One RTCP compound from the softphone: rebuilt, then out. */
static void
media_rtcp_out(struct media *m, const uint8_t *p, size_t len)
{
	uint8_t out[MEDIA_BUFLEN];
	struct rtcprw_info info;
	const char *why;
	size_t olen;
	int n;

	if (!m->ready || m->ch_rtcp == 0 || m->dir == MEDIA_DIR_INACTIVE) {
		m->st.drop_direction++;
		return;
	}
	n = rtcprw_rebuild(&m->rw, RTCPRW_OUT, p, len, out,
	    RTPRW_MAX_PACKET + 64, &info, &why);
	if (n <= 0) {
		m->st.drop_garbage++;
		return;
	}
	m->st.rtcp_from_softphone++;
	if (info.sr)
		delayctl_sr_sent(&m->dc, info.sr_ntp_mid, turnclient_now_us());
	olen = (size_t)n;
	if (m->srtp != NULL &&
	    srtpctx_protect_rtcp(m->srtp, out, &olen, sizeof(out)) < 0) {
		m->st.drop_srtp++;
		return;
	}
	if (turnclient_send(m->tc, m->ch_rtcp, out, olen) == 0)
		m->st.rtcp_to_peer++;
}

/* Datagrams from the softphone on one of our local ports. */
static void
media_local_cb(evutil_socket_t fd, short what, void *arg)
{
	struct media *m = arg;
	uint8_t buf[MEDIA_BUFLEN];
	struct sockaddr_storage from;
	socklen_t flen;
	const struct sockaddr_in *want;
	ssize_t n;
	int i;

	for (i = 0; i < MEDIA_BATCH; i++) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, RTPRW_MAX_PACKET + 1, 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		want = fd == m->fd_rtp || m->sp_mux ? &m->sp_rtp : &m->sp_rtcp;
		if (!m->have_sp || !media_same(want, &from)) {
			m->st.drop_foreign++;
			continue;
		}
		if ((size_t)n > RTPRW_MAX_PACKET) {
			m->st.drop_garbage++;
			continue;
		}
		switch (rtprw_classify(buf, (size_t)n)) {
		case RTPRW_RTP:
			if (fd == m->fd_rtp)
				media_rtp_out(m, buf, (size_t)n);
			else
				m->st.drop_garbage++;
			break;
		case RTPRW_RTCP:
			media_rtcp_out(m, buf, (size_t)n);
			break;
		default:
			/* STUN probes (linphone), anything else. */
			m->st.drop_garbage++;
			break;
		}
	}
}

/* RTCP from the peer: checked, rebuilt, round trip measured, delivered. */
static void
media_rtcp_in(struct media *m, uint8_t *p, size_t len)
{
	uint8_t out[MEDIA_BUFLEN];
	struct rtcprw_info info;
	const char *why;
	uint64_t now;
	size_t i;
	int n, rtt;

	if (m->srtp != NULL && srtpctx_unprotect_rtcp(m->srtp, p, &len) < 0) {
		m->st.drop_srtp++;
		return;
	}
	n = rtcprw_rebuild(
	    &m->rw, RTCPRW_IN, p, len, out, sizeof(out), &info, &why);
	if (n <= 0) {
		m->st.drop_garbage++;
		return;
	}
	m->st.rtcp_from_peer++;
	now = turnclient_now_us();
	for (i = 0; i < info.nreports; i++) {
		rtt = delayctl_report(&m->dc, info.lsr[i], info.dlsr[i], now);
		if (rtt >= 0) {
			m->st.rtt_ms = (uint32_t)rtt;
			m->st.rtt_samples++;
		}
	}
	if (!m->have_sp || m->dir == MEDIA_DIR_INACTIVE)
		return;
	if (m->sp_mux)
		n = (int)sendto(m->fd_rtp, out, (size_t)n, 0,
		    (struct sockaddr *)&m->sp_rtp, sizeof(m->sp_rtp));
	else
		n = (int)sendto(m->fd_rtcp, out, (size_t)n, 0,
		    (struct sockaddr *)&m->sp_rtcp, sizeof(m->sp_rtcp));
	if (n > 0)
		m->st.rtcp_to_softphone++;
}

/* Media from the peer's relay through our allocation. */
static void
media_from_peer(uint16_t channel, const uint8_t *data, size_t len, void *arg)
{
	struct media *m = arg;
	uint8_t p[MEDIA_BUFLEN];
	const char *why;
	int n;

	/* Only our bound channels; Data indications (0) are not ours. */
	if (channel == 0 || (channel != m->ch_rtp && channel != m->ch_rtcp) ||
	    len < 8 || len > RTPRW_MAX_PACKET + SRTPCTX_OVERHEAD) {
		m->st.drop_garbage++;
		return;
	}
	memcpy(p, data, len);
	if ((p[0] & 0xc0) == 0x80 && p[1] >= 192 && p[1] <= 223) {
		media_rtcp_in(m, p, len);
		return;
	}
	if (m->srtp != NULL && srtpctx_unprotect_rtp(m->srtp, p, &len) < 0) {
		m->st.drop_srtp++;
		return;
	}
	if ((n = rtprw_in(p, len, &why)) < 0) {
		m->st.drop_garbage++;
		return;
	}
	m->st.rtp_from_peer++;
	if (m->have_ptmap && rtprw_map_pt(m->pt_to_sp, p, (size_t)n) < 0) {
		m->st.drop_pt++;
		return;
	}
	if (m->dir == MEDIA_DIR_SENDONLY || m->dir == MEDIA_DIR_INACTIVE ||
	    !m->have_sp) {
		m->st.drop_direction++;
		return;
	}
	if (sendto(m->fd_rtp, p, (size_t)n, 0, (struct sockaddr *)&m->sp_rtp,
		sizeof(m->sp_rtp)) > 0)
		m->st.rtp_to_softphone++;
}

/* The call's payload type numbers, both ways. */
void
media_set_ptmap(struct media *m, const uint8_t *to_net, const uint8_t *to_sp)
{
	memcpy(m->pt_to_net, to_net, sizeof(m->pt_to_net));
	memcpy(m->pt_to_sp, to_sp, sizeof(m->pt_to_sp));
	m->have_ptmap = true;
}

/* A new call's media. */
struct media *
media_new(
    struct event_base *base, struct turnpool *pool, media_cb *cb, void *arg)
{
	struct media *m = xcalloc(1, sizeof(*m));
	char cname[RTPRW_CNAME_LEN + 1];
	int i;

	m->base = base;
	m->cb = cb;
	m->arg = arg;
	m->fd_rtp = m->fd_rtcp = -1;
	/* An even RTP port with RTCP on the next one, as RFC 3550 likes. */
	for (i = 0; i < 16 && m->fd_rtcp == -1; i++) {
		if (m->fd_rtp != -1)
			close(m->fd_rtp);
		if ((m->fd_rtp = media_udp(0, &m->port_rtp)) == -1)
			break;
		if (m->port_rtp % 2 == 0 && m->port_rtp < 65535)
			m->fd_rtcp = media_udp(m->port_rtp + 1, &m->port_rtcp);
	}
	if (m->fd_rtp != -1 && m->fd_rtcp == -1)
		m->fd_rtcp = media_udp(0, &m->port_rtcp);
	if (m->fd_rtp == -1 || m->fd_rtcp == -1) {
		if (m->fd_rtp != -1)
			close(m->fd_rtp);
		free(m);
		return NULL;
	}
	m->ev_rtp =
	    event_new(base, m->fd_rtp, EV_READ | EV_PERSIST, media_local_cb, m);
	m->ev_rtcp = event_new(
	    base, m->fd_rtcp, EV_READ | EV_PERSIST, media_local_cb, m);
	event_add(m->ev_rtp, NULL);
	event_add(m->ev_rtcp, NULL);

	csprng_token(cname, RTPRW_CNAME_LEN);
	rtprw_init(&m->rw, csprng_u32() | 1, (uint16_t)csprng_u32(),
	    csprng_u32(), csprng_u64(), cname);
	csprng_bytes(m->key_tx, sizeof(m->key_tx));
	srtpctx_format(m->key_tx, m->crypto, sizeof(m->crypto));
	delayctl_init(&m->dc, turnpool_max_delay_ms(pool));
	m->rl = (struct log_ratelim)LOG_RATELIM_INIT(60, 3);
	m->dir = MEDIA_DIR_SENDRECV;
	m->tc = turnpool_take(pool);
	turnclient_set_cb(m->tc, media_turn_cb, media_from_peer, m);
	return m;
}

/* Close the call's media; the allocation is released in the background. */
void
media_free(struct media *m)
{
	if (m == NULL)
		return;
	turnclient_free(m->tc);
	event_free(m->ev_rtp);
	event_free(m->ev_rtcp);
	close(m->fd_rtp);
	close(m->fd_rtcp);
	srtpctx_free(m->srtp);
	explicit_bzero(m->key_tx, sizeof(m->key_tx));
	explicit_bzero(m->crypto, sizeof(m->crypto));
	free(m);
}

/* The softphone-facing ports. */
void
media_local_ports(const struct media *m, uint16_t *rtp, uint16_t *rtcp)
{
	*rtp = m->port_rtp;
	*rtcp = m->port_rtcp;
}

/* Whether the relay is known. */
bool
media_ready(const struct media *m)
{
	return m->ready;
}

/* Our relayed address, numeric. */
int
media_relay(const struct media *m, char *addr, size_t addrlen, uint16_t *port)
{
	struct sockaddr_storage ss;
	const void *a;

	if (!m->ready || turnclient_relayed(m->tc, &ss) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (inet_ntop(ss.ss_family, a, addr, (socklen_t)addrlen) == NULL)
		return -1;
	return 0;
}

/* Our SRTP key attribute value. */
const char *
media_crypto(const struct media *m)
{
	return m->crypto;
}

/* Where the softphone sends from and receives at. */
int
media_set_softphone(
    struct media *m, const char *addr, uint16_t rtp_port, uint16_t rtcp_port)
{
	struct in_addr in;

	if (inet_pton(AF_INET, addr, &in) != 1 || rtp_port == 0)
		return -1;
	memset(&m->sp_rtp, 0, sizeof(m->sp_rtp));
	m->sp_rtp.sin_family = AF_INET;
	m->sp_rtp.sin_addr = in;
	m->sp_rtp.sin_port = htons(rtp_port);
	m->sp_rtcp = m->sp_rtp;
	m->sp_mux = rtcp_port == 0 || rtcp_port == rtp_port;
	if (!m->sp_mux)
		m->sp_rtcp.sin_port = htons(rtcp_port);
	m->have_sp = true;
	return 0;
}

/* Fill ss with a numeric address and port; -1 if not numeric. */
static int
media_parse_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (port == 0)
		return -1;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return 0;
	}
	return -1;
}

/* The peer's relay and key; starts relaying. */
int
media_set_peer(struct media *m, const char *addr, uint16_t rtp_port,
    uint16_t rtcp_port, const char *crypto, bool allow_plain, const char **why)
{
	struct sockaddr_storage prtp, prtcp;
	uint8_t key_rx[SRTPCTX_KEY_LEN];
	struct srtpctx *s = NULL;

	if (media_parse_addr(addr, rtp_port, &prtp) < 0 ||
	    media_parse_addr(addr, rtcp_port ? rtcp_port : rtp_port, &prtcp) <
		0) {
		*why = "peer media address is not numeric";
		return -1;
	}
	if (crypto == NULL && !allow_plain) {
		*why = "plain RTP toward the network refused (AllowPlainRTP)";
		return -1;
	}
	if (crypto != NULL) {
		if (srtpctx_parse(crypto, key_rx, why) < 0)
			return -1;
		s = srtpctx_new(m->key_tx, key_rx);
		explicit_bzero(key_rx, sizeof(key_rx));
		if (s == NULL) {
			*why = "SRTP keys refused";
			return -1;
		}
	}
	srtpctx_free(m->srtp);
	m->srtp = s;
	m->peer_rtp = prtp;
	m->peer_rtcp = prtcp;
	m->peer_mux = rtcp_port == 0 || rtcp_port == rtp_port;
	m->have_peer = true;
	media_bind_peer(m);
	return 0;
}

/* Hold and resume. */
void
media_set_direction(struct media *m, enum media_dir dir)
{
	m->dir = dir;
}

/* Copy the counters. */
void
media_get_stats(const struct media *m, struct media_stats *st)
{
	struct turnclient_stats ts;

	*st = m->st;
	turnclient_get_stats(m->tc, &ts);
	st->drop_queue = ts.drops_full + ts.drops_age;
	st->turn_refreshes = ts.refreshes;
	st->turn_stale_nonces = ts.stale_nonces;
}

/* A direction's SDP attribute name. */
const char *
media_dir_str(enum media_dir dir)
{
	switch (dir) {
	case MEDIA_DIR_SENDRECV:
		return "sendrecv";
	case MEDIA_DIR_SENDONLY:
		return "sendonly";
	case MEDIA_DIR_RECVONLY:
		return "recvonly";
	case MEDIA_DIR_INACTIVE:
		return "inactive";
	}
	return "sendrecv";
}
