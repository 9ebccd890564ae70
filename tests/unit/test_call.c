/*
 * The B2BUA on a real loop with real sockets: a UDP "softphone" on one
 * side, on the other a scripted SOCKS5 proxy and peer gateway (outgoing
 * calls) or a stream into OnionListen (incoming calls). The media path is
 * replaced by a stand-in with a fixed relay address: media has its own
 * tests, and the system tests run the real one.
 */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "call.h"
#include "media.h"
#include "registrar.h"
#include "settings.h"
#include "tor.h"

#define ONION "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx"
#define PEER  "zyxwvutsrqponmlkjihgfedcba765432zyxwvutsrqponmlkjihgfedc"
#define RELAY "192.0.2.7"

/* A stand-in for the media path: ready on the next loop turn. */
struct media {
	struct event *ev;
	media_cb *cb;
	void *arg;
	bool ready;
	char peer[64];
	uint16_t sp_rtp;
};

static int media_objects;
static int media_dir_last = -1;	     /* the last media_set_direction() */
static uint8_t media_pt_to_net[128]; /* the last media_set_ptmap() */

/* Report READY. */
static void
fake_media_ready(evutil_socket_t fd, short ev, void *arg)
{
	struct media *m = arg;

	m->ready = true;
	m->cb(m, MEDIA_EV_READY, NULL, m->arg);
}

/* Stand-in for media_new() (see the top of this file). */
struct media *
media_new(
    struct event_base *base, struct turnpool *pool, media_cb *cb, void *arg)
{
	struct media *m = calloc(1, sizeof(*m));

	m->cb = cb;
	m->arg = arg;
	m->ev = evtimer_new(base, fake_media_ready, m);
	event_active(m->ev, EV_TIMEOUT, 0);
	media_objects++;
	return m;
}

/* Stand-in for media_free() (see the top of this file). */
void
media_free(struct media *m)
{
	if (m == NULL)
		return;
	event_free(m->ev);
	free(m);
	media_objects--;
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
	return m->ready;
}

/* Stand-in for media_relay() (see the top of this file). */
int
media_relay(const struct media *m, char *addr, size_t addrlen, uint16_t *port)
{
	snprintf(addr, addrlen, "%s", RELAY);
	*port = 50000;
	return m->ready ? 0 : -1;
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
media_set_softphone(
    struct media *m, const char *addr, uint16_t rtp, uint16_t rtcp)
{
	m->sp_rtp = rtp;
	return 0;
}

/* Stand-in for media_set_peer() (see the top of this file). */
int
media_set_peer(struct media *m, const char *addr, uint16_t rtp, uint16_t rtcp,
    const char *crypto, bool allow_plain, const char **why)
{
	snprintf(m->peer, sizeof(m->peer), "%s:%u", addr, rtp);
	return 0;
}

/* Stand-in for media_set_direction() (see the top of this file). */
void
media_set_direction(struct media *m, enum media_dir dir)
{
	media_dir_last = (int)dir;
}

/* Stand-in for media_set_ptmap() (see the top of this file). */
void
media_set_ptmap(struct media *m, const uint8_t *to_net, const uint8_t *to_sp)
{
	memcpy(media_pt_to_net, to_net, sizeof(media_pt_to_net));
}

/* Stand-in for media_get_stats() (see the top of this file). */
void
media_get_stats(const struct media *m, struct media_stats *st)
{
	memset(st, 0, sizeof(*st));
}

static struct event_base *base;
static struct settings set;
static struct call_table *t;
static int sp_fd;     /* the softphone's UDP socket */
static int sp_port;   /* its port */
static int socks_lfd; /* the fake SOCKS5 proxy's listener */
static int onion_lfd; /* OnionListen, handed to the table */
static struct sockaddr_in onion_sin;

/* Run the loop for about ms milliseconds. */
static void
pump(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Wait (running the loop) for bytes on fd; return how many. */
static ssize_t
recv_pump(int fd, char *buf, size_t len, int ms)
{
	ssize_t n;
	int i;

	for (i = 0; i < ms / 10; i++) {
		n = recv(fd, buf, len - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			return n;
		}
		if (n == 0)
			return 0;
		pump(10);
	}
	return -1;
}

static char stream_buf[16384]; /* bytes read past the last message */
static size_t stream_have;
static int stream_fd = -1;

/* Read one SIP message from a stream (framed by Content-Length). */
static ssize_t
recv_sip_stream(int fd, char *buf, size_t len, int ms)
{
	int i;

	if (stream_fd != fd) {
		stream_fd = fd;
		stream_have = 0;
	}
	for (i = 0; i < ms / 10; i++) {
		ssize_t n;
		char *end, *cl;
		size_t total;

		stream_buf[stream_have] = '\0';
		if ((end = strstr(stream_buf, "\r\n\r\n")) != NULL &&
		    (cl = strstr(stream_buf, "Content-Length: ")) != NULL &&
		    (total = (size_t)(end + 4 - stream_buf) +
			    strtoul(cl + 16, NULL, 10)) <= stream_have) {
			assert_true(total < len);
			memcpy(buf, stream_buf, total);
			buf[total] = '\0';
			memmove(stream_buf, stream_buf + total,
			    stream_have - total);
			stream_have -= total;
			return (ssize_t)total;
		}
		n = recv(fd, stream_buf + stream_have,
		    sizeof(stream_buf) - 1 - stream_have, MSG_DONTWAIT);
		if (n > 0) {
			stream_have += (size_t)n;
			continue;
		}
		if (n == 0)
			return 0;
		pump(10);
	}
	return -1;
}

/* Copy the value of header name (first one) from msg. */
static void
header(const char *msg, const char *name, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	p = strstr(msg, pat);
	assert_non_null(p);
	p += strlen(pat);
	e = strstr(p, "\r\n");
	snprintf(out, outlen, "%.*s", (int)(e - p), p);
}

/* The status code of a response. */
static int
status_of(const char *msg)
{
	if (strncmp(msg, "SIP/2.0 ", 8) != 0)
		return -1;
	return atoi(msg + 8);
}

/* Send text from the softphone to the gateway's UDP port. */
static void
sp_send(const char *fmt, ...)
{
	char buf[4096];
	struct sockaddr_in sin = { 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(call_table_local_port(t));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(
	    sendto(sp_fd, buf, n, 0, (struct sockaddr *)&sin, sizeof(sin)), n);
}

/* Send text on a stream. */
static void
stream_send(int fd, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_int_equal(write(fd, buf, n), n);
}

/* Wait for the softphone to get a message other than 100 Trying. */
static void
sp_recv(char *buf, size_t len)
{
	do
		assert_true(recv_pump(sp_fd, buf, len, 3000) > 0);
	while (status_of(buf) == 100);
}

#define SDP_SP                                                          \
	"v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=Talk\r\n"             \
	"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7078 RTP/AVP 0 110\r\n" \
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:110 telephone-event/8000\r\n" \
	"a=tool:baresip 1.0.0\r\n"
#define SDP_PEER                                                         \
	"v=0\r\no=- 5 5 IN IP4 198.51.100.9\r\ns=-\r\n"                  \
	"c=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 60000 RTP/SAVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n"                                       \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "                            \
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"

#define SDP_SP_HOLD                                                 \
	"v=0\r\no=alice 1 2 IN IP4 127.0.0.1\r\ns=Talk\r\n"         \
	"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7078 RTP/AVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"
#define SDP_PEER_V(version, dir)                                         \
	"v=0\r\no=- 5 " version " IN IP4 198.51.100.9\r\ns=-\r\n"        \
	"c=IN IP4 198.51.100.9\r\nt=0 0\r\nm=audio 60000 RTP/SAVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\na=" dir "\r\n"                          \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "                            \
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"

/* A bound socket on 127.0.0.1, its port in *port. */
static int
bound(int type, int *port)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	if (type == SOCK_STREAM) {
		listen(fd, 8);
		fcntl(fd, F_SETFL, O_NONBLOCK);
	}
	return fd;
}

/* Accept a stream, running the loop meanwhile. */
static int
accept_pump(int lfd)
{
	int fd, i;

	for (i = 0; i < 300; i++) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
			return fd;
		pump(10);
	}
	fail_msg("nothing connected");
	return -1;
}

/* Play tor's SOCKS5 port for one CONNECT; rep 0 accepts. */
static int
socks_serve(uint8_t rep, char *host, size_t hostlen)
{
	char buf[600];
	int fd = accept_pump(socks_lfd);
	ssize_t n;

	stream_fd = -1;
	n = recv_pump(fd, buf, sizeof(buf), 2000);
	assert_true(n >= 3 && buf[0] == 5);
	/* username/password (isolation) must be offered */
	assert_non_null(memchr(buf + 2, 2, (size_t)buf[1]));
	stream_send(fd, "%c%c", 5, 2);
	n = recv_pump(fd, buf, sizeof(buf), 2000);
	assert_true(n > 3 && buf[0] == 1);
	stream_send(fd, "%c%c", 1, 0);
	n = recv_pump(fd, buf, sizeof(buf), 2000);
	assert_true(n > 7 && buf[0] == 5 && buf[1] == 1 && buf[3] == 3);
	snprintf(host, hostlen, "%.*s", (unsigned char)buf[4], buf + 5);
	assert_int_equal(
	    write(fd, (char[]){ 5, (char)rep, 0, 1, 0, 0, 0, 0, 0, 0 }, 10),
	    10);
	if (rep != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A fresh table for each test. */
static int
setup(void **state)
{
	char err[256];
	struct call_config cfg = { 0 };
	struct sockaddr_in sin = { 0 };
	int port;

	base = event_base_new();
	settings_init(&set);
	snprintf(set.sip_listen.host, sizeof(set.sip_listen.host), "127.0.0.1");
	set.sip_listen.port = 0;
	sp_fd = bound(SOCK_DGRAM, &sp_port);
	free(set.local_contact);
	set.local_contact = malloc(64);
	snprintf(set.local_contact, 64, "sip:bob@127.0.0.1:%d", sp_port);
	tor_init(base);
	tor_set_onion(ONION, 5060);
	socks_lfd = bound(SOCK_STREAM, &port);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tor_set_socks_addr((struct sockaddr *)&sin, sizeof(sin));
	tor_set_state(TOR_READY);
	cfg.set = &set;
	cfg.pool = (struct turnpool *)&set; /* any non-NULL: media is faked */
	t = call_table_new(base, &cfg, err, sizeof(err));
	assert_int_equal(call_table_listen(t, err, sizeof(err)), 0);
	onion_lfd = bound(SOCK_STREAM, &port);
	onion_sin.sin_family = AF_INET;
	onion_sin.sin_port = htons(port);
	onion_sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	call_table_adopt_onion_listener(t, onion_lfd);
	return 0;
}

/* Tear down; every call must be gone. */
static int
teardown(void **state)
{
	call_table_free(t);
	assert_int_equal(media_objects, 0);
	tor_reset();
	settings_free(&set);
	close(sp_fd);
	close(socks_lfd);
	event_base_free(base);
	return 0;
}

/* An INVITE from the softphone to PEER.onion. */
static void
sp_invite(const char *callid, int cseq)
{
	sp_send("INVITE sip:bob@" PEER ".onion SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKsp%d;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:alice@127.0.0.1>;tag=sptag\r\n"
		"To: <sip:bob@" PEER ".onion>\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %d INVITE\r\n"
		"Contact: <sip:alice-0x55d0@127.0.0.1:%d>\r\n"
		"User-Agent: baresip v1.0.0 (x86_64/linux)\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s",
	    sp_port, cseq, callid, cseq, sp_port, strlen(SDP_SP), SDP_SP);
}

/*
 * Write the response to request req into out: its Via, From, To (with
 * totag added), Call-ID and CSeq, a Contact, and body as SDP.
 */
static int
make_reply(char *out, size_t outlen, const char *req, int code,
    const char *totag, const char *contact, const char *body)
{
	char via[400], from[300], to[300], cid[300], cseq[100];

	header(req, "Via", via, sizeof(via));
	header(req, "From", from, sizeof(from));
	header(req, "To", to, sizeof(to));
	header(req, "Call-ID", cid, sizeof(cid));
	header(req, "CSeq", cseq, sizeof(cseq));
	return snprintf(out, outlen,
	    "SIP/2.0 %d Whatever\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s%s\r\n"
	    "Call-ID: %s\r\nCSeq: %s\r\nContact: <%s>\r\n"
	    "Server: EvilPhone 9.9\r\n%s"
	    "Content-Length: %zu\r\n\r\n%s",
	    code, via, from, to, strstr(to, ";tag=") ? "" : ";tag=",
	    strstr(to, ";tag=") ? "" : totag, cid, cseq, contact,
	    body ? "Content-Type: application/sdp\r\n" : "",
	    body ? strlen(body) : 0, body ? body : "");
}

/* Write an in-dialog request, with a body of type ctype if body. */
static int
make_request_body(char *out, size_t outlen, const char *method, int cseq,
    const char *ruri, const char *from, const char *to, const char *cid,
    const char *via, const char *ctype, const char *body)
{
	return snprintf(out, outlen,
	    "%s %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\n"
	    "To: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
	    "Contact: <sip:alice-0x55d0@127.0.0.1>\r\n"
	    "User-Agent: baresip v1.0.0 (x86_64/linux)\r\n"
	    "%s%s%sContent-Length: %zu\r\n\r\n%s",
	    method, ruri, via, from, to, cid, cseq, method,
	    body ? "Content-Type: " : "", body ? ctype : "", body ? "\r\n" : "",
	    body ? strlen(body) : 0, body ? body : "");
}

/* Write an in-dialog request without a body. */
static int
make_request(char *out, size_t outlen, const char *method, int cseq,
    const char *ruri, const char *from, const char *to, const char *cid,
    const char *via)
{
	return make_request_body(
	    out, outlen, method, cseq, ruri, from, to, cid, via, NULL, NULL);
}

/* Outgoing call: ringing, answered, ACKed, hung up by the callee. */
static void
test_outgoing_call(void **state)
{
	char buf[4096], msg[4096], host[300], from[300], to[300], cid[300],
	    spvia[300];
	struct call_stats st;
	int net, n;

	sp_invite("callid-secret@alice-laptop", 1);
	assert_true(recv_pump(sp_fd, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 100);
	net = socks_serve(0, host, sizeof(host));
	assert_string_equal(host, PEER ".onion");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	/* The network INVITE: our onion, fresh ids, the relay only. */
	assert_true(strncmp(buf, "INVITE sip:bob@" PEER ".onion", 60) == 0);
	assert_null(strstr(buf, "127.0.0.1"));
	assert_null(strstr(buf, "alice-laptop"));
	assert_null(strstr(buf, "baresip"));
	assert_null(strstr(buf, "Alice"));
	assert_null(strstr(buf, "sptag"));
	assert_non_null(strstr(buf, "c=IN IP4 " RELAY));
	assert_non_null(strstr(buf, "RTP/SAVP"));
	assert_non_null(strstr(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80"));
	/* telephone-event as the softphone numbered it (110) would tell. */
	assert_non_null(strstr(buf, "m=audio 50000 RTP/SAVP 0 101\r\n"));
	assert_int_equal(media_pt_to_net[110], 101);
	assert_int_equal(media_pt_to_net[0], 0);
	header(buf, "From", from, sizeof(from));
	assert_non_null(strstr(from, "sip:user@" ONION ".onion"));
	header(buf, "To", to, sizeof(to));
	header(buf, "Call-ID", cid, sizeof(cid));

	n = make_reply(msg, sizeof(msg), buf, 180, "peertag",
	    "sip:bob@" PEER ".onion;transport=tcp", NULL);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(msg, sizeof(msg));
	assert_int_equal(status_of(msg), 180);
	assert_non_null(strstr(msg, "Call-ID: callid-secret@alice-laptop"));
	assert_null(strstr(msg, "EvilPhone"));
	assert_null(strstr(msg, "peertag"));
	assert_null(strstr(msg, "sip:bob@" PEER ".onion;transport=tcp"));

	n = make_reply(msg, sizeof(msg), buf, 200, "peertag",
	    "sip:bob@" PEER ".onion;transport=tcp", SDP_PEER);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(msg, sizeof(msg));
	assert_int_equal(status_of(msg), 200);
	assert_non_null(strstr(msg, "c=IN IP4 127.0.0.1"));
	assert_non_null(strstr(msg, "m=audio 41000 RTP/AVP"));
	assert_null(strstr(msg, "198.51.100.9"));
	assert_null(strstr(msg, "crypto"));
	header(msg, "To", to, sizeof(to));
	/* The softphone ACKs; the network gets a fresh ACK. */
	snprintf(spvia, sizeof(spvia),
	    "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKack1", sp_port);
	n = make_request(buf, sizeof(buf), "ACK", 1, "sip:onionsip@127.0.0.1",
	    "<sip:alice@127.0.0.1>;tag=sptag", to, "callid-secret@alice-laptop",
	    spvia);
	sp_send("%s", buf);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "ACK sip:bob@" PEER ".onion", 40) == 0);
	assert_non_null(strstr(buf, cid));
	/* Retransmitted 200 (UDP softphone) would be answered; not here. */

	/* The callee hangs up. */
	header(buf, "From", from, sizeof(from));
	header(buf, "To", to, sizeof(to));
	n = make_request(msg, sizeof(msg), "BYE", 7, "sip:user@" ONION ".onion",
	    to, from, cid, "SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKbye");
	assert_int_equal(write(net, msg, n), n);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_int_equal(status_of(buf), 200);
	sp_recv(buf, sizeof(buf));
	assert_true(strncmp(buf, "BYE sip:alice-0x55d0@127.0.0.1", 30) == 0);
	assert_non_null(strstr(buf, "Call-ID: callid-secret@alice-laptop"));
	assert_null(strstr(buf, "Reason:")); /* the peer gave none */
	make_reply(msg, sizeof(msg), buf, 200, "x", "sip:a@127.0.0.1", NULL);
	sp_send("%s", msg);
	pump(100);
	call_table_stats(t, &st);
	assert_int_equal(st.calls_out, 1);
	assert_int_equal(st.answered, 1);
	assert_int_equal(st.active, 0);
	close(net);
}

/* The stream through Tor dies mid-call: the softphone gets a BYE that
 * says why (Reason: SIP;cause=480, RFC 3326). */
static void
test_outgoing_stream_lost(void **state)
{
	char buf[4096], msg[4096], host[300], to[300], spvia[300];
	int net, n;

	sp_invite("callid-lost@alice-laptop", 1);
	assert_true(recv_pump(sp_fd, buf, sizeof(buf), 2000) > 0);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	n = make_reply(msg, sizeof(msg), buf, 200, "peertag",
	    "sip:bob@" PEER ".onion;transport=tcp", SDP_PEER);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(msg, sizeof(msg));
	assert_int_equal(status_of(msg), 200);
	header(msg, "To", to, sizeof(to));
	snprintf(spvia, sizeof(spvia),
	    "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKack2", sp_port);
	n = make_request(buf, sizeof(buf), "ACK", 1, "sip:onionsip@127.0.0.1",
	    "<sip:alice@127.0.0.1>;tag=sptag", to, "callid-lost@alice-laptop",
	    spvia);
	sp_send("%s", buf);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "ACK ", 4) == 0);
	close(net);
	sp_recv(buf, sizeof(buf));
	assert_true(strncmp(buf, "BYE ", 4) == 0);
	assert_non_null(strstr(buf, "Call-ID: callid-lost@alice-laptop"));
	assert_non_null(strstr(buf, "\r\nReason: SIP;cause=480\r\n"));
	make_reply(msg, sizeof(msg), buf, 200, "x", "sip:a@127.0.0.1", NULL);
	sp_send("%s", msg);
	pump(100);
}

/* ACK a failure answer from the softphone (same branch, RFC 3261 17.1.1.3). */
static void
sp_ack(const char *resp)
{
	char via[400], from[300], to[300], cid[300], buf[2048];

	header(resp, "Via", via, sizeof(via));
	header(resp, "From", from, sizeof(from));
	header(resp, "To", to, sizeof(to));
	header(resp, "Call-ID", cid, sizeof(cid));
	make_request(buf, sizeof(buf), "ACK", atoi(strstr(resp, "CSeq: ") + 6),
	    "sip:bob@" PEER ".onion", from, to, cid, via);
	sp_send("%s", buf);
}

/* Tor's answers for an onion that cannot be reached reach the softphone. */
static void
test_outgoing_tor_errors(void **state)
{
	static const struct {
		uint8_t rep;
		int scode;
	} cases[] = { { 0xF0, 404 }, { 0xF4, 403 }, { 0xF2, 480 },
		{ 0xF7, 408 }, { 0x01, 502 } };
	char buf[4096], host[300], cid[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cid, sizeof(cid), "torerr-%zu", i);
		sp_invite(cid, 1);
		socks_serve(cases[i].rep, host, sizeof(host));
		sp_recv(buf, sizeof(buf));
		assert_int_equal(status_of(buf), cases[i].scode);
		sp_ack(buf);
		pump(50);
	}
	/* Tor not ready: 503 at once, no connection. */
	tor_set_state(TOR_BOOTSTRAPPING);
	sp_invite("notready", 1);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 503);
	assert_non_null(strstr(buf, "Call-ID: notready"));
	tor_set_state(TOR_READY);
	/* Not an onion address: 404, no connection. */
	sp_send(
	    "INVITE sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKx\r\n"
	    "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@example.com>\r\n"
	    "Call-ID: clear\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n",
	    sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 404);
	assert_int_equal(accept4(socks_lfd, NULL, NULL, SOCK_NONBLOCK), -1);
}

/* The caller cancels before the answer: CANCEL on the network, 487. */
static void
test_outgoing_cancel(void **state)
{
	char buf[4096], msg[4096], host[300], inv[4096];
	int net, n;

	sp_invite("cancel-me", 1);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, inv, sizeof(inv), 3000) > 0);
	n = make_reply(
	    msg, sizeof(msg), inv, 180, "pt", "sip:b@" PEER ".onion", NULL);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 180);
	sp_send("CANCEL sip:bob@" PEER ".onion SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKsp1;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:alice@127.0.0.1>;tag=sptag\r\n"
		"To: <sip:bob@" PEER ".onion>\r\n"
		"Call-ID: cancel-me\r\nCSeq: 1 CANCEL\r\n"
		"Content-Length: 0\r\n\r\n",
	    sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "CANCEL"));
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 487);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "CANCEL ", 7) == 0);
	close(net);
	pump(100);
}

/* A peer's 486 and 302 reach the softphone as 486 and a safe 480. */
static void
test_outgoing_busy_redirect(void **state)
{
	char buf[4096], msg[4096], host[300], inv[4096];
	int net, n;

	sp_invite("busy", 1);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, inv, sizeof(inv), 3000) > 0);
	n = make_reply(
	    msg, sizeof(msg), inv, 486, "pt", "sip:b@" PEER ".onion", NULL);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 486);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "ACK ", 4) == 0);
	close(net);

	sp_invite("redirect", 1);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, inv, sizeof(inv), 3000) > 0);
	n = make_reply(
	    msg, sizeof(msg), inv, 302, "pt", "sip:bob@203.0.113.5", NULL);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 480);
	assert_null(strstr(buf, "203.0.113.5"));
	close(net);
	pump(100);
}

/* OPTIONS is answered by onionsip; unknown methods get 501/405. */
static void
test_local_answers(void **state)
{
	char buf[4096];

	sp_send("OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKo\r\n"
		"From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\n"
		"Call-ID: opt\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n",
	    sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	sp_send("FOO sip:127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKf\r\n"
		"From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\n"
		"Call-ID: foo\r\nCSeq: 1 FOO\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n",
	    sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 501);
	sp_send("SUBSCRIBE sip:127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKs\r\n"
		"From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\n"
		"Call-ID: sub\r\nCSeq: 1 SUBSCRIBE\r\nMax-Forwards: 70\r\n"
		"Event: presence\r\nContent-Length: 0\r\n\r\n",
	    sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 405);
	sp_send(
	    "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKr\r\n"
	    "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:alice@127.0.0.1>\r\n"
	    "Call-ID: reg\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
	    "Contact: <sip:alice@127.0.0.1:%d>\r\nExpires: 600\r\n"
	    "Content-Length: 0\r\n\r\n",
	    sp_port, sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "Contact: <sip:alice@127.0.0.1:"));
}

/* A stream into OnionListen, as tor's onion service would open. */
static int
onion_dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	stream_fd = -1;
	assert_int_equal(
	    connect(fd, (struct sockaddr *)&onion_sin, sizeof(onion_sin)), 0);
	return fd;
}

/* An INVITE from the caller PEER.onion on stream fd. */
static void
net_invite(int fd, const char *cid, const char *user)
{
	stream_send(fd,
	    "INVITE sip:%s@" ONION ".onion SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKnet1;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:carol@" PEER ".onion>;tag=nettag\r\n"
	    "To: <sip:%s@" ONION ".onion>\r\n"
	    "Call-ID: %s\r\nCSeq: 4711 INVITE\r\n"
	    "Contact: <sip:carol@" PEER ".onion;transport=tcp>\r\n"
	    "User-Agent: EvilPhone 9.9\r\n"
	    "Content-Type: application/sdp\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    user, user, cid, strlen(SDP_PEER), SDP_PEER);
}

/* Incoming call: rings LocalContact, answered, ACKed, caller hangs up. */
static void
test_incoming_call(void **state)
{
	char buf[4096], msg[4096], inv[4096], from[300], to[300], cid[300];
	struct call_stats st;
	int net, n;

	net = onion_dial();
	net_invite(net, "net-call-1", "anyone");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 100);
	assert_true(recv_pump(sp_fd, inv, sizeof(inv), 2000) > 0);
	assert_true(strncmp(inv, "INVITE sip:bob@127.0.0.1:", 25) == 0);
	assert_null(strstr(inv, "EvilPhone"));
	assert_null(strstr(inv, "net-call-1"));
	assert_null(strstr(inv, "nettag"));
	assert_null(strstr(inv, "198.51.100.9"));
	assert_non_null(strstr(inv, "sip:carol@" PEER ".onion"));
	assert_non_null(strstr(inv, "m=audio 41000 RTP/AVP"));
	call_table_stats(t, &st);
	assert_int_equal(st.ringing, 1);

	n = make_reply(msg, sizeof(msg), inv, 180, "bobtag",
	    "sip:bob@127.0.0.1:5082", NULL);
	sp_send("%s", msg);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 180);
	assert_null(strstr(buf, "EvilPhone"));
	assert_null(strstr(buf, "127.0.0.1"));
	assert_non_null(strstr(buf, "Call-ID: net-call-1"));
	n = make_reply(msg, sizeof(msg), inv, 200, "bobtag",
	    "sip:bob@127.0.0.1:5082", SDP_SP);
	sp_send("%s", msg);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 200);
	assert_null(strstr(buf, "127.0.0.1"));
	assert_null(strstr(buf, "baresip"));
	assert_null(strstr(buf, "Talk"));
	assert_non_null(strstr(buf, "c=IN IP4 " RELAY));
	assert_non_null(strstr(buf, "a=crypto:1 "));
	header(buf, "To", to, sizeof(to));
	header(buf, "From", from, sizeof(from));
	header(buf, "Call-ID", cid, sizeof(cid));
	/* The 200 repeats on UDP until the softphone's ACK... here the
	 * network's ACK becomes the softphone's. */
	n = make_request(msg, sizeof(msg), "ACK", 4711,
	    "sip:user@" ONION ".onion", from, to, cid,
	    "SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKnetack");
	assert_int_equal(write(net, msg, n), n);
	do
		assert_true(recv_pump(sp_fd, buf, sizeof(buf), 2000) > 0);
	while (status_of(buf) == 200);
	assert_true(strncmp(buf, "ACK sip:bob@127.0.0.1:5082", 26) == 0);
	call_table_stats(t, &st);
	assert_int_equal(st.ringing, 0);
	assert_int_equal(st.answered, 1);
	/* The caller hangs up. */
	n = make_request(msg, sizeof(msg), "BYE", 4712,
	    "sip:user@" ONION ".onion", from, to, cid,
	    "SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKnetbye");
	assert_int_equal(write(net, msg, n), n);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 200);
	sp_recv(buf, sizeof(buf));
	assert_true(strncmp(buf, "BYE sip:bob@127.0.0.1:5082", 26) == 0);
	make_reply(msg, sizeof(msg), buf, 200, "x", "sip:b@127.0.0.1", NULL);
	sp_send("%s", msg);
	pump(100);
	call_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	close(net);
}

/* The caller cancels; the softphone's INVITE is cancelled. */
static void
test_incoming_cancel(void **state)
{
	char buf[4096], msg[4096], inv[4096];
	int net;

	net = onion_dial();
	net_invite(net, "net-cancel", "bob");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_true(recv_pump(sp_fd, inv, sizeof(inv), 2000) > 0);
	make_reply(msg, sizeof(msg), inv, 180, "bobtag",
	    "sip:bob@127.0.0.1:5082", NULL);
	sp_send("%s", msg);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	stream_send(net,
	    "CANCEL sip:bob@" ONION ".onion SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKnet1;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:carol@" PEER ".onion>;tag=nettag\r\n"
	    "To: <sip:bob@" ONION ".onion>\r\n"
	    "Call-ID: net-cancel\r\nCSeq: 4711 CANCEL\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 200);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 487);
	sp_recv(buf, sizeof(buf));
	assert_true(strncmp(buf, "CANCEL ", 7) == 0);
	close(net);
	pump(100);
}

/* Refused callers: the rate limit, then the allow list. */
static void
test_incoming_policy(void **state)
{
	char buf[4096];
	struct call_stats st;
	int net, i;

	set.caller_rate_limit = 2;
	for (i = 0; i < 3; i++) {
		char cid[32];

		snprintf(cid, sizeof(cid), "rl-%d", i);
		net = onion_dial();
		net_invite(net, cid, "x");
		assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
		/* Within the limit the call rings (100); past it, 486. */
		assert_int_equal(status_of(buf), i < 2 ? 100 : 486);
		close(net);
		pump(50);
	}
	call_table_stats(t, &st);
	assert_int_equal(st.refused_policy, 1);
	assert_int_equal(st.calls_in, 2);
	/* An allow list without this caller: 403, nothing rings. */
	set.caller_rate_limit = 100;
	set.allowed_callers.v[0] = strdup(ONION);
	set.allowed_callers.n = 1;
	net = onion_dial();
	net_invite(net, "al-1", "x");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 403);
	close(net);
	/* With it: rings. */
	free(set.allowed_callers.v[0]);
	set.allowed_callers.v[0] = strdup(PEER);
	net = onion_dial();
	net_invite(net, "al-2", "x");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 100);
	close(net);
	pump(50);
}

/* With SIPPassword, an INVITE needs proxy authentication (407 first). */
static void
test_outgoing_needs_password(void **state)
{
	char buf[4096], nonce[64], resp[33], host[300];
	const char *p;
	int net;

	free(set.sip_password);
	set.sip_password = strdup("s3cret");
	sp_invite("auth-1", 1);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 407);
	p = strstr(buf, "Proxy-Authenticate: Digest ");
	assert_non_null(p);
	p = strstr(p, "nonce=\"");
	assert_non_null(p);
	snprintf(
	    nonce, sizeof(nonce), "%.*s", (int)strcspn(p + 7, "\""), p + 7);
	sp_ack(buf);
	/* The right answer: the call goes out. */
	registrar_digest("user", REGISTRAR_REALM, "s3cret", "INVITE",
	    "sip:bob@" PEER ".onion", nonce, "00000001", "cn", "auth", resp);
	sp_send("INVITE sip:bob@" PEER ".onion SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKa2\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@127.0.0.1>;tag=sptag\r\n"
		"To: <sip:bob@" PEER ".onion>\r\n"
		"Call-ID: auth-1\r\nCSeq: 2 INVITE\r\n"
		"Proxy-Authorization: Digest username=\"user\", "
		"realm=\"onionsip\", nonce=\"%s\", "
		"uri=\"sip:bob@" PEER ".onion\", response=\"%s\", qop=auth, "
		"nc=00000001, cnonce=\"cn\"\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s",
	    sp_port, nonce, resp, strlen(SDP_SP), SDP_SP);
	assert_true(recv_pump(sp_fd, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 100);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "INVITE ", 7) == 0);
	/* The credentials never leave. */
	assert_null(strstr(buf, "Authorization"));
	assert_null(strstr(buf, nonce));
	close(net);
	pump(100);
}

/* REGISTER with SIPPassword: 401 with a challenge, then 200 with the proof. */
static void
test_register_with_password(void **state)
{
	char buf[4096], nonce[64], resp[33];
	const char *p;

	free(set.sip_password);
	set.sip_password = strdup("s3cret");
	sp_send(
	    "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKr1\r\n"
	    "From: <sip:user@127.0.0.1>;tag=a\r\nTo: <sip:user@127.0.0.1>\r\n"
	    "Call-ID: regpw\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
	    "Contact: <sip:user@127.0.0.1:%d>\r\n"
	    "Content-Length: 0\r\n\r\n",
	    sp_port, sp_port);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 401);
	p = strstr(buf, "WWW-Authenticate: Digest realm=\"onionsip\"");
	assert_non_null(p);
	p = strstr(p, "nonce=\"");
	snprintf(
	    nonce, sizeof(nonce), "%.*s", (int)strcspn(p + 7, "\""), p + 7);
	registrar_digest("user", REGISTRAR_REALM, "s3cret", "REGISTER",
	    "sip:127.0.0.1", nonce, "00000001", "cn", "auth", resp);
	sp_send(
	    "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKr2\r\n"
	    "From: <sip:user@127.0.0.1>;tag=a\r\nTo: <sip:user@127.0.0.1>\r\n"
	    "Call-ID: regpw\r\nCSeq: 2 REGISTER\r\nMax-Forwards: 70\r\n"
	    "Contact: <sip:user@127.0.0.1:%d>\r\n"
	    "Authorization: Digest username=\"user\", realm=\"onionsip\", "
	    "nonce=\"%s\", uri=\"sip:127.0.0.1\", response=\"%s\", "
	    "qop=auth, nc=00000001, cnonce=\"cn\"\r\n"
	    "Content-Length: 0\r\n\r\n",
	    sp_port, sp_port, nonce, resp);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "Contact: <sip:user@127.0.0.1:"));
	assert_non_null(strstr(buf, ";expires=600"));
}

/* An INVITE without SDP: the offer comes in the 200, the answer in ACK. */
static void
test_outgoing_late_offer(void **state)
{
	char buf[4096], msg[4096], inv[4096], host[300], to[300], spvia[300];
	int net, n;

	sp_send("INVITE sip:bob@" PEER ".onion SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKlate\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@127.0.0.1>;tag=sptag\r\n"
		"To: <sip:bob@" PEER ".onion>\r\n"
		"Call-ID: late\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@127.0.0.1:%d>\r\n"
		"Content-Length: 0\r\n\r\n",
	    sp_port, sp_port);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, inv, sizeof(inv), 3000) > 0);
	assert_non_null(strstr(inv, "Content-Length: 0\r\n"));
	n = make_reply(msg, sizeof(msg), inv, 200, "pt",
	    "sip:bob@" PEER ".onion;transport=tcp", SDP_PEER);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "m=audio 41000 RTP/AVP"));
	header(buf, "To", to, sizeof(to));
	snprintf(spvia, sizeof(spvia),
	    "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKlateack", sp_port);
	n = make_request(msg, sizeof(msg), "ACK", 1, "sip:onionsip@127.0.0.1",
	    "<sip:alice@127.0.0.1>;tag=sptag", to, "late", spvia);
	/* make_request writes no body: add the answer. */
	snprintf(msg + n - 21, sizeof(msg) - (size_t)n + 21,
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(SDP_SP), SDP_SP);
	sp_send("%s", msg);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "ACK ", 4) == 0);
	assert_non_null(strstr(buf, "c=IN IP4 " RELAY));
	assert_null(strstr(buf, "127.0.0.1"));
	close(net);
	pump(100);
}

/* UDP toward the softphone: our INVITE repeats until answered (timer A). */
static void
test_udp_retransmissions(void **state)
{
	char inv1[4096], inv2[4096], buf[4096], b1[200];
	int net;

	net = onion_dial();
	net_invite(net, "retx", "bob");
	assert_true(recv_pump(sp_fd, inv1, sizeof(inv1), 2000) > 0);
	/* Nobody answers: the same INVITE again after T1 (500 ms). */
	assert_true(recv_pump(sp_fd, inv2, sizeof(inv2), 1500) > 0);
	assert_string_equal(inv1, inv2);
	header(inv1, "Via", b1, sizeof(b1));
	/* A provisional answer stops the repeats. */
	make_reply(buf, sizeof(buf), inv1, 180, "t", "sip:b@127.0.0.1", NULL);
	sp_send("%s", buf);
	pump(100);
	while (recv(sp_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	assert_int_equal(recv_pump(sp_fd, buf, sizeof(buf), 1500), -1);
	(void)b1;
	close(net);
}

/* UDP toward the softphone: our 486 repeats until the ACK (timer G). */
static void
test_udp_retransmit_final(void **state)
{
	char inv1[4096], buf[4096], buf2[4096], host[300], b2[200];
	int net, n, i;

	/* Our 486 (from the peer) repeats until the softphone ACKs. */
	sp_invite("retx-out", 1);
	net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, inv1, sizeof(inv1), 3000) > 0);
	n = make_reply(
	    buf, sizeof(buf), inv1, 486, "pt", "sip:b@x.invalid", NULL);
	assert_int_equal(write(net, buf, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 486);
	sp_recv(buf2, sizeof(buf2));
	assert_string_equal(buf, buf2);
	/* The softphone repeats its INVITE: it gets the 486 again. */
	sp_invite("retx-out", 1);
	sp_recv(buf2, sizeof(buf2));
	assert_int_equal(status_of(buf2), 486);
	sp_ack(buf);
	pump(100);
	while (recv(sp_fd, buf2, sizeof(buf2), MSG_DONTWAIT) > 0)
		;
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    recv_pump(sp_fd, buf2, sizeof(buf2), 1000), -1);
	header(buf, "Via", b2, sizeof(b2));
	assert_non_null(strstr(b2, "z9hG4bKsp1"));
	close(net);
}

/* OPTIONS from the onion side is answered by onionsip: no probe rings. */
static void
test_incoming_options(void **state)
{
	char buf[4096];
	int net = onion_dial();

	stream_send(net,
	    "OPTIONS sip:bob@" ONION ".onion SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKo\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:carol@" PEER ".onion>;tag=o\r\n"
	    "To: <sip:bob@" ONION ".onion>\r\n"
	    "Call-ID: probe\r\nCSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(status_of(buf), 200);
	assert_null(strstr(buf, "127.0.0.1"));
	assert_int_equal(recv_pump(sp_fd, buf, sizeof(buf), 200), -1);
	close(net);
}

/* The SDP version in the o= line of msg. */
static unsigned long long
sdp_version(const char *msg)
{
	const char *o = strstr(msg, "\r\no=");
	unsigned long long id, version;

	assert_non_null(o);
	assert_int_equal(sscanf(o, "\r\no=%*s %llu %llu", &id, &version), 2);
	return version;
}

/* One call's dialog as the scripted softphone and peer see it. */
struct dialog {
	int net;	    /* the peer's stream */
	const char *sp_cid; /* the softphone's Call-ID */
	char sp_to[300];    /* To of the softphone's requests */
	char net_from[300]; /* From, To and Call-ID of our ACK to the peer */
	char net_to[300];
	char net_cid[300];
};

/* A request from the softphone in d; its branch follows from cseq. */
static void
dialog_sp_request(const struct dialog *d, const char *method, int cseq,
    const char *ctype, const char *body)
{
	char msg[4096], via[300];

	snprintf(via, sizeof(via), "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKu%d",
	    sp_port, cseq);
	make_request_body(msg, sizeof(msg), method, cseq,
	    "sip:onionsip@127.0.0.1", "<sip:alice@127.0.0.1>;tag=sptag",
	    d->sp_to, d->sp_cid, via, ctype, body);
	sp_send("%s", msg);
}

/* A request from the peer in d, on its stream; branch from cseq. */
static void
dialog_peer_request(const struct dialog *d, const char *method, int cseq,
    const char *ctype, const char *body)
{
	char msg[4096], via[300];
	int n;

	snprintf(via, sizeof(via),
	    "SIP/2.0/TCP " PEER ".onion;branch=z9hG4bKp%d", cseq);
	n = make_request_body(msg, sizeof(msg), method, cseq,
	    "sip:user@" ONION ".onion", d->net_to, d->net_from, d->net_cid, via,
	    ctype, body);
	assert_int_equal(write(d->net, msg, n), n);
}

/*
 * Inside a call: hold by UPDATE from the softphone (and the peer's offers
 * meanwhile refused 491), resume by UPDATE from the peer, INFO DTMF both
 * ways rebuilt, other INFO bodies 415.
 */
static void
test_update_info_in_call(void **state)
{
	struct dialog d = { .sp_cid = "callid-upd@alice-laptop" };
	char buf[4096], msg[4096], host[300], upd[4096];
	unsigned long long v0;
	int net, n;

	/* The call, up as in test_outgoing_call. */
	sp_invite(d.sp_cid, 1);
	assert_true(recv_pump(sp_fd, buf, sizeof(buf), 2000) > 0);
	d.net = net = socks_serve(0, host, sizeof(host));
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	v0 = sdp_version(buf);
	n = make_reply(msg, sizeof(msg), buf, 200, "peertag",
	    "sip:bob@" PEER ".onion;transport=tcp", SDP_PEER);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(msg, sizeof(msg));
	assert_int_equal(status_of(msg), 200);
	header(msg, "To", d.sp_to, sizeof(d.sp_to));
	dialog_sp_request(&d, "ACK", 1, NULL, NULL);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "ACK ", 4) == 0);
	header(buf, "From", d.net_from, sizeof(d.net_from));
	header(buf, "To", d.net_to, sizeof(d.net_to));
	header(buf, "Call-ID", d.net_cid, sizeof(d.net_cid));

	/* Hold: the softphone's UPDATE reaches the peer rewritten. */
	dialog_sp_request(&d, "UPDATE", 2, "application/sdp", SDP_SP_HOLD);
	assert_true(recv_sip_stream(net, upd, sizeof(upd), 3000) > 0);
	assert_true(strncmp(upd, "UPDATE sip:bob@" PEER ".onion", 68) == 0);
	assert_non_null(strstr(upd, "\r\nCall-ID: "));
	assert_non_null(strstr(upd, d.net_cid));
	assert_non_null(strstr(upd, "\r\nContact: <sip:user@" ONION ".onion"));
	assert_non_null(strstr(upd, "c=IN IP4 " RELAY "\r\n"));
	assert_non_null(strstr(upd, "a=sendonly\r\n"));
	assert_non_null(strstr(upd, "a=crypto:1 "));
	assert_null(strstr(upd, "127.0.0.1"));
	assert_null(strstr(upd, "baresip"));
	assert_null(strstr(upd, "alice-laptop"));
	assert_true(sdp_version(upd) == v0 + 1);
	assert_int_equal(media_dir_last, MEDIA_DIR_SENDONLY);

	/* Meanwhile the peer offers too: 491 for UPDATE and re-INVITE. */
	dialog_peer_request(
	    &d, "UPDATE", 8, "application/sdp", SDP_PEER_V("6", "sendrecv"));
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_int_equal(status_of(buf), 491);
	assert_non_null(strstr(buf, "CSeq: 8 UPDATE\r\n"));
	dialog_peer_request(
	    &d, "INVITE", 9, "application/sdp", SDP_PEER_V("6", "sendrecv"));
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_int_equal(status_of(buf), 491);
	assert_non_null(strstr(buf, "CSeq: 9 INVITE\r\n"));
	dialog_peer_request(&d, "ACK", 9, NULL, NULL);
	assert_int_equal(recv_pump(sp_fd, buf, sizeof(buf), 200), -1);

	/* The peer's answer reaches the softphone on its own address. */
	n = make_reply(msg, sizeof(msg), upd, 200, "peertag",
	    "sip:bob@" PEER ".onion;transport=tcp",
	    SDP_PEER_V("6", "recvonly"));
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "CSeq: 2 UPDATE\r\n"));
	assert_non_null(strstr(buf, "Call-ID: callid-upd@alice-laptop\r\n"));
	assert_non_null(strstr(buf, "c=IN IP4 127.0.0.1\r\n"));
	assert_non_null(strstr(buf, "m=audio 41000 RTP/AVP 0"));
	assert_non_null(strstr(buf, "a=recvonly\r\n"));
	assert_null(strstr(buf, "198.51.100.9"));
	assert_null(strstr(buf, "crypto"));

	/* Resume: now the peer's UPDATE passes, and the softphone answers. */
	dialog_peer_request(
	    &d, "UPDATE", 10, "application/sdp", SDP_PEER_V("7", "sendrecv"));
	sp_recv(upd, sizeof(upd));
	assert_true(strncmp(upd, "UPDATE sip:alice-0x55d0@127.0.0.1", 33) == 0);
	assert_non_null(strstr(upd, "Call-ID: callid-upd@alice-laptop\r\n"));
	assert_non_null(strstr(upd, "c=IN IP4 127.0.0.1\r\n"));
	assert_null(strstr(upd, "198.51.100.9"));
	assert_null(strstr(upd, "crypto"));
	make_reply(msg, sizeof(msg), upd, 200, "x",
	    "sip:alice-0x55d0@127.0.0.1", SDP_SP);
	sp_send("%s", msg);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "CSeq: 10 UPDATE\r\n"));
	assert_non_null(strstr(buf, "\r\nContact: <sip:user@" ONION ".onion"));
	assert_non_null(strstr(buf, "c=IN IP4 " RELAY "\r\n"));
	assert_null(strstr(buf, "a=sendonly"));
	assert_null(strstr(buf, "127.0.0.1"));
	assert_null(strstr(buf, "baresip"));
	assert_int_equal(media_dir_last, MEDIA_DIR_SENDRECV);

	/* DTMF by INFO from the softphone: Signal and Duration only. */
	dialog_sp_request(&d, "INFO", 3, "application/dtmf-relay",
	    "Signal=5\r\nDuration=160\r\nX-Host=alice-laptop\r\n");
	assert_true(recv_sip_stream(net, upd, sizeof(upd), 3000) > 0);
	assert_true(strncmp(upd, "INFO sip:bob@" PEER ".onion", 66) == 0);
	assert_non_null(strstr(upd,
	    "\r\nContent-Type: application/dtmf-relay\r\nContent-Length: 24"
	    "\r\n\r\nSignal=5\r\nDuration=250\r\n"));
	assert_null(strstr(upd, "alice-laptop"));
	assert_null(strstr(upd, "baresip"));
	n = make_reply(msg, sizeof(msg), upd, 200, "peertag",
	    "sip:bob@" PEER ".onion", NULL);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "CSeq: 3 INFO\r\n"));

	/* DTMF by INFO from the peer, application/dtmf. */
	dialog_peer_request(&d, "INFO", 11, "application/dtmf", "#");
	sp_recv(upd, sizeof(upd));
	assert_true(strncmp(upd, "INFO sip:alice-0x55d0@127.0.0.1", 31) == 0);
	assert_non_null(strstr(upd,
	    "\r\nContent-Type: application/dtmf\r\nContent-Length: "
	    "1\r\n\r\n#"));
	make_reply(msg, sizeof(msg), upd, 200, "x",
	    "sip:alice-0x55d0@127.0.0.1", NULL);
	sp_send("%s", msg);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "CSeq: 11 INFO\r\n"));

	/* Another INFO body: 415 saying what is taken; nothing relayed. */
	dialog_peer_request(&d, "INFO", 12, "application/media_control+xml",
	    "<media_control/>");
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_int_equal(status_of(buf), 415);
	assert_non_null(strstr(buf,
	    "\r\nAccept: application/dtmf-relay, "
	    "application/dtmf\r\n"));
	assert_int_equal(recv_pump(sp_fd, buf, sizeof(buf), 200), -1);

	/* The same from the softphone, and its retransmission (UDP): the
	 * same 415 again, nothing toward the network. */
	for (n = 0; n < 2; n++) {
		dialog_sp_request(&d, "INFO", 4, "text/plain", "hello");
		sp_recv(buf, sizeof(buf));
		assert_int_equal(status_of(buf), 415);
		assert_non_null(strstr(buf, "CSeq: 4 INFO\r\n"));
	}
	assert_int_equal(recv_sip_stream(net, buf, sizeof(buf), 200), -1);

	/* The softphone hangs up. */
	dialog_sp_request(&d, "BYE", 5, NULL, NULL);
	assert_true(recv_sip_stream(net, buf, sizeof(buf), 3000) > 0);
	assert_true(strncmp(buf, "BYE ", 4) == 0);
	n = make_reply(msg, sizeof(msg), buf, 200, "peertag",
	    "sip:bob@" PEER ".onion", NULL);
	assert_int_equal(write(net, msg, n), n);
	sp_recv(buf, sizeof(buf));
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "CSeq: 5 BYE\r\n"));
	pump(100);
	close(net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_outgoing_call, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outgoing_stream_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outgoing_tor_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outgoing_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outgoing_busy_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_local_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incoming_call, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incoming_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incoming_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outgoing_needs_password, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incoming_options, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outgoing_late_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_register_with_password, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_retransmissions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_retransmit_final, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_update_info_in_call, setup, teardown),
	};

	return cmocka_run_group_tests_name("call", tests, NULL, NULL);
}
