#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "csprng.h"
#include "torctl.h"
#include "xmalloc.h"

struct torctl_pending {
	torctl_reply_cb *cb;
	void *arg;
};

/* One control connection. */
struct torctl {
	struct event_base *base;
	struct bufferevent *bev;
	struct event *ev_timer;
	bool up, closed, connect_failed;
	torctl_state_cb *state_cb;
	torctl_event_cb *event_cb;
	void *arg;
	struct torctl_pending pending[TORCTL_MAX_PENDING];
	size_t npending;
	/* Authentication in progress. */
	torctl_auth_cb *auth_cb;
	void *auth_arg;
	char *cookie_file;
	char *password;
	uint8_t cookie[TORCTL_COOKIE_LEN];
	uint8_t client_nonce[32];
	const char *auth_method;
};

/* HMAC-SHA256 with a text key. */
static void
torctl_hmac(const char *key, const uint8_t *msg, size_t len, uint8_t out[32])
{
	unsigned int olen = 32;

	if (HMAC(EVP_sha256(), key, (int)strlen(key), msg, len, out, &olen) ==
	    NULL)
		abort();
}

/* control-spec 3.24: the two SAFECOOKIE hashes. */
void
torctl_safecookie_hashes(const uint8_t cookie[TORCTL_COOKIE_LEN],
    const uint8_t client_nonce[32], const uint8_t server_nonce[32],
    uint8_t server_hash[32], uint8_t client_hash[32])
{
	uint8_t msg[TORCTL_COOKIE_LEN + 64];

	memcpy(msg, cookie, TORCTL_COOKIE_LEN);
	memcpy(msg + TORCTL_COOKIE_LEN, client_nonce, 32);
	memcpy(msg + TORCTL_COOKIE_LEN + 32, server_nonce, 32);
	torctl_hmac("Tor safe cookie authentication server-to-controller hash",
	    msg, sizeof(msg), server_hash);
	torctl_hmac("Tor safe cookie authentication controller-to-server hash",
	    msg, sizeof(msg), client_hash);
	explicit_bzero(msg, sizeof(msg));
}

/* Hex to bytes: exactly outlen bytes, either case; 0 or -1. */
int
torctl_hex_decode(const char *hex, uint8_t *out, size_t outlen)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != outlen * 2)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Bytes to upper-case hex (out holds 2 * len + 1). */
void
torctl_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/*
 * A bootstrap status, from GETINFO status/bootstrap-phase ("NOTICE
 * BOOTSTRAP PROGRESS=..") or a STATUS_CLIENT event. 0, or -1 when text is
 * not one.
 */
int
torctl_parse_bootstrap(const char *text, int *progress, char *tag,
    size_t taglen, char *summary, size_t summarylen, bool *warning)
{
	const char *p;
	char num[8];
	long v;
	char *end;

	if ((p = strstr(text, " BOOTSTRAP ")) == NULL)
		return -1;
	*warning =
	    strncmp(p - 4, "WARN", 4) == 0 || strncmp(p - 3, "ERR", 3) == 0;
	if (torreply_arg(p, "PROGRESS", num, sizeof(num)) != 0)
		return -1;
	v = strtol(num, &end, 10);
	if (*end != '\0' || v < 0 || v > 100)
		return -1;
	*progress = (int)v;
	if (torreply_arg(p, "TAG", tag, taglen) != 0)
		snprintf(tag, taglen, "?");
	if (*warning && torreply_arg(p, "WARNING", summary, summarylen) == 0)
		return 0;
	if (torreply_arg(p, "SUMMARY", summary, summarylen) != 0)
		snprintf(summary, summarylen, "?");
	return 0;
}

/* "127.0.0.1:9050" or "[::1]:9050" (possibly quoted) to a sockaddr. */
int
torctl_parse_addrport(
    const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[64], q[80];
	const char *colon;
	unsigned long port;
	char *end;
	size_t hl;

	if (*s == '"') {
		if (torreply_unquote(s, NULL, q, sizeof(q)) != 0)
			return -1;
		s = q;
	}
	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	hl = (size_t)(colon - s);
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port == 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	*len = sizeof(*sin);
	return 0;
}

/*
 * From the value of GETINFO net/listeners/socks (quoted addresses separated
 * by spaces): the listener on prefer_port (0: any), else the first TCP one.
 * 0 when the preferred one was found, 1 for another, -1 for none.
 */
int
torctl_pick_socks(const char *value, uint16_t prefer_port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_storage one;
	const char *p = value;
	char addr[128];
	socklen_t l;
	int found = -1;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p == '"') {
			if (torreply_unquote(p, &p, addr, sizeof(addr)) != 0)
				return found;
		} else {
			size_t n = strcspn(p, " ");

			if (n >= sizeof(addr))
				return found;
			memcpy(addr, p, n);
			addr[n] = '\0';
			p += n;
		}
		if (torctl_parse_addrport(addr, &one, &l) != 0)
			continue; /* unix:/path and the like */
		if (prefer_port != 0 &&
		    ntohs(((struct sockaddr_in *)&one)->sin_port) ==
			prefer_port) {
			*ss = one;
			*len = l;
			return 0;
		}
		if (found == -1) {
			*ss = one;
			*len = l;
			found = prefer_port == 0 ? 0 : 1;
		}
	}
	return found;
}

/*
 * ADD_ONION with our key; with client keys, a private service (V3Auth).
 * No Detach flag: the service goes away with this control connection, so
 * it never outlives onionsip.
 */
int
torctl_build_add_onion(char *out, size_t outlen, const char *keyblob,
    uint16_t virtual_port, const char *target, const char *const *clients,
    size_t nclients)
{
	size_t i, o;
	int n;

	if (nclients > TORCTL_MAX_CLIENTS || strchr(target, ' ') != NULL)
		return -1;
	n = snprintf(out, outlen, "ADD_ONION %s Flags=DiscardPK%s Port=%u,%s",
	    keyblob, nclients > 0 ? ",V3Auth" : "", (unsigned)virtual_port,
	    target);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	o = (size_t)n;
	for (i = 0; i < nclients; i++) {
		const char *k = clients[i];

		if (strncmp(k, "descriptor:x25519:", 18) == 0)
			k += 18;
		if (strchr(k, ' ') != NULL)
			return -1;
		n = snprintf(out + o, outlen - o, " ClientAuthV3=%s", k);
		if (n < 0 || (size_t)n >= outlen - o)
			return -1;
		o += (size_t)n;
	}
	return 0;
}

static void torctl_timer_arm(struct torctl *tc);

/* The connection is gone: fail pending commands, tell the owner once. */
static void
torctl_lost(struct torctl *tc, const char *why)
{
	struct torctl_pending p;
	torctl_auth_cb *acb;

	if (tc->closed)
		return;
	tc->closed = true;
	tc->up = false;
	if (tc->bev != NULL)
		bufferevent_disable(tc->bev, EV_READ | EV_WRITE);
	evtimer_del(tc->ev_timer);
	while (tc->npending > 0) {
		p = tc->pending[0];
		memmove(tc->pending, tc->pending + 1,
		    --tc->npending * sizeof(tc->pending[0]));
		p.cb(tc, NULL, p.arg);
	}
	if ((acb = tc->auth_cb) != NULL) {
		tc->auth_cb = NULL;
		acb(tc, false, why, tc->auth_arg);
	}
	tc->state_cb(tc, false, why, tc->arg);
}

/* Bytes from tor: hand out every whole reply. */
static void
torctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct torctl *tc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct torctl_pending p;
	struct torreply r;
	const char *why = NULL;
	size_t len, used;
	int rc;

	while (!tc->closed && (len = evbuffer_get_length(in)) > 0) {
		if (len > TORREPLY_MAX_REPLY)
			len = TORREPLY_MAX_REPLY;
		rc = torreply_parse(
		    (const char *)evbuffer_pullup(in, (ssize_t)len), len, &used,
		    &r, &why);
		if (rc == TORREPLY_NEED_MORE)
			return;
		if (rc == TORREPLY_ERROR) {
			torctl_lost(tc, why);
			return;
		}
		evbuffer_drain(in, used);
		if (r.async) {
			if (tc->event_cb != NULL)
				tc->event_cb(tc, &r, tc->arg);
		} else if (tc->npending == 0) {
			torreply_free(&r);
			torctl_lost(tc, "a reply nobody asked for");
			return;
		} else {
			p = tc->pending[0];
			memmove(tc->pending, tc->pending + 1,
			    --tc->npending * sizeof(tc->pending[0]));
			torctl_timer_arm(tc);
			p.cb(tc, &r, p.arg);
		}
		torreply_free(&r);
	}
}

/* Connected, closed, or failed. */
static void
torctl_bev_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct torctl *tc = arg;

	if (what & BEV_EVENT_CONNECTED) {
		tc->up = true;
		torctl_timer_arm(tc);
		tc->state_cb(tc, true, NULL, tc->arg);
		return;
	}
	if (what & BEV_EVENT_EOF)
		torctl_lost(tc, "tor closed the control connection");
	else if (what & BEV_EVENT_TIMEOUT)
		torctl_lost(tc, "control connection timed out");
	else
		torctl_lost(tc,
		    tc->up ? "control connection failed"
			   : "cannot connect to the control port");
}

/* A command (or the connect) took too long. */
static void
torctl_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl *tc = arg;

	if (tc->up)
		torctl_lost(tc, "tor did not answer in time");
	else if (tc->connect_failed)
		torctl_lost(tc, "cannot connect to the control port");
	else
		torctl_lost(tc, "connecting to the control port timed out");
}

/* Run the timer while something is awaited. */
static void
torctl_timer_arm(struct torctl *tc)
{
	struct timeval tv = { TORCTL_COMMAND_TIMEOUT, 0 };

	if (!tc->up) {
		tv.tv_sec = TORCTL_CONNECT_TIMEOUT;
		evtimer_add(tc->ev_timer, &tv);
	} else if (tc->npending > 0)
		evtimer_add(tc->ev_timer, &tv);
	else
		evtimer_del(tc->ev_timer);
}

/* Connect to tor's control port (see torctl.h). */
struct torctl *
torctl_new(struct event_base *base, const struct sockaddr *sa, socklen_t len,
    torctl_state_cb *state_cb, torctl_event_cb *event_cb, void *arg)
{
	struct torctl *tc = xcalloc(1, sizeof(*tc));

	tc->base = base;
	tc->state_cb = state_cb;
	tc->event_cb = event_cb;
	tc->arg = arg;
	tc->ev_timer = evtimer_new(base, torctl_timeout_cb, tc);
	tc->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(
	    tc->bev, torctl_read_cb, NULL, torctl_bev_event_cb, tc);
	bufferevent_enable(tc->bev, EV_READ | EV_WRITE);
	torctl_timer_arm(tc);
	if (bufferevent_socket_connect(tc->bev, sa, (int)len) != 0) {
		/* Reported on the next turn, never from inside here. */
		struct timeval zero = { 0, 0 };

		tc->connect_failed = true;
		evtimer_add(tc->ev_timer, &zero);
	}
	return tc;
}

/* Close without telling anyone. */
void
torctl_close(struct torctl *tc)
{
	tc->closed = true;
	tc->up = false;
	tc->npending = 0;
	tc->auth_cb = NULL;
	if (tc->ev_timer != NULL)
		evtimer_del(tc->ev_timer);
	if (tc->bev != NULL) {
		bufferevent_free(tc->bev);
		tc->bev = NULL;
	}
}

/* Free a connection (closed or not; no callbacks). */
void
torctl_free(struct torctl *tc)
{
	if (tc == NULL)
		return;
	torctl_close(tc);
	event_free(tc->ev_timer);
	free(tc->cookie_file);
	if (tc->password != NULL)
		freezero(tc->password, strlen(tc->password));
	explicit_bzero(tc->cookie, sizeof(tc->cookie));
	free(tc);
}

/* Send one command line and remember who waits for its answer. */
int
torctl_command(
    struct torctl *tc, const char *line, torctl_reply_cb *cb, void *arg)
{
	size_t len = strlen(line);

	if (tc->closed || !tc->up || tc->npending == TORCTL_MAX_PENDING ||
	    len > TORCTL_MAX_COMMAND || strpbrk(line, "\r\n") != NULL)
		return -1;
	bufferevent_write(tc->bev, line, len);
	bufferevent_write(tc->bev, "\r\n", 2);
	tc->pending[tc->npending].cb = cb;
	tc->pending[tc->npending].arg = arg;
	tc->npending++;
	torctl_timer_arm(tc);
	return 0;
}

/* Authentication is over: tell the caller. */
static void
torctl_auth_done(struct torctl *tc, bool ok, const char *why)
{
	torctl_auth_cb *cb = tc->auth_cb;

	tc->auth_cb = NULL;
	explicit_bzero(tc->cookie, sizeof(tc->cookie));
	if (cb != NULL)
		cb(tc, ok, why, tc->auth_arg);
}

/* The answer to AUTHENTICATE. */
static void
torctl_auth_reply_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	if (r == NULL)
		return; /* torctl_lost() tells the caller */
	if (r->code != 250)
		torctl_auth_done(tc, false, "tor refused our authentication");
	else
		torctl_auth_done(tc, true, NULL);
}

/* Read a 32-byte cookie file. */
static int
torctl_read_cookie(const char *path, uint8_t cookie[TORCTL_COOKIE_LEN])
{
	uint8_t extra;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, cookie, TORCTL_COOKIE_LEN);
	if (n == TORCTL_COOKIE_LEN && read(fd, &extra, 1) == 0) {
		close(fd);
		return 0;
	}
	close(fd);
	return -1;
}

/* The answer to AUTHCHALLENGE: check tor knows the cookie, answer. */
static void
torctl_challenge_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	uint8_t server_nonce[32], server_hash[32], want[32], client[32];
	char hex[65], line[128];

	if (r == NULL)
		return;
	if (r->code != 250 || r->nlines != 1 ||
	    torreply_arg(r->lines[0].text, "SERVERHASH", hex, sizeof(hex)) !=
		0 ||
	    torctl_hex_decode(hex, server_hash, 32) != 0 ||
	    torreply_arg(r->lines[0].text, "SERVERNONCE", hex, sizeof(hex)) !=
		0 ||
	    torctl_hex_decode(hex, server_nonce, 32) != 0) {
		torctl_auth_done(tc, false, "bad AUTHCHALLENGE answer");
		return;
	}
	torctl_safecookie_hashes(
	    tc->cookie, tc->client_nonce, server_nonce, want, client);
	/* A listener that does not know the cookie is not our tor. */
	if (CRYPTO_memcmp(want, server_hash, 32) != 0) {
		torctl_auth_done(tc, false,
		    "the control port does not know the cookie "
		    "(not the tor we expected)");
		return;
	}
	torctl_hex_encode(client, 32, hex);
	snprintf(line, sizeof(line), "AUTHENTICATE %s", hex);
	if (torctl_command(tc, line, torctl_auth_reply_cb, NULL) != 0)
		torctl_auth_done(tc, false, "control connection closed");
	explicit_bzero(line, sizeof(line));
	explicit_bzero(client, sizeof(client));
}

/* The answer to PROTOCOLINFO: pick a method and go. */
static void
torctl_protocolinfo_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	char methods[256], cookiefile[1024], line[TORCTL_MAX_COMMAND];
	const char *path = NULL;
	bool safecookie, cookie, hashed, null_auth;
	size_t i;
	int rc;

	if (r == NULL)
		return;
	methods[0] = cookiefile[0] = '\0';
	for (i = 0; r->code == 250 && i < r->nlines; i++) {
		if (strncmp(r->lines[i].text, "AUTH ", 5) != 0)
			continue;
		torreply_arg(
		    r->lines[i].text, "METHODS", methods, sizeof(methods));
		torreply_arg(r->lines[i].text, "COOKIEFILE", cookiefile,
		    sizeof(cookiefile));
	}
	if (r->code != 250 || methods[0] == '\0') {
		torctl_auth_done(tc, false, "bad PROTOCOLINFO answer");
		return;
	}
	safecookie = strstr(methods, "SAFECOOKIE") != NULL;
	cookie = strstr(methods, "COOKIE") != NULL;
	hashed = strstr(methods, "HASHEDPASSWORD") != NULL;
	null_auth = strstr(methods, "NULL") != NULL;
	path = tc->cookie_file != NULL ? tc->cookie_file
	    : cookiefile[0] != '\0'    ? cookiefile
				       : NULL;
	if ((safecookie || cookie) && path != NULL &&
	    torctl_read_cookie(path, tc->cookie) == 0) {
		tc->auth_method = safecookie ? "SAFECOOKIE" : "COOKIE";
		if (safecookie) {
			char hex[65];

			csprng_bytes(tc->client_nonce, 32);
			torctl_hex_encode(tc->client_nonce, 32, hex);
			snprintf(line, sizeof(line),
			    "AUTHCHALLENGE SAFECOOKIE %s", hex);
			rc =
			    torctl_command(tc, line, torctl_challenge_cb, NULL);
		} else {
			char hex[2 * TORCTL_COOKIE_LEN + 1];

			torctl_hex_encode(tc->cookie, TORCTL_COOKIE_LEN, hex);
			snprintf(line, sizeof(line), "AUTHENTICATE %s", hex);
			rc = torctl_command(
			    tc, line, torctl_auth_reply_cb, NULL);
			explicit_bzero(hex, sizeof(hex));
		}
	} else if (hashed && tc->password != NULL) {
		char q[1024];

		if (torreply_quote(tc->password, q, sizeof(q)) != 0) {
			torctl_auth_done(tc, false, "password not usable");
			return;
		}
		tc->auth_method = "HASHEDPASSWORD";
		snprintf(line, sizeof(line), "AUTHENTICATE %s", q);
		explicit_bzero(q, sizeof(q));
		rc = torctl_command(tc, line, torctl_auth_reply_cb, NULL);
	} else if (null_auth) {
		tc->auth_method = "NULL";
		rc = torctl_command(
		    tc, "AUTHENTICATE", torctl_auth_reply_cb, NULL);
	} else {
		torctl_auth_done(tc, false,
		    (safecookie || cookie)
			? "cannot read tor's control cookie file "
			  "(TorControlCookieFile; group debian-tor?)"
			: "tor wants a password (TorControlPassword)");
		return;
	}
	explicit_bzero(line, sizeof(line));
	if (rc != 0)
		torctl_auth_done(tc, false, "control connection closed");
}

/* Start authenticating (see torctl.h). */
void
torctl_authenticate(struct torctl *tc, const char *cookie_file,
    const char *password, torctl_auth_cb *cb, void *arg)
{
	tc->auth_cb = cb;
	tc->auth_arg = arg;
	free(tc->cookie_file);
	tc->cookie_file = cookie_file != NULL && cookie_file[0] != '\0'
	    ? xstrdup(cookie_file)
	    : NULL;
	if (tc->password != NULL)
		freezero(tc->password, strlen(tc->password));
	tc->password =
	    password != NULL && password[0] != '\0' ? xstrdup(password) : NULL;
	if (torctl_command(
		tc, "PROTOCOLINFO 1", torctl_protocolinfo_cb, NULL) != 0)
		torctl_auth_done(tc, false, "control connection closed");
}

/* How we authenticated (for logs). */
const char *
torctl_auth_method(const struct torctl *tc)
{
	return tc->auth_method != NULL ? tc->auth_method : "none";
}
