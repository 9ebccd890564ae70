#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "buf.h"
#include "call.h"
#include "call_int.h"
#include "csprng.h"
#include "leakcheck.h"
#include "log.h"
#include "media.h"
#include "registrar.h"
#include "sdprw.h"
#include "sipmsg.h"
#include "sipsan.h"
#include "sipua_tp.h"
#include "socks5.h"
#include "socks5_conn.h"
#include "tor.h"
#include "xmalloc.h"

static struct log_ratelim call_rl = LOG_RATELIM_INIT(60, 10);

/* A dry run of the INVITE toward leg: does sipsan accept it? */
static int
call_precheck(struct call_table *t, const struct sipmsg *m, enum sipsan_dir dir,
    struct sipsan_result *res)
{
	static struct sdprw_session sess;
	struct sdprw_target tgt;
	struct sipsan_leg sl;

	memset(&sl, 0, sizeof(sl));
	memset(&tgt, 0, sizeof(tgt));
	tgt.addr = "127.0.0.1";
	tgt.media[0].port = 9;
	sl.local_uri = "sip:a@127.0.0.1";
	sl.local_tag = "a";
	sl.contact_uri = "sip:a@127.0.0.1";
	sl.remote_uri = "sip:b@127.0.0.1";
	sl.call_id = "precheck";
	sl.cseq = 1;
	sl.via_host = "127.0.0.1";
	sl.branch = "z9hG4bKprecheck";
	sl.sdp_policy = &t->policy;
	sl.sdp_session = &sess;
	sl.sdp_target = &tgt;
	return sipsan_rewrite(m, dir, &sl, &t->out, res) == SIPSAN_OK ? 0 : -1;
}

/* Copy the softphone's User-Agent into the leak check's needles. */
static void
call_learn_software(struct call_table *t, const struct sipmsg *m)
{
	char ua[128];
	size_t i;

	if (t->cfg.lc == NULL || m->user_agent.len < LEAKCHECK_MIN_NAME ||
	    call_copy(ua, sizeof(ua), m->user_agent) != 0)
		return;
	for (i = 0; i < t->nseen_ua; i++)
		if (strcmp(t->seen_ua[i], ua) == 0)
			return;
	if (t->nseen_ua == sizeof(t->seen_ua) / sizeof(t->seen_ua[0]))
		return;
	t->seen_ua[t->nseen_ua++] = xstrdup(ua);
	(void)leakcheck_add_software(t->cfg.lc, ua);
}

/* The softphone calls out: INVITE sip:user@<onion>.onion. Takes m. */
static void
call_new_outgoing(
    struct call_table *t, const struct sipua_peer *from, struct sipmsg *m)
{
	struct sipsan_result res;
	struct call *c;
	struct call_pending *p;
	char host[80], user[80];
	const char *why;
	int scode = 0;

	if (registrar_needs_auth(&t->reg)) {
		const struct sipmsg_hdr *h =
		    sipmsg_find(m, SIPMSG_H_PROXY_AUTHORIZATION, NULL);
		char auth[REGISTRAR_MAX_AUTH + 1] = "";
		char hdr[200];

		if (h != NULL)
			(void)call_copy(auth, sizeof(auth), h->value);
		if (registrar_check_auth(&t->reg, "INVITE",
			h != NULL ? auth : NULL, time(NULL), &why) != 0) {
			if (sipsan_answer(m, 407, "auth", NULL, NULL, NULL, 0,
				&t->out, &why) == 0) {
				char nonce[REGISTRAR_NONCE_LEN + 1];

				if (time(NULL) - t->reg.nonce_time >
				    REGISTRAR_NONCE_SECONDS / 2) {
					csprng_token(
					    nonce, REGISTRAR_NONCE_LEN);
					registrar_set_nonce(
					    &t->reg, nonce, time(NULL));
				}
				snprintf(hdr, sizeof(hdr),
				    "Proxy-Authenticate: Digest realm=\"%s\", "
				    "nonce=\"%s\", algorithm=MD5, "
				    "qop=\"auth\"\r\n",
				    REGISTRAR_REALM, t->reg.nonce);
				call_insert_headers(t, hdr);
				sipua_tp_send(
				    t->tp, from, t->out.data, t->out.len);
			}
			goto out;
		}
	}
	if (!call_onion_host(m->ruri.host, host, sizeof(host)) ||
	    !call_user_ok(m->ruri.user) ||
	    call_copy(user, sizeof(user), m->ruri.user) != 0)
		scode = 404; /* only onion addresses are reachable */
	else if (!tor_ready())
		scode = 503;
	else if (t->stats.active >= t->set->max_calls || t->stopping)
		scode = 503;
	else if (t->cfg.pool == NULL)
		scode = 503; /* no TURNServer: no way to carry media */
	if (scode == 0 && call_precheck(t, m, SIPSAN_TO_NETWORK, &res) != 0)
		scode = res.scode >= 400 ? res.scode : 488;
	if (scode != 0) {
		call_answer_alone(
		    t, from, m, scode, scode == 420 ? &res : NULL);
		goto out;
	}
	c = call_new(t, true);
	t->stats.calls_out++;
	c->a.peer = *from;
	c->a.peer_ok = true;
	call_keep_streams(c, true);
	if (call_copy(c->a.call_id, sizeof(c->a.call_id), m->call_id) != 0 ||
	    call_copy(c->a.remote_tag, sizeof(c->a.remote_tag), m->from.tag) !=
		0 ||
	    call_copy(c->a.remote_uri, sizeof(c->a.remote_uri),
		m->from.uri.raw) != 0 ||
	    call_copy(c->a.local_uri, sizeof(c->a.local_uri), m->to.uri.raw) !=
		0 ||
	    (m->ncontact > 0 &&
		call_copy(c->a.target, sizeof(c->a.target),
		    m->contact.uri.raw) != 0)) {
		call_answer_alone(t, from, m, 400, NULL);
		call_end(c);
		goto out;
	}
	c->a.remote_cseq = m->cseq;
	call_local_leg_addr(t, &c->a);
	call_net_leg_addr(t, &c->b);
	snprintf(
	    c->b.remote_uri, sizeof(c->b.remote_uri), "sip:%s@%s", user, host);
	snprintf(c->b.target, sizeof(c->b.target), "sip:%s@%s;transport=tcp",
	    user, host);
	snprintf(c->net_host, sizeof(c->net_host), "%s", host);
	p = call_pending_add(&c->a, m);
	m = NULL;
	call_answer_pending(c, &c->a, p, 100);
	log_info("call %llx: outgoing to %s", (unsigned long long)c->id,
	    log_sensitive(host));
	c->media = media_new(t->base, t->cfg.pool, call_media_cb, c);
	if (c->media == NULL) {
		call_hangup(c, 503);
		return;
	}
	c->sc = tor_connect(host, t->set->onion_virtual_port, NULL,
	    CALL_CONNECT_MS, call_socks_cb, c);
	if (c->sc == NULL) {
		call_hangup(c, 503);
		return;
	}
	call_timer(c, CALL_CONNECT_MS + CALL_MEDIA_WAIT_MS);
	return;
out:
	sipmsg_free(m);
}

/*
 * The caller policy for an INVITE from the onion side: the allow list
 * (the From onion address), a per-caller rate limit, MaxRinging. 0 to let
 * it ring, or the SIP status to refuse with.
 */
static int
call_policy(struct call_table *t, const struct sipmsg *m, const char *caller)
{
	const struct settings_list *al = &t->set->allowed_callers;
	struct call_rate *r, *oldest = NULL;
	time_t now = time(NULL);
	size_t i;
	bool ok;

	if (al->n > 0) {
		ok = false;
		for (i = 0; i < al->n; i++) {
			size_t n = strlen(al->v[i]);

			if (strncasecmp(al->v[i], caller, TOR_ONION_LEN) == 0 &&
			    (n == TOR_ONION_LEN ||
				strcasecmp(al->v[i], caller) == 0))
				ok = true;
		}
		if (!ok)
			return 403;
	}
	for (i = 0; i < CALL_RATE_CALLERS; i++) {
		r = &t->rate[i];
		if (strcmp(r->caller, caller) == 0)
			break;
		if (oldest == NULL || r->start < oldest->start)
			oldest = r;
	}
	if (i == CALL_RATE_CALLERS) {
		r = oldest;
		snprintf(r->caller, sizeof(r->caller), "%s", caller);
		r->start = now;
		r->count = 0;
	}
	if (now - r->start >= CALL_RATE_WINDOW) {
		r->start = now;
		r->count = 0;
	}
	if (++r->count > t->set->caller_rate_limit)
		return 486;
	if (t->stats.ringing >= t->set->max_ringing)
		return 486;
	if (t->stats.active >= t->set->max_calls || t->stopping)
		return 486;
	return 0;
}

/* Where an incoming call rings: the registered softphone or LocalContact. */
static int
call_ring_target(struct call_table *t, struct call_leg *leg)
{
	const struct registrar_binding *b =
	    registrar_lookup(&t->reg, time(NULL));
	const char *lc = t->set->local_contact;
	struct sockaddr_in sin;
	char host[64];
	unsigned int port = 5060;
	const char *at, *colon;
	size_t n;

	if (b != NULL &&
	    (b->peer.proto == SIPUA_UDP ||
		sipua_tp_is_open(t->tp, b->peer.conn))) {
		leg->peer = b->peer;
		leg->peer_ok = true;
		snprintf(leg->target, sizeof(leg->target), "%s", b->contact);
		return 0;
	}
	if (lc == NULL || lc[0] == '\0')
		return -1;
	/* LocalContact: sip:user@<IPv4 literal>[:port][;transport=tcp]. */
	if (strncasecmp(lc, "sip:", 4) != 0)
		return -1;
	at = strchr(lc, '@');
	at = at != NULL ? at + 1 : lc + 4;
	n = strcspn(at, ":;>");
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, at, n);
	host[n] = '\0';
	colon = at + n;
	if (*colon == ':')
		port = (unsigned int)strtoul(colon + 1, NULL, 10);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 || port == 0 ||
	    port > 65535)
		return -1; /* never resolved: a numeric address only */
	memset(&leg->peer, 0, sizeof(leg->peer));
	leg->peer.side = SIPUA_LOCAL;
	memcpy(&leg->peer.addr, &sin, sizeof(sin));
	leg->peer.addrlen = sizeof(sin);
	if (strcasestr(lc, ";transport=tcp") != NULL) {
		leg->peer.proto = SIPUA_TCP;
		leg->peer.conn = sipua_tp_connect(
		    t->tp, (struct sockaddr *)&sin, sizeof(sin), SIPUA_LOCAL);
		if (leg->peer.conn == 0)
			return -1;
	} else
		leg->peer.proto = SIPUA_UDP;
	leg->peer_ok = true;
	snprintf(leg->target, sizeof(leg->target), "%s", lc);
	return 0;
}

/* A caller on the onion side: INVITE on an OnionListen stream. Takes m. */
static void
call_new_incoming(
    struct call_table *t, const struct sipua_peer *from, struct sipmsg *m)
{
	struct sipsan_result res;
	struct call_pending *p;
	struct call *c;
	char caller[80], cuser[80];
	int scode;

	/* The caller's identity as it says; checked against the policy. */
	if (!call_onion_host(m->from.uri.host, caller, sizeof(caller)) ||
	    !call_user_ok(m->from.uri.user) ||
	    call_copy(cuser, sizeof(cuser), m->from.uri.user) != 0) {
		call_answer_alone(t, from, m, 403, NULL);
		t->stats.refused_policy++;
		goto out;
	}
	if ((scode = call_policy(t, m, caller)) != 0) {
		log_ratelim_warnx(
		    &call_rl, "incoming call refused (%d)", scode);
		t->stats.refused_policy++;
		call_answer_alone(t, from, m, scode, NULL);
		goto out;
	}
	if (call_precheck(t, m, SIPSAN_TO_SOFTPHONE, &res) != 0) {
		call_answer_alone(t, from, m,
		    res.scode >= 400 ? res.scode : 488,
		    res.scode == 420 ? &res : NULL);
		goto out;
	}
	if (t->cfg.pool == NULL) {
		call_answer_alone(t, from, m, 480, NULL);
		goto out;
	}
	c = call_new(t, false);
	t->stats.calls_in++;
	c->a.peer = *from;
	c->a.peer_ok = true;
	c->net_up = true;
	if (call_copy(c->a.call_id, sizeof(c->a.call_id), m->call_id) != 0 ||
	    call_copy(c->a.remote_tag, sizeof(c->a.remote_tag), m->from.tag) !=
		0) {
		call_answer_alone(t, from, m, 400, NULL);
		call_end(c);
		goto out;
	}
	c->a.remote_cseq = m->cseq;
	call_net_leg_addr(t, &c->a);
	snprintf(c->a.remote_uri, sizeof(c->a.remote_uri), "sip:%s@%s", cuser,
	    caller);
	snprintf(c->a.target, sizeof(c->a.target), "sip:%s@%s;transport=tcp",
	    cuser, caller);
	/* Toward the softphone: the caller as sip:user@<onion>.onion. */
	snprintf(
	    c->b.local_uri, sizeof(c->b.local_uri), "sip:%s@%s", cuser, caller);
	snprintf(c->b.remote_uri, sizeof(c->b.remote_uri), "sip:%s@127.0.0.1",
	    t->set->user);
	p = call_pending_add(&c->a, m);
	m = NULL;
	call_answer_pending(c, &c->a, p, 100);
	if (call_ring_target(t, &c->b) != 0) {
		call_hangup(c, 480); /* nobody to ring: as if not answering */
		return;
	}
	call_local_leg_addr(t, &c->b);
	call_keep_streams(c, true);
	c->ringing = true;
	t->stats.ringing++;
	log_info("call %llx: incoming", (unsigned long long)c->id);
	c->media = media_new(t->base, t->cfg.pool, call_media_cb, c);
	if (c->media == NULL) {
		call_hangup(c, 503);
		return;
	}
	call_send_invite(c);
	return;
out:
	sipmsg_free(m);
}

/* REGISTER from the softphone. */
static void
call_register(
    struct call_table *t, const struct sipua_peer *from, const struct sipmsg *m)
{
	const struct sipmsg_hdr *h =
	    sipmsg_find(m, SIPMSG_H_AUTHORIZATION, NULL);
	struct registrar_answer ans;
	struct registrar_req req;
	char auth[REGISTRAR_MAX_AUTH + 1], contact[REGISTRAR_MAX_CONTACT];
	char ruri[CALL_MAX_URI], hdr[REGISTRAR_MAX_CONTACT + 200], tag[40];
	const char *why;
	time_t now = time(NULL);

	memset(&req, 0, sizeof(req));
	req.peer = from;
	req.expires = m->have_expires ? (long)m->expires : -1;
	if (call_copy(ruri, sizeof(ruri), m->ruri.raw) != 0)
		ruri[0] = '\0';
	req.ruri = ruri;
	if (h != NULL && call_copy(auth, sizeof(auth), h->value) == 0)
		req.auth = auth;
	if (m->contact_star)
		req.contact = "*";
	else if (m->ncontact > 0 &&
	    call_copy(contact, sizeof(contact), m->contact.uri.raw) == 0) {
		req.contact = contact;
		/* ;expires= on the Contact wins over Expires. */
		if (m->contact.params.len > 0) {
			char prm[128];
			const char *e;

			if (call_copy(prm, sizeof(prm), m->contact.params) ==
				0 &&
			    (e = strcasestr(prm, ";expires=")) != NULL)
				req.expires = strtol(e + 9, NULL, 10);
		}
	}
	if (registrar_needs_auth(&t->reg) &&
	    (t->reg.nonce[0] == '\0' ||
		now - t->reg.nonce_time > REGISTRAR_NONCE_SECONDS / 2)) {
		char nonce[REGISTRAR_NONCE_LEN + 1];

		csprng_token(nonce, REGISTRAR_NONCE_LEN);
		registrar_set_nonce(&t->reg, nonce, now);
	}
	registrar_register(&t->reg, &req, now, &ans);
	call_token(tag, sizeof(tag), "");
	if (sipsan_answer(
		m, ans.status, tag, NULL, NULL, NULL, 0, &t->out, &why) != 0)
		return;
	hdr[0] = '\0';
	if (ans.status == 401)
		snprintf(
		    hdr, sizeof(hdr), "WWW-Authenticate: %s\r\n", ans.www_auth);
	else if (ans.status == 423)
		snprintf(hdr, sizeof(hdr), "Min-Expires: %ld\r\n", ans.expires);
	else if (ans.status == 200 && ans.contact[0] != '\0')
		snprintf(hdr, sizeof(hdr), "Contact: <%s>;expires=%ld\r\n",
		    ans.contact, ans.expires);
	if (hdr[0] != '\0')
		call_insert_headers(t, hdr);
	sipua_tp_send(t->tp, from, t->out.data, t->out.len);
	if (ans.status == 200)
		log_info("softphone %s",
		    req.contact && ans.expires > 0 ? "registered"
						   : "unregistered");
}

/* The call a message belongs to, by its side and Call-ID. */
static struct call *
call_find(struct call_table *t, enum sipua_side side, struct span call_id,
    struct call_leg **leg)
{
	struct call *c;

	for (c = t->calls; c != NULL; c = c->next) {
		struct call_leg *l = c->a.side == side ? &c->a : &c->b;

		if (c->state == CALL_DEAD)
			continue;
		if (strlen(l->call_id) == call_id.len &&
		    memcmp(l->call_id, call_id.p, call_id.len) == 0) {
			*leg = l;
			return c;
		}
	}
	return NULL;
}

/* One message from any transport. */
static void
call_msg_cb(
    const struct sipua_peer *from, const char *bytes, size_t len, void *arg)
{
	struct call_table *t = arg;
	struct sipmsg_error err;
	struct sipmsg *m;
	struct call_leg *leg;
	struct call *c;

	call_table_refresh(t);
	if ((m = sipmsg_parse(bytes, len, &err)) == NULL) {
		t->stats.parse_errors++;
		log_ratelim_warnx(&call_rl,
		    "refused a SIP message from the %s "
		    "side: %d %s",
		    from->side == SIPUA_NET ? "network" : "local", err.scode,
		    err.reason ? err.reason : "");
		return;
	}
	if (from->side == SIPUA_LOCAL)
		call_learn_software(t, m);
	c = call_find(t, from->side, m->call_id, &leg);
	if (!m->is_request) {
		if (c != NULL)
			call_response(c, leg, m);
		sipmsg_free(m);
		return;
	}
	if (c != NULL) {
		/* A stream may carry only its own call. */
		if (from->proto == SIPUA_TCP && leg->peer.proto == SIPUA_TCP &&
		    from->side == SIPUA_NET && leg->peer.conn != from->conn) {
			call_answer_alone(t, from, m, 481, NULL);
			sipmsg_free(m);
			return;
		}
		if (from->side == SIPUA_LOCAL && from->proto == SIPUA_UDP)
			leg->peer = *from; /* answers go where it is now */
		call_request(c, leg, m);
		return;
	}
	switch (m->method) {
	case SIPMSG_INVITE:
		if (m->to.tag.len > 0) {
			call_answer_alone(t, from, m, 481, NULL);
			break;
		}
		if (from->side == SIPUA_LOCAL)
			call_new_outgoing(t, from, m);
		else
			call_new_incoming(t, from, m);
		return;
	case SIPMSG_REGISTER:
		if (from->side == SIPUA_LOCAL)
			call_register(t, from, m);
		else
			call_answer_alone(t, from, m, 403, NULL);
		break;
	case SIPMSG_OPTIONS:
		/* Answered here: the softphone is never probed. */
		call_answer_alone(t, from, m, 200, NULL);
		break;
	case SIPMSG_ACK:
		break;
	case SIPMSG_BYE:
	case SIPMSG_CANCEL:
	case SIPMSG_UPDATE:
	case SIPMSG_INFO:
	case SIPMSG_PRACK:
		call_answer_alone(t, from, m, 481, NULL);
		break;
	case SIPMSG_OTHER:
		call_answer_alone(t, from, m, 501, NULL);
		break;
	default:
		call_answer_alone(t, from, m, 405, NULL);
		break;
	}
	sipmsg_free(m);
}

/* A stream closed: a call whose network stream it was is over. */
static void
call_closed_cb(uint64_t conn, enum sipua_side side, void *arg)
{
	struct call_table *t = arg;
	struct call *c;

	if (side == SIPUA_LOCAL)
		registrar_forget_conn(&t->reg, conn);
	for (c = t->calls; c != NULL; c = c->next) {
		struct call_leg *leg = side == SIPUA_NET ? c->net : c->local;

		if (c->state == CALL_DEAD || !leg->peer_ok ||
		    leg->peer.proto != SIPUA_TCP || leg->peer.conn != conn)
			continue;
		leg->peer_ok = false;
		leg->remote_tag[0] = '\0';
		log_info("call %llx: %s stream closed",
		    (unsigned long long)c->id,
		    side == SIPUA_NET ? "network" : "local");
		if (c->state == CALL_ENDING)
			call_end(c);
		else {
			call_hangup(c, 480);
			if (leg == c->net)
				call_timer(c, CALL_T1_MS);
		}
	}
}

/*
 * Point at the running settings again: a reload (SIGHUP) swaps their
 * strings, so nothing may keep pointers into them across loop turns.
 */
void
call_table_refresh(struct call_table *t)
{
	size_t i;

	t->reg.user = t->set->user;
	t->reg.password = t->set->sip_password;
	memset(&t->policy, 0, sizeof(t->policy));
	for (i = 0; i < t->set->codecs.n && i < SDPRW_MAX_CODECS; i++)
		t->policy.codecs[i] = t->set->codecs.v[i];
	t->policy.ncodecs = i;
	t->policy.allow_video = t->set->allow_video;
}

/* The call table, its transports not yet open. */
struct call_table *
call_table_new(struct event_base *base, const struct call_config *cfg,
    char *err, size_t errlen)
{
	struct call_table *t = xcalloc(1, sizeof(*t));

	t->base = base;
	t->cfg = *cfg;
	t->set = cfg->set;
	t->tp = sipua_tp_new(base, call_msg_cb, call_closed_cb, t);
	registrar_init(&t->reg, t->set->user, t->set->sip_password);
	call_table_refresh(t);
	buf_init(&t->out, SIPSAN_MAX_MSG);
	return t;
}

/* Free the table and every call at once (after call_table_shutdown()). */
void
call_table_free(struct call_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	while (t->calls != NULL) {
		struct call *c = t->calls;

		t->calls = c->next;
		if (c->sc != NULL)
			socks5_conn_cancel(c->sc);
		media_free(c->media);
		call_leg_clear(&c->a);
		call_leg_clear(&c->b);
		sipmsg_free(c->held_2xx);
		event_free(c->timer);
		event_free(c->reaper);
		free(c);
	}
	sipua_tp_free(t->tp);
	for (i = 0; i < t->nseen_ua; i++)
		free(t->seen_ua[i]);
	if (t->stop_check != NULL)
		event_free(t->stop_check);
	buf_free(&t->out);
	free(t);
}

/* Open SIPListen (UDP and TCP) for the softphone. */
int
call_table_listen(struct call_table *t, char *err, size_t errlen)
{
	if (sipua_tp_listen_udp(
		t->tp, SIPUA_LOCAL, &t->set->sip_listen, err, errlen) != 0)
		return -1;
	if (sipua_tp_listen_tcp(
		t->tp, SIPUA_LOCAL, &t->set->sip_listen, err, errlen) != 0)
		return -1;
	t->cfg.local_port =
	    (uint16_t)sipua_tp_bound_port(t->tp, SIPUA_UDP, SIPUA_LOCAL);
	return 0;
}

/* The TURN pool, once tor can reach the server. */
void
call_table_set_pool(struct call_table *t, struct turnpool *pool)
{
	t->cfg.pool = pool;
}

/* Accept the onion service's streams on a socket tor's module bound. */
void
call_table_adopt_onion_listener(struct call_table *t, int fd)
{
	char err[128];

	if (sipua_tp_listen_fd(t->tp, SIPUA_NET, fd, err, sizeof(err)) != 0)
		log_warnx("OnionListen: %s", err);
	else
		t->cfg.onion_port =
		    (uint16_t)sipua_tp_bound_port(t->tp, SIPUA_TCP, SIPUA_NET);
}

/* Check whether the last calls are gone. */
static void
call_stop_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct call_table *t = arg;
	void (*done)(void *) = t->done;

	if (t->calls != NULL || done == NULL)
		return;
	t->done = NULL;
	done(t->done_arg);
}

/* End every call with BYE (or CANCEL, or an answer); done() when gone. */
void
call_table_shutdown(struct call_table *t, void (*done)(void *), void *arg)
{
	struct call *c;

	t->stopping = true;
	t->done = done;
	t->done_arg = arg;
	for (c = t->calls; c != NULL; c = c->next)
		call_hangup(c, 503);
	t->stop_check = event_new(t->base, -1, 0, call_stop_check_cb, t);
	event_active(t->stop_check, EV_TIMEOUT, 0);
}

/* Copy the counters. */
void
call_table_stats(const struct call_table *t, struct call_stats *st)
{
	*st = t->stats;
}

/* SIPListen's port as bound (UDP). */
int
call_table_local_port(const struct call_table *t)
{
	return sipua_tp_bound_port(t->tp, SIPUA_UDP, SIPUA_LOCAL);
}

/* OnionListen's port as bound, or -1. */
int
call_table_onion_port(const struct call_table *t)
{
	return sipua_tp_bound_port(t->tp, SIPUA_TCP, SIPUA_NET);
}

/* sip:<User>@<onion>.onion */
const char *
call_table_address(struct call_table *t)
{
	const char *onion = tor_onion_address();

	if (onion == NULL || onion[0] == '\0')
		return "";
	snprintf(t->address, sizeof(t->address), "sip:%s@%s.onion",
	    t->set->user, onion);
	return t->address;
}
