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

/* Milliseconds since the call's INVITE arrived. */
long
call_ms(const struct call *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - c->t0.tv_sec) * 1000 +
	    (now.tv_nsec - c->t0.tv_nsec) / 1000000;
}

/* "connecting", ... for logs. */
static const char *
call_state_str(enum call_state s)
{
	static const char *names[] = { "connecting", "inviting", "early",
		"answered", "confirmed", "ending", "dead" };

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* Change state, logged as old -> new. */
static void
call_set_state(struct call *c, enum call_state s)
{
	if (c->state == s)
		return;
	log_debug("call %llx: %s -> %s (%ld ms)", (unsigned long long)c->id,
	    call_state_str(c->state), call_state_str(s), call_ms(c));
	c->state = s;
}

/* Copy a span into a fixed buffer; -1 if it does not fit. */
int
call_copy(char *dst, size_t dstsz, struct span s)
{
	if (s.len >= dstsz)
		return -1;
	memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
	return 0;
}

/* A fresh random token for Call-IDs, tags and branches. */
void
call_token(char *dst, size_t len, const char *prefix)
{
	char tok[33];

	csprng_token(tok, sizeof(tok) - 1);
	snprintf(dst, len, "%s%s", prefix, tok);
}

/* Whether s is a safe URI user part (unreserved and a few marks). */
bool
call_user_ok(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len > 64)
		return false;
	for (i = 0; i < s.len; i++)
		if (!isalnum((unsigned char)s.p[i]) &&
		    strchr("-_.!~*'()+%", s.p[i]) == NULL)
			return false;
	return true;
}

/* Whether s is "<56 base32>.onion" (lower case); copies it to dst. */
bool
call_onion_host(struct span s, char *dst, size_t dstsz)
{
	size_t i;

	if (s.len != TOR_ONION_LEN + 6 || dstsz <= s.len ||
	    strncasecmp(s.p + TOR_ONION_LEN, ".onion", 6) != 0)
		return false;
	for (i = 0; i < TOR_ONION_LEN; i++) {
		char ch = (char)tolower((unsigned char)s.p[i]);

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '2' && ch <= '7')))
			return false;
		dst[i] = ch;
	}
	memcpy(dst + TOR_ONION_LEN, ".onion", 7);
	return true;
}

/* Free one pending request. */
static void
call_pending_clear(struct call_pending *p)
{
	size_t i;

	for (i = 0; i < p->nvias; i++)
		free(p->vias[i]);
	sipmsg_free(p->req);
	memset(p, 0, sizeof(*p));
}

/* Remember a request received on leg (takes m); NULL if full. */
struct call_pending *
call_pending_add(struct call_leg *leg, struct sipmsg *m)
{
	struct call_pending *p = NULL;
	size_t i;

	for (i = 0; i < CALL_MAX_PENDING; i++)
		if (!leg->pend[i].used) {
			p = &leg->pend[i];
			break;
		}
	if (p == NULL)
		return NULL;
	p->used = true;
	p->method = m->method;
	p->in_cseq = m->cseq;
	for (i = 0; i < m->nvia && i < SIPMSG_MAX_VIAS; i++) {
		p->vias[i] = xmalloc(m->via[i].value.len + 1);
		memcpy(p->vias[i], m->via[i].value.p, m->via[i].value.len);
		p->vias[i][m->via[i].value.len] = '\0';
	}
	p->nvias = i;
	p->req = m;
	return p;
}

/* Whether leg can track one more relayed request. */
static bool
call_pending_room(const struct call_leg *leg)
{
	size_t i;

	for (i = 0; i < CALL_MAX_PENDING; i++)
		if (!leg->pend[i].used)
			return true;
	return false;
}

/*
 * True while an offer/answer exchange is open anywhere in the call: an
 * INVITE not yet answered finally, or an UPDATE with SDP not answered.
 * A second offer then meets 491 (RFC 3261 14.2, RFC 3311 5.2): both
 * legs share one exchange through us.
 */
static bool
call_offer_pending(const struct call *c)
{
	const struct call_leg *legs[2] = { &c->a, &c->b };
	const struct call_pending *p;
	size_t i, l;

	for (l = 0; l < 2; l++)
		for (i = 0; i < CALL_MAX_PENDING; i++) {
			p = &legs[l]->pend[i];
			if (!p->used || p->final_sent)
				continue;
			if (p->method == SIPMSG_INVITE ||
			    (p->method == SIPMSG_UPDATE && p->req != NULL &&
				p->req->body.len > 0))
				return true;
		}
	return false;
}

/* True if request m opens an offer/answer exchange. */
static bool
call_is_offer(const struct sipmsg *m)
{
	return m->method == SIPMSG_INVITE ||
	    (m->method == SIPMSG_UPDATE && m->body.len > 0);
}

/* The pending request of leg whose relayed copy had this CSeq/method. */
static struct call_pending *
call_pending_out(struct call_leg *leg, uint32_t cseq, enum sipmsg_method method)
{
	size_t i;

	for (i = 0; i < CALL_MAX_PENDING; i++)
		if (leg->pend[i].used && leg->pend[i].out_cseq == cseq &&
		    leg->pend[i].method == method)
			return &leg->pend[i];
	return NULL;
}

/* The pending request of leg received with this CSeq/method. */
static struct call_pending *
call_pending_in(struct call_leg *leg, uint32_t cseq, enum sipmsg_method method)
{
	size_t i;

	for (i = 0; i < CALL_MAX_PENDING; i++)
		if (leg->pend[i].used && leg->pend[i].in_cseq == cseq &&
		    leg->pend[i].method == method)
			return &leg->pend[i];
	return NULL;
}

/* Stop one client transaction. */
static void
call_ctx_clear(struct call_ctx *x)
{
	if (x->ev != NULL)
		event_free(x->ev);
	free(x->bytes);
	memset(x, 0, sizeof(*x));
}

/* Free everything a leg holds. */
void
call_leg_clear(struct call_leg *leg)
{
	size_t i;

	for (i = 0; i < CALL_MAX_PENDING; i++) {
		if (leg->pend[i].used)
			call_pending_clear(&leg->pend[i]);
		if (leg->ctx[i].used)
			call_ctx_clear(&leg->ctx[i]);
	}
	if (leg->resp_ev != NULL)
		event_free(leg->resp_ev);
	leg->resp_ev = NULL;
	buf_free(&leg->resp);
	buf_free(&leg->ack);
}

/* The other leg of a call. */
static struct call_leg *
call_other(struct call *c, struct call_leg *leg)
{
	return leg == &c->a ? &c->b : &c->a;
}

/* Send bytes on a leg. */
static int
call_send(struct call *c, struct call_leg *leg, const struct buf *b)
{
	if (!leg->peer_ok || b->len == 0)
		return -1;
	if (sipua_tp_send(c->t->tp, &leg->peer, b->data, b->len) != 0) {
		log_ratelim_warnx(&call_rl,
		    "call %llx: sending on the %s leg "
		    "failed",
		    (unsigned long long)c->id,
		    leg->side == SIPUA_NET ? "network" : "local");
		return -1;
	}
	return 0;
}

/* The tag of the peer's a=crypto (digits before the suite), or "1". */
static const char *
call_crypto_tag(const struct call *c)
{
	const char *k = c->peer_info.media[0].crypto;

	if (!c->have_peer_info || c->peer_info.nmedia == 0 ||
	    strspn(k, "0123456789") == 0 || strspn(k, "0123456789") > 9)
		return "1";
	return k;
}

/* The length of call_crypto_tag()'s tag. */
static int
call_crypto_tag_len(const struct call *c)
{
	return (int)strspn(call_crypto_tag(c), "0123456789");
}

/* The sipsan view of a leg for one message. */
static void
call_sanleg(struct call *c, struct call_leg *leg, struct sipsan_leg *sl,
    struct sdprw_target *tgt, const char **allowed, size_t *nallowed)
{
	struct call_table *t = c->t;
	uint16_t rtp = 0, rtcp = 0;
	static char crypto[MEDIA_CRYPTO_MAX + 8];

	memset(sl, 0, sizeof(*sl));
	memset(tgt, 0, sizeof(*tgt));
	sl->local_uri = leg->local_uri;
	sl->local_tag = leg->local_tag;
	sl->contact_uri = leg->contact;
	sl->remote_uri = leg->remote_uri;
	sl->remote_tag = leg->remote_tag[0] ? leg->remote_tag : NULL;
	sl->request_uri = leg->target[0] ? leg->target : NULL;
	sl->call_id = leg->call_id;
	sl->via_transport = leg->peer.proto == SIPUA_TCP ? "TCP" : "UDP";
	sl->via_host = leg->via_host;
	sl->via_port = leg->via_port;
	sl->sdp_policy = &t->policy;
	sl->sdp_session = &leg->sdp;
	tgt->media[0].ptmap = &c->ptmap;
	tgt->to_network = leg->side == SIPUA_NET;
	*nallowed = 0;
	if (leg->side == SIPUA_NET) {
		sl->lc = t->cfg.lc;
		if (c->relay[0] != '\0') {
			tgt->addr = c->relay;
			tgt->media[0].port = c->relay_port;
			tgt->media[0].proto = "RTP/SAVP";
			/* A TURN allocation is one port: RTCP shares it. */
			tgt->media[0].rtcp_mux = true;
			/* An answer uses the tag of the offer's key (RFC
			 * 4568 section 5.1.2); our own offers use tag 1. */
			snprintf(crypto, sizeof(crypto), "%.*s %s",
			    call_crypto_tag_len(c), call_crypto_tag(c),
			    media_crypto(c->media));
			tgt->media[0].crypto = crypto;
			sl->sdp_target = tgt;
			allowed[(*nallowed)++] = c->relay;
		}
		sl->allowed = allowed;
		sl->nallowed = *nallowed;
	} else if (c->media != NULL) {
		media_local_ports(c->media, &rtp, &rtcp);
		tgt->addr = "127.0.0.1";
		tgt->media[0].port = rtp;
		sl->sdp_target = tgt;
	}
}

/* Log a sanitizer refusal. */
static void
call_log_refusal(struct call *c, const struct sipsan_result *res)
{
	if (res->verdict == SIPSAN_LEAK) {
		c->t->stats.leaks_blocked++;
		log_ratelim_warnx(&call_rl,
		    "call %llx: leak check refused a message (%s): not sent",
		    (unsigned long long)c->id,
		    leakcheck_verdict_str(res->leak));
	} else {
		c->t->stats.refused_sanitize++;
		log_ratelim_warnx(&call_rl, "call %llx: sanitizer: %s (%s)",
		    (unsigned long long)c->id, sipsan_verdict_str(res->verdict),
		    res->reason ? res->reason : "");
	}
}

/*
 * Write m anew for leg: a request with CSeq cseq and branch, or a response
 * to the pending request p. The result is in t->out.
 */
static enum sipsan_verdict
call_rewrite(struct call *c, const struct sipmsg *m, struct call_leg *leg,
    uint32_t cseq, const char *branch, const struct call_pending *p,
    struct sdprw_info *info, struct sipsan_result *res)
{
	struct sipsan_leg sl;
	struct sdprw_target tgt;
	const char *allowed[2];
	size_t nallowed;
	enum sipsan_verdict v;

	call_sanleg(c, leg, &sl, &tgt, allowed, &nallowed);
	sl.sdp_info = info;
	if (m->is_request) {
		sl.cseq = cseq;
		sl.branch = branch;
	} else {
		sl.cseq = p->in_cseq;
		sl.vias = (const char *const *)p->vias;
		sl.nvias = p->nvias;
	}
	v = sipsan_rewrite(m,
	    leg->side == SIPUA_NET ? SIPSAN_TO_NETWORK : SIPSAN_TO_SOFTPHONE,
	    &sl, &c->t->out, res);
	if (v != SIPSAN_OK)
		call_log_refusal(c, res);
	return v;
}

/* Parse a request of our own making (for sipsan to write it anew). */
static struct sipmsg *
call_synth(enum sipmsg_method method, uint32_t cseq, int cause)
{
	struct sipmsg_error err;
	char buf[512], reason[48] = "";
	const char *name = sipmsg_method_str(method);
	int n;

	/* Why onionsip ends a call (RFC 3326), e.g. 480 when the peer's
	 * stream through Tor is gone. */
	if (cause > 0)
		snprintf(
		    reason, sizeof(reason), "Reason: SIP;cause=%d\r\n", cause);
	n = snprintf(buf, sizeof(buf),
	    "%s sip:x@invalid SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP invalid;branch=z9hG4bKsynth\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:x@invalid>;tag=x\r\n"
	    "To: <sip:x@invalid>\r\n"
	    "Call-ID: synth\r\n"
	    "CSeq: %u %s\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n",
	    name, cseq, name, reason);
	return sipmsg_parse(buf, (size_t)n, &err);
}

/* Timer E/A: retransmit a request on a UDP leg, or give up. */
static void
call_ctx_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct call_ctx *x = arg;
	struct call *c = x->c;
	struct timeval tv;

	x->elapsed += x->interval;
	if (x->elapsed >= CALL_TIMER_B_MS) {
		bool invite = x->method == SIPMSG_INVITE;

		call_ctx_clear(x);
		if (invite && c->state < CALL_ANSWERED)
			call_hangup(c, 408);
		else if (c->state == CALL_ENDING)
			call_end(c);
		return;
	}
	sipua_tp_send(c->t->tp, &x->leg->peer, x->bytes, x->len);
	if (x->method == SIPMSG_INVITE)
		x->interval *= 2;
	else if ((x->interval *= 2) > CALL_T2_MS || x->provisional)
		x->interval = CALL_T2_MS;
	tv.tv_sec = x->interval / 1000;
	tv.tv_usec = (x->interval % 1000) * 1000;
	evtimer_add(x->ev, &tv);
}

/* Send t->out as a new request on leg, retransmitted on UDP. */
static int
call_send_request(struct call *c, struct call_leg *leg,
    enum sipmsg_method method, uint32_t cseq)
{
	struct call_ctx *x = NULL;
	struct timeval tv = { 0, CALL_T1_MS * 1000 };
	size_t i;

	if (call_send(c, leg, &c->t->out) != 0)
		return -1;
	if (leg->peer.proto != SIPUA_UDP || method == SIPMSG_ACK)
		return 0;
	for (i = 0; i < CALL_MAX_PENDING; i++)
		if (!leg->ctx[i].used) {
			x = &leg->ctx[i];
			break;
		}
	if (x == NULL)
		return 0;
	x->used = true;
	x->c = c;
	x->leg = leg;
	x->method = method;
	x->cseq = cseq;
	x->bytes = xmalloc(c->t->out.len);
	memcpy(x->bytes, c->t->out.data, c->t->out.len);
	x->len = c->t->out.len;
	x->interval = CALL_T1_MS;
	x->ev = evtimer_new(c->t->base, call_ctx_cb, x);
	evtimer_add(x->ev, &tv);
	return 0;
}

/* A response arrived on leg: stop or slow its retransmissions. */
static void
call_ctx_answered(struct call_leg *leg, const struct sipmsg *m)
{
	size_t i;

	for (i = 0; i < CALL_MAX_PENDING; i++) {
		struct call_ctx *x = &leg->ctx[i];

		if (!x->used || x->cseq != m->cseq || x->method != m->method)
			continue;
		if (m->scode >= 200 || x->method == SIPMSG_INVITE)
			call_ctx_clear(x);
		else
			x->provisional = true;
	}
}

/* Write and send a request of our own (ACK, BYE, CANCEL) on leg. */
static int
call_own_request(struct call *c, struct call_leg *leg,
    enum sipmsg_method method, uint32_t cseq, const char *branch, int cause)
{
	struct sipsan_result res;
	struct sipmsg *m;
	char br[CALL_MAX_ID];
	int rc = -1;

	if (!leg->peer_ok)
		return -1;
	if (branch == NULL) {
		call_token(br, sizeof(br), "z9hG4bK");
		branch = br;
	}
	if ((m = call_synth(method, cseq, cause)) == NULL)
		return -1;
	if (call_rewrite(c, m, leg, cseq, branch, NULL, NULL, &res) ==
	    SIPSAN_OK) {
		rc = call_send_request(c, leg, method, cseq);
		if (method == SIPMSG_ACK) {
			buf_reset(&leg->ack);
			buf_add(&leg->ack, c->t->out.data, c->t->out.len);
			leg->ack_cseq = cseq;
		}
	}
	sipmsg_free(m);
	return rc;
}

/* Timer G/H: retransmit our final answer to an INVITE until the ACK. */
static void
call_resp_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct call_leg *leg = arg;
	struct call *c = leg->c;
	struct timeval tv;

	leg->resp_elapsed += leg->resp_interval;
	if (leg->resp_elapsed >= CALL_TIMER_B_MS) {
		/* No ACK came (timer H): the softphone is gone. */
		if (c->state != CALL_CONFIRMED)
			call_hangup(c, 0);
		return;
	}
	if (leg->resp.len > 0 && leg->peer_ok)
		sipua_tp_send(
		    c->t->tp, &leg->peer, leg->resp.data, leg->resp.len);
	if ((leg->resp_interval *= 2) > CALL_T2_MS)
		leg->resp_interval = CALL_T2_MS;
	tv.tv_sec = leg->resp_interval / 1000;
	tv.tv_usec = (leg->resp_interval % 1000) * 1000;
	evtimer_add(leg->resp_ev, &tv);
}

/* Stop retransmitting our answer (the ACK came). */
static void
call_resp_acked(struct call_leg *leg)
{
	if (leg->resp_ev != NULL)
		evtimer_del(leg->resp_ev);
}

/*
 * Send t->out as an answer on leg and keep it for retransmitted requests;
 * on UDP a final answer to INVITE is repeated until the ACK.
 */
static void
call_send_response(struct call *c, struct call_leg *leg, uint32_t cseq,
    enum sipmsg_method method, int scode)
{
	struct timeval tv = { 0, CALL_T1_MS * 1000 };

	call_send(c, leg, &c->t->out);
	buf_reset(&leg->resp);
	buf_add(&leg->resp, c->t->out.data, c->t->out.len);
	leg->resp_cseq = cseq;
	leg->resp_method = method;
	if (method != SIPMSG_INVITE || scode < 200 ||
	    leg->peer.proto != SIPUA_UDP)
		return;
	if (leg->resp_ev == NULL)
		leg->resp_ev = evtimer_new(c->t->base, call_resp_cb, leg);
	leg->resp_interval = CALL_T1_MS;
	leg->resp_elapsed = 0;
	evtimer_add(leg->resp_ev, &tv);
}

/* onionsip's own answer to a pending request on leg (487, 408, ...). */
void
call_answer_pending(
    struct call *c, struct call_leg *leg, struct call_pending *p, int scode)
{
	const char *why;

	if (p->final_sent || p->req == NULL)
		return;
	if (sipsan_answer(p->req, scode, leg->local_tag, NULL,
		leg->side == SIPUA_NET ? c->t->cfg.lc : NULL, NULL, 0,
		&c->t->out, &why) != 0) {
		log_ratelim_warnx(&call_rl, "call %llx: cannot answer %d: %s",
		    (unsigned long long)c->id, scode, why);
		return;
	}
	if (scode >= 200)
		p->final_sent = true;
	call_send_response(c, leg, p->in_cseq, p->method, scode);
}

/* Streams carrying this call are exempt from the idle rule while it lasts. */
void
call_keep_streams(struct call *c, bool keep)
{
	if (c->a.peer_ok && c->a.peer.proto == SIPUA_TCP)
		sipua_tp_keep(c->t->tp, c->a.peer.conn, keep);
	if (c->b.peer_ok && c->b.peer.proto == SIPUA_TCP)
		sipua_tp_keep(c->t->tp, c->b.peer.conn, keep);
}

/* Free a call on the next loop turn (never inside its own callbacks). */
static void
call_reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct call *c = arg;
	struct call_table *t = c->t;
	struct call **pp;

	for (pp = &t->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->sc != NULL)
		socks5_conn_cancel(c->sc);
	if (c->media != NULL) {
		struct media_stats ms;

		media_get_stats(c->media, &ms);
		log_info("call %llx: media: softphone->peer rtp %llu/%llu, "
			 "peer->softphone rtp %llu/%llu, dropped foreign %llu "
			 "garbage %llu payload-type %llu srtp %llu queue %llu "
			 "delay %llu; "
			 "rtcp to peer %llu, from peer %llu, rtt %u ms "
			 "(%llu samples)",
		    (unsigned long long)c->id,
		    (unsigned long long)ms.rtp_from_softphone,
		    (unsigned long long)ms.rtp_to_peer,
		    (unsigned long long)ms.rtp_from_peer,
		    (unsigned long long)ms.rtp_to_softphone,
		    (unsigned long long)ms.drop_foreign,
		    (unsigned long long)ms.drop_garbage,
		    (unsigned long long)ms.drop_pt,
		    (unsigned long long)ms.drop_srtp,
		    (unsigned long long)ms.drop_queue,
		    (unsigned long long)ms.drop_delay,
		    (unsigned long long)ms.rtcp_to_peer,
		    (unsigned long long)ms.rtcp_from_peer, ms.rtt_ms,
		    (unsigned long long)ms.rtt_samples);
	}
	media_free(c->media);
	call_keep_streams(c, false);
	if (c->net->peer_ok)
		sipua_tp_close(t->tp, c->net->peer.conn);
	call_leg_clear(&c->a);
	call_leg_clear(&c->b);
	sipmsg_free(c->held_2xx);
	if (c->timer != NULL)
		event_free(c->timer);
	event_free(c->reaper);
	free(c);
	t->stats.active--;
	if (t->stopping && t->calls == NULL && t->done != NULL) {
		void (*done)(void *) = t->done;

		t->done = NULL;
		done(t->done_arg);
	}
}

/* The call is over: free it soon. */
void
call_end(struct call *c)
{
	if (c->state == CALL_DEAD)
		return;
	if (c->ringing) {
		c->ringing = false;
		c->t->stats.ringing--;
	}
	log_info("call %llx: ended", (unsigned long long)c->id);
	call_set_state(c, CALL_DEAD);
	event_active(c->reaper, EV_TIMEOUT, 0);
}

/* The ending call waited long enough for the last answers. */
static void
call_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct call *c = arg;

	if (c->state == CALL_ENDING)
		call_end(c);
	else if (c->state < CALL_ANSWERED)
		call_hangup(c, 480); /* nobody answered in time */
}

/* (Re)arm the call's timer. */
void
call_timer(struct call *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

/* Whether a leg has a dialog with its peer (a tag and an answer). */
static bool
call_leg_confirmed(const struct call *c, const struct call_leg *leg)
{
	return c->state >= CALL_ANSWERED && leg->remote_tag[0] != '\0';
}

/*
 * End a leg: an unanswered INVITE we received is answered with scode, a
 * dialog gets a BYE (with Reason: SIP;cause=<cause> when cause > 0), an
 * INVITE we sent and that rings is CANCELled.
 */
static void
call_end_leg(struct call *c, struct call_leg *leg, int scode, int cause)
{
	struct call_leg *other = call_other(c, leg);
	size_t i;

	/* Requests we received on this leg and never answered. */
	for (i = 0; i < CALL_MAX_PENDING; i++) {
		struct call_pending *p = &leg->pend[i];

		if (p->used && !p->final_sent && p->method != SIPMSG_ACK)
			call_answer_pending(c, leg, p, scode ? scode : 487);
	}
	if (leg == &c->a && c->a.pend[0].used && !c->a.pend[0].final_2xx &&
	    c->state < CALL_ANSWERED)
		return; /* the caller's INVITE failed: nothing else to do */
	if (call_leg_confirmed(c, leg)) {
		call_own_request(c, leg, SIPMSG_BYE, ++leg->cseq, NULL, cause);
		return;
	}
	/* Our INVITE on leg b, still ringing: CANCEL it. */
	if (leg == &c->b && c->state >= CALL_INVITING) {
		struct call_pending *p = NULL;

		for (i = 0; i < CALL_MAX_PENDING; i++)
			if (other->pend[i].used &&
			    other->pend[i].method == SIPMSG_INVITE)
				p = &other->pend[i];
		if (p != NULL)
			call_own_request(c, leg, SIPMSG_CANCEL, p->out_cseq,
			    p->out_branch, 0);
	}
}

/* Hang up both legs; scode answers an unanswered caller (0: 487). */
void
call_hangup(struct call *c, int scode)
{
	if (c->state == CALL_ENDING || c->state == CALL_DEAD)
		return;
	if (c->sc != NULL) {
		socks5_conn_cancel(c->sc);
		c->sc = NULL;
	}
	/* Both BYEs say why when onionsip itself ends the call. */
	call_end_leg(c, &c->a, scode, scode);
	call_end_leg(c, &c->b, 0, scode);
	call_set_state(c, CALL_ENDING);
	call_timer(c, CALL_BYE_WAIT_MS);
}

/* Apply what both SDPs said to the media path. */
static void
call_media_peer(struct call *c)
{
	const struct sdprw_media *pm;
	const char *why = NULL;

	if (c->media == NULL || !c->have_peer_info || !media_ready(c->media) ||
	    c->peer_info.nmedia == 0)
		return;
	pm = &c->peer_info.media[0];
	if (pm->port == 0 || pm->addr[0] == '\0' ||
	    strcmp(pm->addr, "0.0.0.0") == 0)
		return;
	/* A re-INVITE that moves nothing (hold, resume) keeps the path. */
	if (strcmp(pm->addr, c->peer_applied.addr) == 0 &&
	    pm->port == c->peer_applied.port &&
	    pm->rtcp_port == c->peer_applied.rtcp_port &&
	    pm->rtcp_mux == c->peer_applied.rtcp_mux &&
	    strcmp(pm->crypto, c->peer_applied.crypto) == 0)
		return;
	c->peer_applied = *pm;
	if (media_set_peer(c->media, pm->addr, pm->port,
		pm->rtcp_mux ? 0 : pm->rtcp_port,
		pm->crypto[0] ? pm->crypto : NULL, c->t->set->allow_plain_rtp,
		&why) != 0) {
		log_ratelim_warnx(&call_rl, "call %llx: peer media refused: %s",
		    (unsigned long long)c->id, why ? why : "?");
		call_hangup(c, 488);
	}
}

/* What the softphone's SDP said: where its media is, and hold. */
static void
call_media_softphone(struct call *c, const struct sdprw_info *info)
{
	const struct sdprw_media *sm;
	const char *addr;
	static const enum media_dir dirs[] = { MEDIA_DIR_SENDRECV,
		MEDIA_DIR_SENDONLY, MEDIA_DIR_RECVONLY, MEDIA_DIR_INACTIVE };

	if (c->media == NULL || info->nmedia == 0)
		return;
	sm = &info->media[0];
	if (sm->port == 0)
		return;
	/* The softphone is on this machine and we are on 127.0.0.1: its
	 * packets to us come from 127.0.0.1 even when its SDP names the LAN
	 * address (linphonec does), so only a loopback c= is taken as is. */
	addr = strncmp(sm->addr, "127.", 4) == 0 || strcmp(sm->addr, "::1") == 0
	    ? sm->addr
	    : "127.0.0.1";
	if (c->sp_applied.port != sm->port ||
	    c->sp_applied.rtcp_port != sm->rtcp_port ||
	    c->sp_applied.rtcp_mux != sm->rtcp_mux ||
	    strcmp(c->sp_applied.addr, addr) != 0) {
		c->sp_applied = *sm;
		snprintf(
		    c->sp_applied.addr, sizeof(c->sp_applied.addr), "%s", addr);
		if (media_set_softphone(c->media, addr, sm->port,
			sm->rtcp_mux ? 0 : sm->rtcp_port) != 0)
			log_ratelim_warnx(&call_rl,
			    "call %llx: softphone media refused",
			    (unsigned long long)c->id);
	}
	if ((size_t)sm->dir < sizeof(dirs) / sizeof(dirs[0]))
		media_set_direction(c->media, dirs[sm->dir]);
}

/* Keep what a message's SDP said, by the side it came from. */
static void
call_media_info(
    struct call *c, struct call_leg *from, const struct sdprw_info *info)
{
	if (info->nmedia == 0)
		return;
	if (c->media != NULL)
		media_set_ptmap(c->media, c->ptmap.to_net, c->ptmap.to_sp);
	if (from->side == SIPUA_NET) {
		c->peer_info = *info;
		c->have_peer_info = true;
		call_media_peer(c);
	} else
		call_media_softphone(c, info);
}

/* Relay a 2xx the softphone sent to the network's INVITE. */
static void call_relay_response(
    struct call *c, struct call_leg *from, const struct sipmsg *m);

/* The TURN relay is known, or failed. */
void
call_media_cb(
    struct media *md, enum media_event ev, const char *reason, void *arg)
{
	struct call *c = arg;
	struct sipmsg *held;

	if (c->state == CALL_DEAD || c->state == CALL_ENDING)
		return;
	if (ev == MEDIA_EV_ERROR) {
		log_ratelim_warnx(&call_rl, "call %llx: media: %s",
		    (unsigned long long)c->id, reason ? reason : "failed");
		call_hangup(c, 503);
		return;
	}
	log_debug("call %llx: relay ready (%ld ms)", (unsigned long long)c->id,
	    call_ms(c));
	if (media_relay(md, c->relay, sizeof(c->relay), &c->relay_port) != 0) {
		call_hangup(c, 503);
		return;
	}
	call_media_peer(c);
	if (c->state == CALL_CONNECTING)
		call_send_invite(c);
	if ((held = c->held_2xx) != NULL) {
		c->held_2xx = NULL;
		call_relay_response(c, c->local, held);
		sipmsg_free(held);
	}
}

/* The SOCKS stream to the peer's onion is up, or failed. */
void
call_socks_cb(int fd, enum socks5_reason reason, void *arg)
{
	struct call *c = arg;
	uint64_t conn;

	c->sc = NULL;
	if (fd < 0) {
		log_info("call %llx: tor: %s", (unsigned long long)c->id,
		    socks5_reason_str(reason));
		call_hangup(c, socks5_reason_sip_status(reason));
		return;
	}
	if ((conn = sipua_tp_adopt(c->t->tp, fd, SIPUA_NET)) == 0) {
		call_hangup(c, 503);
		return;
	}
	log_debug("call %llx: stream to the peer's onion up (%ld ms)",
	    (unsigned long long)c->id, call_ms(c));
	c->net->peer.side = SIPUA_NET;
	c->net->peer.proto = SIPUA_TCP;
	c->net->peer.conn = conn;
	c->net->peer_ok = true;
	call_keep_streams(c, true);
	c->net_up = true;
	call_send_invite(c);
}

/*
 * Place the caller's INVITE on leg b once everything it needs is there:
 * the stream (outgoing) and the relay address for the SDP (outgoing; the
 * softphone's side needs only its local ports).
 */
void
call_send_invite(struct call *c)
{
	struct call_pending *p = &c->a.pend[0];
	struct sipsan_result res;
	struct sdprw_info info;

	if (c->state != CALL_CONNECTING || !p->used)
		return;
	if (c->outgoing && (!c->net_up || !media_ready(c->media)))
		return;
	p->out_cseq = ++c->b.cseq;
	call_token(p->out_branch, sizeof(p->out_branch), "z9hG4bK");
	memset(&info, 0, sizeof(info));
	if (call_rewrite(c, p->req, &c->b, p->out_cseq, p->out_branch, NULL,
		&info, &res) != SIPSAN_OK) {
		call_hangup(c, res.scode >= 400 ? res.scode : 500);
		return;
	}
	if (call_send_request(c, &c->b, SIPMSG_INVITE, p->out_cseq) != 0) {
		call_hangup(c, 503);
		return;
	}
	call_media_info(c, &c->a, &info);
	call_set_state(c, CALL_INVITING);
	call_timer(c, CALL_RING_MS);
}

/* Take the peer's tag and Contact from a response that carries them. */
static void
call_learn_dialog(struct call_leg *leg, const struct sipmsg *m)
{
	if (m->to.tag.len > 0 && leg->remote_tag[0] == '\0')
		(void)call_copy(
		    leg->remote_tag, sizeof(leg->remote_tag), m->to.tag);
	if (leg->side == SIPUA_LOCAL && m->ncontact > 0 &&
	    m->contact.uri.raw.len > 0)
		(void)call_copy(
		    leg->target, sizeof(leg->target), m->contact.uri.raw);
}

/* Relay a response from leg from to the pending request it answers. */
static void
call_relay_response(
    struct call *c, struct call_leg *from, const struct sipmsg *m)
{
	struct call_leg *to = call_other(c, from);
	struct call_pending *p = call_pending_out(to, m->cseq, m->method);
	struct sipsan_result res;
	struct sdprw_info info;

	if (p == NULL || p->final_sent)
		return;
	/* Toward the network an SDP needs our relay address first. */
	if (to->side == SIPUA_NET && m->body.len > 0 && c->relay[0] == '\0') {
		if (c->held_2xx == NULL && m->scode >= 200) {
			struct sipmsg_error err;

			c->held_2xx = sipmsg_parse(m->raw_, m->raw_len_, &err);
		}
		return;
	}
	memset(&info, 0, sizeof(info));
	if (call_rewrite(c, m, to, 0, NULL, p, &info, &res) != SIPSAN_OK) {
		if (m->scode >= 200) {
			call_answer_pending(c, to, p, 500);
			call_hangup(c, 500);
		}
		return;
	}
	if (m->scode >= 200) {
		p->final_sent = true;
		p->final_2xx = m->scode < 300;
	}
	call_send_response(c, to, p->in_cseq, p->method, m->scode);
	call_media_info(c, from, &info);
	if (p->method != SIPMSG_INVITE && m->scode >= 200)
		call_pending_clear(p);
}

/* A response on leg from: to our INVITE, BYE, CANCEL, or relayed ones. */
void
call_response(struct call *c, struct call_leg *from, struct sipmsg *m)
{
	struct call_leg *to = call_other(c, from);
	struct call_pending *p;

	call_ctx_answered(from, m);
	if (m->method == SIPMSG_INVITE && m->scode >= 200 &&
	    from->ack.len > 0 && m->cseq == from->ack_cseq) {
		/* A retransmitted 2xx: our ACK was lost. */
		call_send(c, from, &from->ack);
		return;
	}
	if (c->state == CALL_ENDING) {
		if (m->method == SIPMSG_INVITE && m->scode >= 300)
			call_own_request(c, from, SIPMSG_ACK, m->cseq, NULL, 0);
		if (m->method == SIPMSG_BYE && m->scode >= 200 &&
		    !call_leg_confirmed(c, to))
			call_end(c);
		return;
	}
	if (m->method == SIPMSG_BYE || m->method == SIPMSG_CANCEL) {
		if (call_pending_out(to, m->cseq, m->method) == NULL)
			return;
	}
	if (m->method != SIPMSG_INVITE) {
		call_relay_response(c, from, m);
		return;
	}
	p = call_pending_out(to, m->cseq, SIPMSG_INVITE);
	if (p == NULL || m->scode == 100)
		return;
	call_learn_dialog(from, m);
	if (m->scode < 200) {
		if (c->state == CALL_INVITING)
			call_set_state(c, CALL_EARLY);
		call_relay_response(c, from, m);
		return;
	}
	if (m->scode >= 300) {
		/* RFC 3261 17.1.1.3: the ACK of a failure is ours to send. */
		call_own_request(
		    c, from, SIPMSG_ACK, m->cseq, p->out_branch, 0);
		if (m->scode < 400) {
			/* Redirects would send the softphone elsewhere. */
			call_answer_pending(c, to, p, 480);
		} else
			call_relay_response(c, from, m);
		if (c->state < CALL_ANSWERED) {
			call_set_state(c, CALL_ENDING);
			call_timer(c, CALL_TIMER_B_MS);
		}
		return;
	}
	if (c->state < CALL_ANSWERED) {
		c->t->stats.answered++;
		if (c->ringing) {
			c->ringing = false;
			c->t->stats.ringing--;
		}
		evtimer_del(c->timer);
	}
	call_relay_response(c, from, m);
	if (c->state < CALL_ANSWERED)
		call_set_state(c, CALL_ANSWERED);
}

/*
 * onionsip's own answer scode to request m on leg from (unsup: the tags
 * of a 420). With keep it is also the leg's last answer: repeated for a
 * retransmitted request, and for an INVITE on UDP until the ACK.
 */
static void
call_answer_req(struct call *c, struct call_leg *from, const struct sipmsg *m,
    int scode, const struct sipsan_result *unsup, bool keep)
{
	const char *why;

	if (sipsan_answer(m, scode, from->local_tag, unsup,
		from->side == SIPUA_NET ? c->t->cfg.lc : NULL, NULL, 0,
		&c->t->out, &why) != 0)
		return;
	if (keep)
		call_send_response(c, from, m->cseq, m->method, scode);
	else
		call_send(c, from, &c->t->out);
}

/* A request on leg from within a call. Takes m. */
void
call_request(struct call *c, struct call_leg *from, struct sipmsg *m)
{
	struct call_leg *to = call_other(c, from);
	struct call_pending *p;
	struct sipsan_result res;
	struct sdprw_info info;
	uint32_t cseq;
	char branch[CALL_MAX_ID];

	if (m->method == SIPMSG_ACK) {
		p = call_pending_in(from, m->cseq, SIPMSG_INVITE);
		call_resp_acked(from);
		if (p == NULL)
			goto out;
		if (!p->final_2xx || c->state == CALL_ENDING) {
			/* The ACK of a failure ends at us. */
			call_pending_clear(p);
			if (c->state == CALL_ENDING)
				call_end(c);
			goto out;
		}
		call_token(branch, sizeof(branch), "z9hG4bK");
		/* An INVITE without SDP gets its answer in the ACK. */
		memset(&info, 0, sizeof(info));
		if (call_rewrite(c, m, to, p->out_cseq, branch, NULL, &info,
			&res) == SIPSAN_OK) {
			call_send(c, to, &c->t->out);
			buf_reset(&to->ack);
			buf_add(&to->ack, c->t->out.data, c->t->out.len);
			to->ack_cseq = p->out_cseq;
			call_media_info(c, from, &info);
		}
		call_pending_clear(p);
		if (c->state == CALL_ANSWERED)
			call_set_state(c, CALL_CONFIRMED);
		goto out;
	}
	/* A retransmission (UDP): repeat our answer, or wait for it. */
	if (m->cseq == from->remote_cseq && from->resp.len > 0 &&
	    from->resp_cseq == m->cseq && from->resp_method == m->method) {
		call_send(c, from, &from->resp);
		goto out;
	}
	if (m->cseq <= from->remote_cseq && m->method != SIPMSG_CANCEL) {
		if (m->cseq < from->remote_cseq)
			call_answer_req(c, from, m, 500, NULL, false);
		goto out;
	}
	if (m->method == SIPMSG_CANCEL) {
		p = call_pending_in(from, m->cseq, SIPMSG_INVITE);
		call_answer_req(c, from, m, p != NULL ? 200 : 481, NULL, false);
		if (p != NULL && !p->final_sent) {
			log_info(
			    "call %llx: canceled", (unsigned long long)c->id);
			if (from == &c->a)
				call_hangup(c, 487);
			else {
				/* A re-INVITE canceled: answer it, relay. */
				call_answer_pending(c, from, p, 487);
				call_own_request(c, to, SIPMSG_CANCEL,
				    p->out_cseq, p->out_branch, 0);
			}
		}
		goto out;
	}
	from->remote_cseq = m->cseq;
	if (m->method == SIPMSG_BYE) {
		call_answer_req(c, from, m, 200, NULL, true);
		log_info("call %llx: hung up by the %s side",
		    (unsigned long long)c->id,
		    from->side == SIPUA_NET ? "remote" : "local");
		/* The leg that said BYE needs nothing more. */
		from->remote_tag[0] = '\0';
		call_end_leg(c, to, 0, 0);
		call_set_state(c, CALL_ENDING);
		call_timer(c, CALL_BYE_WAIT_MS);
		if (!call_leg_confirmed(c, to) && to->side == SIPUA_NET)
			call_end(c);
		goto out;
	}
	if (c->state == CALL_ENDING) {
		call_answer_req(c, from, m, 481, NULL, true);
		goto out;
	}
	/* re-INVITE, UPDATE, INFO: relay across as a new request, but
	 * only as many at once as we can track (a peer cannot make us
	 * flood the softphone), and one offer at a time: 491 for an
	 * offer, 500 otherwise. */
	if (!call_pending_room(from) ||
	    (call_is_offer(m) && call_offer_pending(c))) {
		call_answer_req(
		    c, from, m, call_is_offer(m) ? 491 : 500, NULL, true);
		goto out;
	}
	cseq = ++to->cseq;
	call_token(branch, sizeof(branch), "z9hG4bK");
	memset(&info, 0, sizeof(info));
	if (call_rewrite(c, m, to, cseq, branch, NULL, &info, &res) !=
	    SIPSAN_OK) {
		to->cseq--;
		call_answer_req(c, from, m, res.scode >= 400 ? res.scode : 500,
		    res.scode == 420 ? &res : NULL, true);
		goto out;
	}
	if (call_send_request(c, to, m->method, cseq) != 0)
		goto out;
	log_debug("call %llx: %s from the %s side relayed",
	    (unsigned long long)c->id, sipmsg_method_str(m->method),
	    from->side == SIPUA_NET ? "remote" : "local");
	call_media_info(c, from, &info);
	if ((p = call_pending_add(from, m)) == NULL)
		goto out;
	p->out_cseq = cseq;
	snprintf(p->out_branch, sizeof(p->out_branch), "%s", branch);
	return;
out:
	sipmsg_free(m);
}

/* A new call structure with its two legs' fresh identifiers. */
struct call *
call_new(struct call_table *t, bool outgoing)
{
	struct call *c = xcalloc(1, sizeof(*c));

	c->t = t;
	c->id = ++t->next_id;
	c->outgoing = outgoing;
	c->a.c = c;
	c->b.c = c;
	c->a.side = outgoing ? SIPUA_LOCAL : SIPUA_NET;
	c->b.side = outgoing ? SIPUA_NET : SIPUA_LOCAL;
	c->local = outgoing ? &c->a : &c->b;
	c->net = outgoing ? &c->b : &c->a;
	buf_init(&c->a.resp, SIPSAN_MAX_MSG);
	buf_init(&c->b.resp, SIPSAN_MAX_MSG);
	buf_init(&c->a.ack, SIPSAN_MAX_MSG);
	buf_init(&c->b.ack, SIPSAN_MAX_MSG);
	call_token(c->a.local_tag, sizeof(c->a.local_tag), "");
	call_token(c->b.local_tag, sizeof(c->b.local_tag), "");
	call_token(c->b.call_id, sizeof(c->b.call_id), "");
	/* CSeq spaces start at random points (RFC 3261 8.1.1.5: < 2**31). */
	c->b.cseq = csprng_uniform(1U << 20) + 1;
	c->a.cseq = csprng_uniform(1U << 20) + 1;
	c->a.sdp.sess_id = csprng_u64() >> 2;
	c->a.sdp.version = csprng_uniform(1U << 16);
	c->b.sdp.sess_id = csprng_u64() >> 2;
	c->b.sdp.version = csprng_uniform(1U << 16);
	sdprw_ptmap_init(&c->ptmap);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->timer = evtimer_new(t->base, call_timer_cb, c);
	c->reaper = event_new(t->base, -1, 0, call_reap_cb, c);
	c->state = CALL_CONNECTING;
	c->next = t->calls;
	t->calls = c;
	t->stats.active++;
	return c;
}

/* The local leg's own addresses: Contact and Via on 127.0.0.1. */
void
call_local_leg_addr(struct call_table *t, struct call_leg *leg)
{
	snprintf(leg->contact, sizeof(leg->contact),
	    "sip:onionsip@127.0.0.1:%u%s", t->cfg.local_port,
	    leg->peer.proto == SIPUA_TCP ? ";transport=tcp" : "");
	snprintf(leg->via_host, sizeof(leg->via_host), "127.0.0.1");
	leg->via_port = t->cfg.local_port;
}

/* The network leg's own addresses: our onion, nothing else. */
void
call_net_leg_addr(struct call_table *t, struct call_leg *leg)
{
	const char *onion = tor_onion_address();
	const char *user = t->set->user;

	snprintf(leg->local_uri, sizeof(leg->local_uri), "sip:%s@%s.onion",
	    user, onion ? onion : "invalid");
	snprintf(leg->contact, sizeof(leg->contact),
	    "sip:%s@%s.onion;transport=tcp", user, onion ? onion : "invalid");
	snprintf(leg->via_host, sizeof(leg->via_host), "%s.onion",
	    onion ? onion : "invalid");
	leg->via_port = 0;
}

/* Answer a request outside any call; toward the network leak-checked. */
void
call_answer_alone(struct call_table *t, const struct sipua_peer *from,
    const struct sipmsg *m, int scode, const struct sipsan_result *unsup)
{
	const char *why;
	char tag[40];

	if (m->method == SIPMSG_ACK)
		return;
	call_token(tag, sizeof(tag), "");
	if (sipsan_answer(m, scode, tag, unsup,
		from->side == SIPUA_NET ? t->cfg.lc : NULL, NULL, 0, &t->out,
		&why) != 0) {
		log_ratelim_warnx(&call_rl, "cannot answer %d: %s", scode, why);
		return;
	}
	sipua_tp_send(t->tp, from, t->out.data, t->out.len);
}

/* Insert header lines before Content-Length in t->out. */
void
call_insert_headers(struct call_table *t, const char *lines)
{
	char *cl = strstr(t->out.data, "\r\nContent-Length:");
	struct buf nb;

	if (cl == NULL)
		return;
	cl += 2;
	buf_init(&nb, SIPSAN_MAX_MSG);
	buf_add(&nb, t->out.data, (size_t)(cl - t->out.data));
	buf_addstr(&nb, lines);
	buf_add(&nb, cl, t->out.len - (size_t)(cl - t->out.data));
	if (!nb.overflow) {
		buf_free(&t->out);
		t->out = nb;
	} else
		buf_free(&nb);
}
