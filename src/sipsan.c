/*
 * sipsan: write a new SIP message from a parsed one and what the caller
 * knows about the leg, from a whitelist. See sipsan.h and
 * docs/sanitizer.md.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "siphdr.h"
#include "sipsan.h"

/* Standard reason phrases (RFC 3261 section 21 and later RFCs). */
static const struct {
	int code;
	const char *phrase;
} sipsan_phrases[] = {
	{ 100, "Trying" },
	{ 180, "Ringing" },
	{ 181, "Call Is Being Forwarded" },
	{ 182, "Queued" },
	{ 183, "Session Progress" },
	{ 199, "Early Dialog Terminated" },
	{ 200, "OK" },
	{ 202, "Accepted" },
	{ 204, "No Notification" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 305, "Use Proxy" },
	{ 380, "Alternative Service" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 410, "Gone" },
	{ 412, "Conditional Request Failed" },
	{ 413, "Request Entity Too Large" },
	{ 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Unsupported URI Scheme" },
	{ 417, "Unknown Resource-Priority" },
	{ 420, "Bad Extension" },
	{ 421, "Extension Required" },
	{ 422, "Session Interval Too Small" },
	{ 423, "Interval Too Brief" },
	{ 428, "Use Identity Header" },
	{ 429, "Provide Referrer Identity" },
	{ 433, "Anonymity Disallowed" },
	{ 436, "Bad Identity Info" },
	{ 437, "Unsupported Credential" },
	{ 438, "Invalid Identity Header" },
	{ 439, "First Hop Lacks Outbound Support" },
	{ 440, "Max-Breadth Exceeded" },
	{ 469, "Bad Info Package" },
	{ 470, "Consent Needed" },
	{ 480, "Temporarily Unavailable" },
	{ 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" },
	{ 483, "Too Many Hops" },
	{ 484, "Address Incomplete" },
	{ 485, "Ambiguous" },
	{ 486, "Busy Here" },
	{ 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" },
	{ 489, "Bad Event" },
	{ 491, "Request Pending" },
	{ 493, "Undecipherable" },
	{ 494, "Security Agreement Required" },
	{ 500, "Server Internal Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Server Time-out" },
	{ 505, "Version Not Supported" },
	{ 513, "Message Too Large" },
	{ 555, "Push Notification Service Not Supported" },
	{ 580, "Precondition Failure" },
	{ 600, "Busy Everywhere" },
	{ 603, "Decline" },
	{ 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
	{ 607, "Unwanted" },
	{ 608, "Rejected" },
};

/* Digest parameters carried, in the order they are written. */
static const char *const sipsan_digest_creds[] = { "username", "realm", "nonce",
	"uri", "response", "algorithm", "cnonce", "opaque", "qop", "nc", NULL };
static const char *const sipsan_digest_chal[] = { "realm", "nonce", "opaque",
	"stale", "algorithm", "qop", NULL };

#define SIPSAN_MAX_DIGEST_PARAMS 16

/* The phrase for a status code; unknown codes get their class's. */
const char *
sipsan_reason_phrase(int scode)
{
	size_t i;
	int cls = scode - scode % 100;

	for (i = 0; i < sizeof(sipsan_phrases) / sizeof(sipsan_phrases[0]); i++)
		if (sipsan_phrases[i].code == scode)
			return sipsan_phrases[i].phrase;
	if (cls != scode && cls >= 100 && cls <= 600)
		return sipsan_reason_phrase(cls);
	return "Unknown";
}

/* A verdict for logs. */
const char *
sipsan_verdict_str(enum sipsan_verdict v)
{
	switch (v) {
	case SIPSAN_OK:
		return "ok";
	case SIPSAN_LOCAL:
		return "local";
	case SIPSAN_REFUSED:
		return "refused";
	case SIPSAN_LEAK:
		return "leak";
	case SIPSAN_ERROR:
		return "error";
	}
	return "?";
}

/* Set the result and return its verdict. */
static enum sipsan_verdict
sipsan_set(struct sipsan_result *res, enum sipsan_verdict v, int scode,
    const char *reason)
{
	res->verdict = v;
	res->scode = scode;
	res->reason = reason;
	return v;
}

/* Collect the option tags of Require and Proxy-Require into res. */
static size_t
sipsan_required(const struct sipmsg *m, struct sipsan_result *res)
{
	size_t i, n = 0;

	for (i = 0; i < m->nhdrs; i++) {
		const struct sipmsg_hdr *h = &m->hdrs[i];
		struct span v = h->value;
		const char *p, *e;

		if (h->id != SIPMSG_H_REQUIRE &&
		    h->id != SIPMSG_H_PROXY_REQUIRE)
			continue;
		for (p = v.p, e = v.p + v.len; p <= e;) {
			const char *c = memchr(p, ',', (size_t)(e - p));
			struct span tag;

			if (c == NULL)
				c = e;
			tag =
			    span_trim_lws((struct span){ p, (size_t)(c - p) });
			n++;
			if (siphdr_is_token(tag) &&
			    res->nunsupported < SIPSAN_MAX_UNSUPPORTED)
				res->unsupported[res->nunsupported++] = tag;
			p = c + 1;
		}
	}
	return n;
}

/* Whether requests with this method go through, and if not the answer. */
static enum sipsan_verdict
sipsan_method_policy(const struct sipmsg *m, struct sipsan_result *res)
{
	switch (m->method) {
	case SIPMSG_INVITE:
	case SIPMSG_ACK:
	case SIPMSG_BYE:
	case SIPMSG_CANCEL:
	case SIPMSG_UPDATE:
	case SIPMSG_INFO:
		return SIPSAN_OK;
	case SIPMSG_REGISTER:
	case SIPMSG_OPTIONS:
		return sipsan_set(
		    res, SIPSAN_LOCAL, 200, "answered by onionsip itself");
	case SIPMSG_OTHER:
		return sipsan_set(res, SIPSAN_REFUSED, 501, "unknown method");
	default:
		return sipsan_set(
		    res, SIPSAN_REFUSED, 405, "method not carried by onionsip");
	}
}

/* True if the Content-Type names type (parameters allowed). */
static bool
sipsan_ct_is(struct span ct, const char *type)
{
	struct span t = span_trim_lws(ct);
	size_t n = strlen(type);

	if (!span_has_prefix_nocase(t, type))
		return false;
	t.p += n;
	t.len -= n;
	t = span_trim_lws(t);
	return t.len == 0 || t.p[0] == ';';
}

/* True if the Content-Type names application/sdp (parameters allowed). */
static bool
sipsan_is_sdp(struct span ct)
{
	return sipsan_ct_is(ct, "application/sdp");
}

/* One DTMF event as INFO carries it, from the recognised fields only. */
struct sipsan_dtmf {
	bool relay; /* application/dtmf-relay (else application/dtmf) */
	char signal;
	bool have_duration;
	unsigned long duration;
};

/* Read one DTMF signal (0-9 * # A-D, a-d taken as A-D) from v. */
static bool
sipsan_dtmf_signal(struct span v, char *sig)
{
	char ch;

	v = span_trim_lws(v);
	if (v.len != 1)
		return false;
	ch = v.p[0];
	if (ch >= 'a' && ch <= 'd')
		ch = (char)(ch - 'a' + 'A');
	if (!((ch >= '0' && ch <= '9') || ch == '*' || ch == '#' ||
		(ch >= 'A' && ch <= 'D')))
		return false;
	*sig = ch;
	return true;
}

/*
 * Read an application/dtmf-relay body: "key=value" lines; Signal (once,
 * required) and Duration (once, a number up to SIPSAN_DTMF_MAX_DURATION)
 * are kept, other keys dropped; a line that is not key=value refuses it.
 */
static bool
sipsan_dtmf_relay(struct span body, struct sipsan_dtmf *d)
{
	const char *p = body.p, *e = body.p + body.len;
	bool have_signal = false;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *eq;
		struct span line, key;

		if (nl == NULL)
			nl = e;
		line = span_trim_lws((struct span){ p, (size_t)(nl - p) });
		p = nl + 1;
		if (line.len == 0)
			continue;
		if ((eq = span_chr(line, '=')) == NULL)
			return false;
		key = span_trim_lws(
		    (struct span){ line.p, (size_t)(eq - line.p) });
		line.len -= (size_t)(eq + 1 - line.p);
		line.p = eq + 1;
		if (!siphdr_is_token(key))
			return false;
		if (span_eq_str_nocase(key, "Signal")) {
			if (have_signal ||
			    !sipsan_dtmf_signal(line, &d->signal))
				return false;
			have_signal = true;
		} else if (span_eq_str_nocase(key, "Duration")) {
			if (d->have_duration ||
			    !span_to_u32(span_trim_lws(line),
				SIPSAN_DTMF_MAX_DURATION, &d->duration))
				return false;
			d->have_duration = true;
		}
	}
	return have_signal;
}

/*
 * Read the DTMF of an INFO request: 0 with *d filled, or the answer (415
 * for a body type that is not DTMF, 400 for a DTMF body without a valid
 * signal).
 */
static int
sipsan_info_body(const struct sipmsg *m, struct sipsan_dtmf *d)
{
	memset(d, 0, sizeof(*d));
	if (sipsan_ct_is(m->content_type, "application/dtmf-relay")) {
		d->relay = true;
		return sipsan_dtmf_relay(m->body, d) ? 0 : 400;
	}
	if (sipsan_ct_is(m->content_type, "application/dtmf"))
		return sipsan_dtmf_signal(m->body, &d->signal) ? 0 : 400;
	return 415;
}

/* False if an Accept header is present and no value admits SDP. */
static bool
sipsan_accepts_sdp(const struct sipmsg *m)
{
	const struct sipmsg_hdr *h;
	bool any = false;

	for (h = sipmsg_find(m, SIPMSG_H_ACCEPT, NULL); h != NULL;
	     h = sipmsg_find(m, SIPMSG_H_ACCEPT, h)) {
		struct span v = h->value;
		const char *p = v.p, *e = v.p + v.len;

		while (p <= e) {
			const char *c = memchr(p, ',', (size_t)(e - p));
			const char *semi;
			struct span t;

			if (c == NULL)
				c = e;
			t = span_trim_lws((struct span){ p, (size_t)(c - p) });
			semi = span_chr(t, ';');
			if (semi != NULL)
				t = span_trim_lws(
				    (struct span){ t.p, (size_t)(semi - t.p) });
			if (t.len > 0)
				any = true;
			if (span_eq_str_nocase(t, "application/sdp") ||
			    span_eq_str_nocase(t, "application/*") ||
			    span_eq_str_nocase(t, "*/*"))
				return true;
			p = c + 1;
		}
	}
	/* An empty Accept means no body at all; none means SDP. */
	return !any && sipmsg_find(m, SIPMSG_H_ACCEPT, NULL) == NULL;
}

/* Check the message against the policy before writing anything. */
static enum sipsan_verdict
sipsan_policy(const struct sipmsg *m, enum sipsan_dir dir,
    const struct sipsan_leg *leg, struct sipsan_result *res)
{
	if (leg->call_id == NULL || leg->local_tag == NULL ||
	    leg->local_uri == NULL || leg->remote_uri == NULL)
		return sipsan_set(res, SIPSAN_ERROR, 500, "incomplete leg");
	if (m->is_request) {
		/* RFC 3261 8.2.2.3: Require is checked before the method
		 * is acted on (RFC 4475 3.3.5 expects 420 for an OPTIONS). */
		if (m->method != SIPMSG_ACK && m->method != SIPMSG_CANCEL &&
		    sipsan_required(m, res) > 0)
			return sipsan_set(res, SIPSAN_REFUSED, 420,
			    "requires an extension onionsip does not have");
		if (sipsan_method_policy(m, res) != SIPSAN_OK)
			return res->verdict;
		if (leg->via_host == NULL || leg->branch == NULL)
			return sipsan_set(
			    res, SIPSAN_ERROR, 500, "incomplete leg");
		if (m->have_max_forwards && m->max_forwards == 0 &&
		    m->method != SIPMSG_ACK)
			return sipsan_set(
			    res, SIPSAN_REFUSED, 483, "Max-Forwards is zero");
		if (m->method == SIPMSG_INVITE && !sipsan_accepts_sdp(m))
			return sipsan_set(res, SIPSAN_REFUSED, 415,
			    "the caller does not accept SDP");
		if (sipmsg_find(m, SIPMSG_H_CONTENT_ENCODING, NULL) != NULL &&
		    m->body.len > 0)
			return sipsan_set(res, SIPSAN_REFUSED, 415,
			    "encoded bodies are not carried");
	} else {
		if (m->scode == 100)
			return sipsan_set(res, SIPSAN_REFUSED, 0,
			    "100 Trying is hop-by-hop: onionsip sends its own");
		switch (m->method) {
		case SIPMSG_INVITE:
		case SIPMSG_BYE:
		case SIPMSG_CANCEL:
		case SIPMSG_UPDATE:
		case SIPMSG_INFO:
			break;
		default:
			return sipsan_set(res, SIPSAN_REFUSED, 0,
			    "response to a method onionsip does not carry");
		}
		if (leg->vias == NULL || leg->nvias == 0 ||
		    leg->nvias > SIPSAN_MAX_VIAS)
			return sipsan_set(
			    res, SIPSAN_ERROR, 500, "incomplete leg");
	}
	(void)dir;
	if (m->method == SIPMSG_INFO && m->is_request && m->body.len > 0) {
		struct sipsan_dtmf d;
		int sc = sipsan_info_body(m, &d);

		if (sc != 0)
			return sipsan_set(res, SIPSAN_REFUSED, sc,
			    sc == 415 ? "INFO carries DTMF only"
				      : "INFO without a valid DTMF signal");
	}
	if (m->method == SIPMSG_INFO)
		return SIPSAN_OK; /* an answer's body is dropped */
	if (m->body.len > 0 && !sipsan_is_sdp(m->content_type))
		return sipsan_set(res, SIPSAN_REFUSED, m->is_request ? 415 : 0,
		    "body is not SDP");
	if (m->body.len > 0 &&
	    (leg->sdp_policy == NULL || leg->sdp_target == NULL ||
		leg->sdp_session == NULL))
		return sipsan_set(
		    res, SIPSAN_REFUSED, 488, "no media relay for this call");
	return SIPSAN_OK;
}

/* Write the numeric start of a value (Retry-After: "120 (x);d=3"). */
static void
sipsan_add_leading_number(struct buf *out, const char *name, struct span v)
{
	size_t i = 0;
	unsigned long n;

	v = span_trim_lws(v);
	while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
		i++;
	if (span_to_u32((struct span){ v.p, i }, 0xffffffffUL, &n))
		siphdr_add_u32(out, name, (uint32_t)n);
}

/* Reason (RFC 3326): protocol and cause only, never the free text. */
static void
sipsan_add_reason(struct buf *out, struct span v)
{
	struct span proto, cause;
	const char *semi, *c;
	size_t i;
	unsigned long n;

	v = span_trim_lws(v);
	semi = span_chr(v, ';');
	if (semi == NULL)
		return;
	proto = span_trim_lws((struct span){ v.p, (size_t)(semi - v.p) });
	if (!span_eq_str_nocase(proto, "SIP") &&
	    !span_eq_str_nocase(proto, "Q.850"))
		return;
	c = NULL;
	for (i = (size_t)(semi - v.p); i + 6 <= v.len; i++)
		if (span_has_prefix_nocase(
			(struct span){ v.p + i, v.len - i }, "cause=")) {
			c = v.p + i + 6;
			break;
		}
	if (c == NULL)
		return;
	for (i = 0; c + i < v.p + v.len && c[i] >= '0' && c[i] <= '9'; i++)
		;
	cause = (struct span){ c, i };
	if (!span_to_u32(cause, 999, &n))
		return;
	buf_printf(out, "Reason: %s;cause=%lu\r\n",
	    span_eq_str_nocase(proto, "SIP") ? "SIP" : "Q.850", n);
}

/* One parsed Digest parameter. */
struct sipsan_dparam {
	struct span name, value; /* value with its quotes, if any */
};

/* Split "Digest a=b, c="d,e"" into parameters; false if malformed. */
static bool
sipsan_digest_split(struct span v, struct sipsan_dparam *ps, size_t *np)
{
	size_t i, n = 0;

	v = span_trim_lws(v);
	if (!span_has_prefix_nocase(v, "Digest") || v.len < 7 ||
	    (v.p[6] != ' ' && v.p[6] != '\t' && v.p[6] != '\r'))
		return false;
	i = 6;
	while (i < v.len) {
		size_t s, e;

		while (i < v.len &&
		    (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == '\r' ||
			v.p[i] == '\n' || v.p[i] == ','))
			i++;
		if (i >= v.len)
			break;
		s = i;
		while (i < v.len && v.p[i] != '=' && v.p[i] != ' ' &&
		    v.p[i] != '\t' && v.p[i] != ',')
			i++;
		if (n >= SIPSAN_MAX_DIGEST_PARAMS)
			return false;
		ps[n].name = (struct span){ v.p + s, i - s };
		while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
			i++;
		if (i >= v.len || v.p[i] != '=')
			return false;
		i++;
		while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
			i++;
		s = i;
		if (i < v.len && v.p[i] == '"') {
			for (i++; i < v.len && v.p[i] != '"'; i++)
				if (v.p[i] == '\\')
					i++;
			if (i >= v.len)
				return false;
			i++;
		} else
			while (i < v.len && v.p[i] != ',' && v.p[i] != ' ' &&
			    v.p[i] != '\t' && v.p[i] != '\r')
				i++;
		e = i;
		ps[n].value = (struct span){ v.p + s, e - s };
		if (!siphdr_is_token(ps[n].name) || ps[n].value.len == 0 ||
		    !siphdr_is_text(ps[n].value))
			return false;
		n++;
	}
	*np = n;
	return n > 0;
}

/* The host part of a sip: URI the caller wrote ("sip:u@host:5060;x"). */
static struct span
sipsan_uri_host(const char *uri)
{
	const char *p = strchr(uri, ':'), *at, *e;

	if (p == NULL)
		return (struct span){ "", 0 };
	p++;
	if ((at = strchr(p, '@')) != NULL)
		p = at + 1;
	for (e = p;
	     *e != '\0' && *e != ':' && *e != ';' && *e != '>' && *e != '?';
	     e++)
		;
	return (struct span){ p, (size_t)(e - p) };
}

/* The value of a parameter without its quotes. */
static struct span
sipsan_unquote(struct span v)
{
	if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
		return (struct span){ v.p + 1, v.len - 2 };
	return v;
}

/*
 * Re-serialise a Digest header with the whitelisted parameters. With
 * realm_host set (credentials toward the network), only credentials whose
 * realm is the destination's own domain go out: the softphone may hold
 * accounts elsewhere, and which domains it uses is not for the peer.
 */
static void
sipsan_add_digest(struct buf *out, const char *name, struct span v,
    const char *const *keep, const struct span *realm_host)
{
	struct sipsan_dparam ps[SIPSAN_MAX_DIGEST_PARAMS];
	size_t n, i, k, written = 0;
	bool realm_ok = realm_host == NULL;

	if (!sipsan_digest_split(v, ps, &n))
		return;
	for (i = 0; i < n && !realm_ok; i++)
		if (span_eq_str_nocase(ps[i].name, "realm") &&
		    realm_host->len > 0 &&
		    span_eq_nocase(sipsan_unquote(ps[i].value), *realm_host))
			realm_ok = true;
	if (!realm_ok)
		return;
	buf_printf(out, "%s: Digest ", name);
	for (k = 0; keep[k] != NULL; k++)
		for (i = 0; i < n; i++)
			if (span_eq_str_nocase(ps[i].name, keep[k])) {
				if (written++ > 0)
					buf_add(out, ", ", 2);
				buf_printf(out, "%s=", keep[k]);
				buf_addspan(out, ps[i].value);
				break;
			}
	buf_add(out, "\r\n", 2);
}

/* The credentials (to the network) or challenges (to the softphone). */
static void
sipsan_add_auth(struct buf *out, const struct sipmsg *m, enum sipsan_dir dir,
    const struct sipsan_leg *leg)
{
	struct span dest = sipsan_uri_host(
	    leg->request_uri != NULL ? leg->request_uri : leg->remote_uri);
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		const struct sipmsg_hdr *h = &m->hdrs[i];

		if (m->is_request && dir == SIPSAN_TO_NETWORK &&
		    (h->id == SIPMSG_H_AUTHORIZATION ||
			h->id == SIPMSG_H_PROXY_AUTHORIZATION))
			sipsan_add_digest(out, sipmsg_hid_str(h->id), h->value,
			    sipsan_digest_creds, &dest);
		else if (!m->is_request && dir == SIPSAN_TO_SOFTPHONE &&
		    (m->scode == 401 || m->scode == 407) &&
		    (h->id == SIPMSG_H_WWW_AUTHENTICATE ||
			h->id == SIPMSG_H_PROXY_AUTHENTICATE))
			sipsan_add_digest(out, sipmsg_hid_str(h->id), h->value,
			    sipsan_digest_chal, NULL);
	}
}

/* Start line, Via, Max-Forwards, From, To, Call-ID, CSeq. */
static void
sipsan_write_head(struct buf *out, const struct sipmsg *m, enum sipsan_dir dir,
    const struct sipsan_leg *leg)
{
	const char *method = sipmsg_method_str(m->method);
	const char *rdisplay =
	    dir == SIPSAN_TO_SOFTPHONE ? leg->remote_display : NULL;
	size_t i;

	if (m->is_request) {
		buf_printf(out, "%s %s SIP/2.0\r\n", method,
		    leg->request_uri != NULL ? leg->request_uri
					     : leg->remote_uri);
		buf_printf(out, "Via: SIP/2.0/%s %s",
		    leg->via_transport != NULL ? leg->via_transport : "TCP",
		    leg->via_host);
		if (leg->via_port != 0)
			buf_printf(out, ":%u", (unsigned int)leg->via_port);
		buf_printf(out, ";branch=%s;rport\r\n", leg->branch);
		siphdr_add_u32(out, "Max-Forwards",
		    leg->max_forwards != 0 ? leg->max_forwards
					   : SIPSAN_MAX_FORWARDS);
		buf_addstr(out, "From: ");
		siphdr_add_nameaddr(
		    out, leg->local_display, leg->local_uri, leg->local_tag);
		buf_addstr(out, "\r\nTo: ");
		siphdr_add_nameaddr(
		    out, rdisplay, leg->remote_uri, leg->remote_tag);
	} else {
		buf_printf(out, "SIP/2.0 %d %s\r\n", m->scode,
		    sipsan_reason_phrase(m->scode));
		for (i = 0; i < leg->nvias; i++)
			siphdr_add_str(out, "Via", leg->vias[i]);
		buf_addstr(out, "From: ");
		siphdr_add_nameaddr(
		    out, rdisplay, leg->remote_uri, leg->remote_tag);
		buf_addstr(out, "\r\nTo: ");
		siphdr_add_nameaddr(
		    out, leg->local_display, leg->local_uri, leg->local_tag);
	}
	buf_printf(out, "\r\nCall-ID: %s\r\nCSeq: %lu %s\r\n", leg->call_id,
	    (unsigned long)leg->cseq, method);
}

/* The whitelisted optional headers, in a fixed order. */
static void
sipsan_write_optional(struct buf *out, const struct sipmsg *m,
    enum sipsan_dir dir, const struct sipsan_leg *leg)
{
	const struct sipmsg_hdr *h;
	bool invite = m->method == SIPMSG_INVITE;
	bool update = m->method == SIPMSG_UPDATE;
	bool contact = false, allow = false;

	if (m->is_request) {
		contact = invite || update;
		allow = invite;
	} else if (invite && m->scode > 100 && m->scode < 300)
		contact = true;
	else if (update && m->scode >= 200 && m->scode < 300)
		contact = true;
	if (!m->is_request && m->scode >= 200 && m->scode < 300 && invite)
		allow = true;
	if (!m->is_request && m->scode == 405)
		allow = true;
	if (contact && leg->contact_uri != NULL)
		buf_printf(out, "Contact: <%s>\r\n", leg->contact_uri);
	/* No Expires on INVITE: the value is a softphone's own default, a
	 * fingerprint, and the header is optional (RFC 3261 20.19). */
	if (!m->is_request &&
	    (h = sipmsg_find(m, SIPMSG_H_RETRY_AFTER, NULL)) != NULL)
		sipsan_add_leading_number(out, "Retry-After", h->value);
	if (!m->is_request && m->scode == 423 &&
	    (h = sipmsg_find(m, SIPMSG_H_MIN_EXPIRES, NULL)) != NULL)
		sipsan_add_leading_number(out, "Min-Expires", h->value);
	if (allow)
		siphdr_add_str(out, "Allow", SIPSAN_ALLOW);
	if (!m->is_request && m->scode == 415)
		siphdr_add_str(out, "Accept",
		    m->method == SIPMSG_INFO ? SIPSAN_ACCEPT_INFO
					     : SIPSAN_ACCEPT);
	if (m->method == SIPMSG_BYE || m->method == SIPMSG_CANCEL ||
	    (!m->is_request && m->scode >= 300))
		for (h = sipmsg_find(m, SIPMSG_H_REASON, NULL); h != NULL;
		     h = sipmsg_find(m, SIPMSG_H_REASON, h))
			sipsan_add_reason(out, h->value);
	sipsan_add_auth(out, m, dir, leg);
}

/*
 * The Duration written for d: the one received rounded to the nearest
 * SIPSAN_DTMF_DURATION_STEP ms, at least one step, one step if none came.
 * Softphones' own defaults (100, 160, 200, 250 ms) and whether they send
 * one at all would tell them apart; a key held long stays long.
 */
static unsigned long
sipsan_dtmf_duration(const struct sipsan_dtmf *d)
{
	unsigned long steps;

	if (!d->have_duration)
		return SIPSAN_DTMF_DURATION_STEP;
	steps = (d->duration + SIPSAN_DTMF_DURATION_STEP / 2) /
	    SIPSAN_DTMF_DURATION_STEP;
	return (steps > 0 ? steps : 1) * SIPSAN_DTMF_DURATION_STEP;
}

/* An INFO's DTMF written anew from its recognised fields; none else. */
static enum sipsan_verdict
sipsan_write_info_body(
    struct buf *out, const struct sipmsg *m, struct sipsan_result *res)
{
	struct sipsan_dtmf d;
	char body[64];
	int n, sc;

	if (!m->is_request || m->body.len == 0) {
		buf_addstr(out, "Content-Length: 0\r\n\r\n");
		return SIPSAN_OK;
	}
	if ((sc = sipsan_info_body(m, &d)) != 0)
		return sipsan_set(res, SIPSAN_REFUSED, sc, "INFO body refused");
	if (d.relay)
		n = snprintf(body, sizeof(body),
		    "Signal=%c\r\nDuration=%lu\r\n", d.signal,
		    sipsan_dtmf_duration(&d));
	else
		n = snprintf(body, sizeof(body), "%c", d.signal);
	buf_printf(out, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n",
	    d.relay ? "application/dtmf-relay" : "application/dtmf", n);
	buf_add(out, body, (size_t)n);
	return SIPSAN_OK;
}

/* The SDP body through the rewriter, or a refusal. */
static enum sipsan_verdict
sipsan_write_body(struct buf *out, const struct sipmsg *m,
    const struct sipsan_leg *leg, struct sipsan_result *res)
{
	struct buf sdp;
	const char *why = NULL;

	if (m->method == SIPMSG_INFO)
		return sipsan_write_info_body(out, m, res);
	if (m->body.len == 0) {
		buf_addstr(out, "Content-Length: 0\r\n\r\n");
		return SIPSAN_OK;
	}
	buf_init(&sdp, SDPRW_MAX_BODY);
	if (sdprw_rewrite(m->body.p, m->body.len, leg->sdp_policy,
		leg->sdp_session, leg->sdp_target, &sdp, leg->sdp_info,
		&why) != 0 ||
	    sdp.len == 0) {
		buf_free(&sdp);
		return sipsan_set(res, SIPSAN_REFUSED, 488,
		    why != NULL ? why : "SDP refused");
	}
	buf_printf(out,
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n",
	    sdp.len);
	buf_add(out, sdp.data, sdp.len);
	buf_free(&sdp);
	return SIPSAN_OK;
}

/*
 * The built-in last check: the softphone's software string is gone. Very
 * short strings are left to the leak check proper: a User-Agent of "SIP"
 * would otherwise match every message and stop all calls.
 */
static bool
sipsan_has_software(const struct buf *out, const struct sipmsg *m)
{
	struct span ua = span_trim_lws(m->user_agent);

	if (ua.len < SIPSAN_MIN_SOFTWARE || out->len < ua.len)
		return false;
	return memmem(out->data, out->len, ua.p, ua.len) != NULL;
}

/* Write the message m becomes on leg. */
enum sipsan_verdict
sipsan_rewrite(const struct sipmsg *m, enum sipsan_dir dir,
    const struct sipsan_leg *leg, struct buf *out, struct sipsan_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_reset(out);
	if (sipsan_policy(m, dir, leg, res) != SIPSAN_OK)
		return res->verdict;
	sipsan_write_head(out, m, dir, leg);
	sipsan_write_optional(out, m, dir, leg);
	if (sipsan_write_body(out, m, leg, res) != SIPSAN_OK) {
		buf_reset(out);
		return res->verdict;
	}
	if (out->overflow) {
		buf_reset(out);
		return sipsan_set(res, SIPSAN_ERROR, 500, "message too large");
	}
	if (dir == SIPSAN_TO_NETWORK) {
		if (sipsan_has_software(out, m)) {
			buf_reset(out);
			res->leak = LEAKCHECK_SOFTWARE;
			return sipsan_set(res, SIPSAN_LEAK, 500,
			    "the softphone's software string");
		}
		if (leg->lc != NULL &&
		    (res->leak = leakcheck_scan(leg->lc, out->data, out->len,
			 leg->allowed, leg->nallowed)) != LEAKCHECK_PASS) {
			buf_reset(out);
			return sipsan_set(res, SIPSAN_LEAK, 500,
			    leakcheck_verdict_str(res->leak));
		}
	}
	return sipsan_set(res, SIPSAN_OK, 0, "ok");
}

/* onionsip's own answer to req, on the leg req came from. */
int
sipsan_answer(const struct sipmsg *req, int scode, const char *to_tag,
    const struct sipsan_result *unsupported, const struct leakcheck *lc,
    const char *const *allowed, size_t nallowed, struct buf *out,
    const char **reason)
{
	size_t i;

	buf_reset(out);
	if (!req->is_request || req->method == SIPMSG_ACK) {
		*reason = "only requests other than ACK are answered";
		return -1;
	}
	if (scode < 100 || scode > 699) {
		*reason = "bad status code";
		return -1;
	}
	buf_printf(
	    out, "SIP/2.0 %d %s\r\n", scode, sipsan_reason_phrase(scode));
	for (i = 0; i < req->nvia; i++)
		siphdr_add(out, "Via", req->via[i].value);
	siphdr_add(out, "From", req->from.value);
	buf_addstr(out, "To: ");
	siphdr_add_value(out, req->to.value);
	if (req->to.tag.len == 0 && scode > 100 && to_tag != NULL)
		buf_printf(out, ";tag=%s", to_tag);
	buf_addstr(out, "\r\n");
	siphdr_add(out, "Call-ID", req->call_id);
	buf_printf(out, "CSeq: %lu ", (unsigned long)req->cseq);
	buf_addspan(out, req->cseq_method);
	buf_addstr(out, "\r\n");
	if (scode == 405 ||
	    (scode >= 200 && scode < 300 && req->method == SIPMSG_OPTIONS))
		siphdr_add_str(out, "Allow", SIPSAN_ALLOW);
	if (scode == 415 && req->method == SIPMSG_INFO)
		siphdr_add_str(out, "Accept", SIPSAN_ACCEPT_INFO);
	else if (scode == 415 ||
	    (scode >= 200 && scode < 300 && req->method == SIPMSG_OPTIONS))
		siphdr_add_str(out, "Accept", SIPSAN_ACCEPT);
	if (scode == 420 && unsupported != NULL &&
	    unsupported->nunsupported > 0) {
		buf_addstr(out, "Unsupported: ");
		for (i = 0; i < unsupported->nunsupported; i++) {
			if (i > 0)
				buf_add(out, ", ", 2);
			buf_addspan(out, unsupported->unsupported[i]);
		}
		buf_addstr(out, "\r\n");
	}
	buf_addstr(out, "Content-Length: 0\r\n\r\n");
	if (out->overflow) {
		buf_reset(out);
		*reason = "answer too large";
		return -1;
	}
	if (lc != NULL &&
	    leakcheck_scan(lc, out->data, out->len, allowed, nallowed) !=
		LEAKCHECK_PASS) {
		buf_reset(out);
		*reason = "answer fails the leak check";
		return -1;
	}
	*reason = "ok";
	return 0;
}
