/*
 * sipmsg: the libre adapter for SIP messages, and our own validation of
 * what libre lets through. The only file with <re.h> for SIP. See
 * sipmsg.h.
 */
#include "config.h"

#include <re.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipframe.h"
#include "sipmsg.h"
#include "xmalloc.h"

/* Header names: long form, compact form (0: none). */
static const struct {
	const char *name;
	char compact;
} sipmsg_hnames[SIPMSG_H_NHDRIDS] = {
	[SIPMSG_H_OTHER] = { NULL, 0 },
	[SIPMSG_H_VIA] = { "Via", 'v' },
	[SIPMSG_H_FROM] = { "From", 'f' },
	[SIPMSG_H_TO] = { "To", 't' },
	[SIPMSG_H_CALL_ID] = { "Call-ID", 'i' },
	[SIPMSG_H_CSEQ] = { "CSeq", 0 },
	[SIPMSG_H_CONTACT] = { "Contact", 'm' },
	[SIPMSG_H_MAX_FORWARDS] = { "Max-Forwards", 0 },
	[SIPMSG_H_CONTENT_TYPE] = { "Content-Type", 'c' },
	[SIPMSG_H_CONTENT_LENGTH] = { "Content-Length", 'l' },
	[SIPMSG_H_CONTENT_ENCODING] = { "Content-Encoding", 'e' },
	[SIPMSG_H_CONTENT_DISPOSITION] = { "Content-Disposition", 0 },
	[SIPMSG_H_EXPIRES] = { "Expires", 0 },
	[SIPMSG_H_MIN_EXPIRES] = { "Min-Expires", 0 },
	[SIPMSG_H_RECORD_ROUTE] = { "Record-Route", 0 },
	[SIPMSG_H_ROUTE] = { "Route", 0 },
	[SIPMSG_H_AUTHORIZATION] = { "Authorization", 0 },
	[SIPMSG_H_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0 },
	[SIPMSG_H_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0 },
	[SIPMSG_H_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0 },
	[SIPMSG_H_ALLOW] = { "Allow", 0 },
	[SIPMSG_H_SUPPORTED] = { "Supported", 'k' },
	[SIPMSG_H_REQUIRE] = { "Require", 0 },
	[SIPMSG_H_PROXY_REQUIRE] = { "Proxy-Require", 0 },
	[SIPMSG_H_UNSUPPORTED] = { "Unsupported", 0 },
	[SIPMSG_H_ACCEPT] = { "Accept", 0 },
	[SIPMSG_H_EVENT] = { "Event", 'o' },
	[SIPMSG_H_REASON] = { "Reason", 0 },
	[SIPMSG_H_RETRY_AFTER] = { "Retry-After", 0 },
	[SIPMSG_H_USER_AGENT] = { "User-Agent", 0 },
	[SIPMSG_H_SERVER] = { "Server", 0 },
};

static const char *const sipmsg_methods[] = {
	[SIPMSG_OTHER] = NULL,
	[SIPMSG_INVITE] = "INVITE",
	[SIPMSG_ACK] = "ACK",
	[SIPMSG_BYE] = "BYE",
	[SIPMSG_CANCEL] = "CANCEL",
	[SIPMSG_OPTIONS] = "OPTIONS",
	[SIPMSG_REGISTER] = "REGISTER",
	[SIPMSG_PRACK] = "PRACK",
	[SIPMSG_SUBSCRIBE] = "SUBSCRIBE",
	[SIPMSG_NOTIFY] = "NOTIFY",
	[SIPMSG_REFER] = "REFER",
	[SIPMSG_MESSAGE] = "MESSAGE",
	[SIPMSG_INFO] = "INFO",
	[SIPMSG_UPDATE] = "UPDATE",
	[SIPMSG_PUBLISH] = "PUBLISH",
};

#define SIPMSG_NMETHODS (sizeof(sipmsg_methods) / sizeof(sipmsg_methods[0]))

/* The parse state: the message being filled and where libre's bytes are. */
struct sipmsg_ctx {
	struct sipmsg *m;
	const struct sip_msg *lm; /* libre's decode, From/To already split */
	const char *base;	  /* libre's copy (mbuf) */
	struct sipmsg_error *err;
};

/* Record an error; returns -1. */
static int
sipmsg_fail(struct sipmsg_error *err, int scode, const char *reason)
{
	err->scode = scode;
	err->reason = reason;
	return -1;
}

/* The name of a method. */
const char *
sipmsg_method_str(enum sipmsg_method m)
{
	if ((size_t)m >= SIPMSG_NMETHODS)
		return NULL;
	return sipmsg_methods[m];
}

/* The method for a name; methods are case-sensitive. */
enum sipmsg_method
sipmsg_method_from(struct span name)
{
	size_t i;

	for (i = 1; i < SIPMSG_NMETHODS; i++)
		if (span_eq(name, span_cstr(sipmsg_methods[i])))
			return (enum sipmsg_method)i;
	return SIPMSG_OTHER;
}

/* A header's long name. */
const char *
sipmsg_hid_str(enum sipmsg_hid id)
{
	if ((size_t)id >= SIPMSG_H_NHDRIDS)
		return NULL;
	return sipmsg_hnames[id].name;
}

/* The header id for a name, long or compact, any case. */
enum sipmsg_hid
sipmsg_hid_from(struct span name)
{
	size_t i;
	char c;

	if (name.len == 1) {
		c = name.p[0];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		for (i = 1; i < SIPMSG_H_NHDRIDS; i++)
			if (sipmsg_hnames[i].compact == c)
				return (enum sipmsg_hid)i;
		return SIPMSG_H_OTHER;
	}
	for (i = 1; i < SIPMSG_H_NHDRIDS; i++) {
		const char *n = sipmsg_hnames[i].name;

		/* Cheap tests first: this runs for every header line. */
		if (strlen(n) == name.len &&
		    ((n[0] ^ name.p[0]) & ~0x20) == 0 &&
		    strncasecmp(n, name.p, name.len) == 0)
			return (enum sipmsg_hid)i;
	}
	return SIPMSG_H_OTHER;
}

/* The first field with id after prev (NULL: from the start). */
const struct sipmsg_hdr *
sipmsg_find(
    const struct sipmsg *m, enum sipmsg_hid id, const struct sipmsg_hdr *prev)
{
	size_t i = prev == NULL ? 0 : (size_t)(prev - m->hdrs) + 1;

	for (; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

/* How many fields have this id. */
size_t
sipmsg_count(const struct sipmsg *m, enum sipmsg_hid id)
{
	size_t i, n = 0;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			n++;
	return n;
}

/* Free a message and the bytes it owns. */
void
sipmsg_free(struct sipmsg *m)
{
	if (m == NULL)
		return;
	free(m->raw_);
	free(m);
}

/* A copy of m: the same bytes parsed again (they parsed once). */
struct sipmsg *
sipmsg_dup(const struct sipmsg *m)
{
	struct sipmsg_error err;
	struct sipmsg *c = sipmsg_parse(m->raw_, m->raw_len_, &err);

	if (c == NULL)
		abort(); /* a programmer bug: these bytes parsed once */
	return c;
}

/* The bytes m was parsed from. */
const char *
sipmsg_raw(const struct sipmsg *m, size_t *lenp)
{
	*lenp = m->raw_len_;
	return m->raw_;
}

/* True for a token character (RFC 3261 25.1). */
static bool
sipmsg_tokenc(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

/* True if s is a non-empty token. */
static bool
sipmsg_is_token(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!sipmsg_tokenc((unsigned char)p[i]))
			return false;
	return true;
}

/* Parse decimal digits (optional surrounding white space) up to max. */
static bool
sipmsg_number(struct span s, unsigned long max, unsigned long *out)
{
	s = span_trim_lws(s);
	return span_to_u32(s, max, out);
}

/*
 * Check the start line (without CRLF): exactly three parts separated by
 * single spaces, a known version, a sane Request-URI or status code.
 */
static int
sipmsg_check_start(const char *p, size_t n, struct sipmsg_error *err)
{
	const char *sp1, *sp2;
	size_t i;

	sp1 = memchr(p, ' ', n);
	if (sp1 == NULL)
		return sipmsg_fail(err, 400, "Bad Start Line");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p));
	if (sp2 == NULL)
		return sipmsg_fail(err, 400, "Bad Start Line");
	if (n >= 4 && memcmp(p, "SIP/", 4) == 0) {
		/* Response: SIP/2.0 SP 3DIGIT SP reason */
		if ((size_t)(sp1 - p) != 7 || memcmp(p, "SIP/2.0", 7) != 0)
			return sipmsg_fail(err, 400, "Bad SIP Version");
		if (sp2 - sp1 != 4 || sp1[1] < '1' || sp1[1] > '6' ||
		    sp1[2] < '0' || sp1[2] > '9' || sp1[3] < '0' ||
		    sp1[3] > '9')
			return sipmsg_fail(err, 400, "Bad Status Code");
		for (i = (size_t)(sp2 + 1 - p); i < n; i++)
			if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
				return sipmsg_fail(
				    err, 400, "Bad Reason Phrase");
		return 0;
	}
	if (!sipmsg_is_token(p, (size_t)(sp1 - p)))
		return sipmsg_fail(err, 400, "Bad Method");
	if (sp2 == sp1 + 1)
		return sipmsg_fail(err, 400, "Bad Request Line");
	for (i = (size_t)(sp1 + 1 - p); i < (size_t)(sp2 - p); i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == '<' || p[i] == '>' ||
		    p[i] == '"' || p[i] == 0x7f)
			return sipmsg_fail(err, 400, "Bad Request-URI");
	if (memchr(sp2 + 1, ' ', n - (size_t)(sp2 + 1 - p)) != NULL)
		return sipmsg_fail(err, 400, "Bad Request Line");
	if ((size_t)(p + n - sp2 - 1) == 7 &&
	    memcmp(sp2 + 1, "SIP/2.0", 7) == 0)
		return 0;
	/* SIP/<digits>.<digits> is a version we do not speak. */
	{
		const char *v = sp2 + 1, *e = p + n;
		bool dot = false, digit = false;

		if (e - v < 5 || memcmp(v, "SIP/", 4) != 0)
			return sipmsg_fail(err, 400, "Bad SIP Version");
		for (v += 4; v < e; v++) {
			if (*v == '.' && digit && !dot) {
				dot = true;
				digit = false;
			} else if (*v >= '0' && *v <= '9')
				digit = true;
			else
				return sipmsg_fail(err, 400, "Bad SIP Version");
		}
		if (!dot || !digit)
			return sipmsg_fail(err, 400, "Bad SIP Version");
		return sipmsg_fail(err, 505, "Version Not Supported");
	}
}

/*
 * Check one header value: no control characters but HT and folding,
 * except inside a quoted string as a quoted-pair (RFC 3261 25.1).
 */
static int
sipmsg_check_value(
    const char *p, size_t n, bool *open_quote, struct sipmsg_error *err)
{
	bool q = false;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r' && i + 2 < n && p[i + 1] == '\n' &&
		    (p[i + 2] == ' ' || p[i + 2] == '\t')) {
			i += 2;
			continue;
		}
		if (q && c == '\\') {
			if (i + 1 >= n || p[i + 1] == '\r' || p[i + 1] == '\n')
				return sipmsg_fail(err, 400, "Bad Quoted Pair");
			i++;
			continue;
		}
		if (c == '"')
			q = !q;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return sipmsg_fail(
			    err, 400, "Control Character In Header");
	}
	*open_quote = q;
	return 0;
}

/* Check every header line's name and value before libre sees them. */
static int
sipmsg_check_headers(const char *p, size_t hdr_len, struct sipmsg_error *err)
{
	size_t pos, end, lend, i;
	const char *lf;

	lf = memchr(p, '\n', hdr_len);
	if (lf == NULL || lf == p || lf[-1] != '\r')
		return sipmsg_fail(err, 400, "Bad Start Line");
	if (sipmsg_check_start(p, (size_t)(lf - p) - 1, err) < 0)
		return -1;
	pos = (size_t)(lf - p) + 1;
	end = hdr_len - 2; /* the empty line */
	while (pos < end) {
		bool open_quote;
		enum sipmsg_hid id;

		/* A logical line: up to a CRLF not followed by SP/HT. */
		lend = pos;
		for (;;) {
			lf = memchr(p + lend, '\n', end - lend);
			if (lf == NULL || lf[-1] != '\r')
				return sipmsg_fail(err, 400, "Bad Line End");
			lend = (size_t)(lf - p) + 1;
			if (lend >= end || (p[lend] != ' ' && p[lend] != '\t'))
				break;
		}
		if (p[pos] == ' ' || p[pos] == '\t')
			return sipmsg_fail(err, 400, "Bad Header Folding");
		for (i = pos; i < lend && sipmsg_tokenc((unsigned char)p[i]);
		     i++)
			;
		if (i == pos)
			return sipmsg_fail(err, 400, "Bad Header Name");
		id = sipmsg_hid_from((struct span){ p + pos, i - pos });
		while (i < lend && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i >= lend || p[i] != ':')
			return sipmsg_fail(err, 400, "Bad Header Name");
		i++;
		if (sipmsg_check_value(p + i, lend - 2 - i, &open_quote, err) <
		    0)
			return -1;
		if (open_quote &&
		    (id == SIPMSG_H_FROM || id == SIPMSG_H_TO ||
			id == SIPMSG_H_CONTACT || id == SIPMSG_H_ROUTE ||
			id == SIPMSG_H_RECORD_ROUTE))
			return sipmsg_fail(err, 400, "Unterminated Quote");
		pos = lend;
	}
	return 0;
}

/* A span of our copy for a libre slice of its buffer. */
static struct span
sipmsg_span(const struct sipmsg_ctx *c, const struct pl *pl)
{
	if (pl == NULL || pl->p == NULL || pl->l == 0)
		return (struct span){ "", 0 };
	return (struct span){ c->m->raw_ + (pl->p - c->base), pl->l };
}

/* Check a host[:port] written in a URI or a Via: a name, IPv4 or [IPv6]. */
static bool
sipmsg_hostport_ok(struct span hp)
{
	size_t i = 0;
	unsigned long port;

	if (hp.len == 0)
		return false;
	if (hp.p[0] == '[') {
		for (i = 1; i < hp.len && hp.p[i] != ']'; i++)
			if (!((hp.p[i] >= '0' && hp.p[i] <= '9') ||
				(hp.p[i] >= 'a' && hp.p[i] <= 'f') ||
				(hp.p[i] >= 'A' && hp.p[i] <= 'F') ||
				hp.p[i] == ':' || hp.p[i] == '.'))
				return false;
		if (i >= hp.len || i == 1)
			return false;
		i++;
	} else {
		for (; i < hp.len && hp.p[i] != ':'; i++)
			if (!((hp.p[i] >= '0' && hp.p[i] <= '9') ||
				(hp.p[i] >= 'a' && hp.p[i] <= 'z') ||
				(hp.p[i] >= 'A' && hp.p[i] <= 'Z') ||
				hp.p[i] == '-' || hp.p[i] == '.'))
				return false;
		if (i == 0)
			return false;
	}
	if (i == hp.len)
		return true;
	if (hp.p[i] != ':')
		return false;
	return span_to_u32((struct span){ hp.p + i + 1, hp.len - i - 1 }, 65535,
		   &port) &&
	    port > 0;
}

/* The host[:port] part of a sip/sips URI as written. */
static struct span
sipmsg_uri_hostport(struct span raw)
{
	const char *p = raw.p, *e = raw.p + raw.len, *at, *s;

	s = memchr(p, ':', raw.len);
	if (s == NULL)
		return (struct span){ "", 0 };
	p = s + 1;
	/* The user part ends at the first '@' (never unescaped in it). */
	at = memchr(p, '@', (size_t)(e - p));
	if (at != NULL)
		p = at + 1;
	for (s = p; s < e && *s != ';' && *s != '?'; s++)
		;
	while (s > p && (s[-1] == ' ' || s[-1] == '\t'))
		s--;
	return (struct span){ p, (size_t)(s - p) };
}

/* True if params (";a=b;c") has no empty parameter. */
static bool
sipmsg_params_ok(struct span params)
{
	size_t i;
	bool semi = false, empty = true;

	for (i = 0; i < params.len; i++) {
		char c = params.p[i];

		if (c == ';') {
			if (semi && empty)
				return false;
			semi = true;
			empty = true;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			empty = false;
	}
	return !semi || !empty;
}

/* Copy a libre URI out, and check what we rely on. */
static int
sipmsg_copy_uri(struct sipmsg_ctx *c, struct sipmsg_uri *u,
    const struct pl *raw, const struct uri *lu)
{
	u->raw = sipmsg_span(c, raw);
	if (memchr(u->raw.p, '\r', u->raw.len) != NULL ||
	    memchr(u->raw.p, '\n', u->raw.len) != NULL ||
	    memchr(u->raw.p, '\t', u->raw.len) != NULL) {
		/* libre's patterns take CR, LF and HT as URI characters, so
		 * "x:" folded decodes while our unfolded echo of it would
		 * not: the URI without its folding must decode by itself. */
		struct span t = span_trim_lws(u->raw);
		struct pl tp = { t.p, t.len };
		struct uri tu;

		if (uri_decode(&tu, &tp) != 0)
			return sipmsg_fail(c->err, 400, "Bad URI");
	}
	u->scheme = sipmsg_span(c, &lu->scheme);
	u->user = sipmsg_span(c, &lu->user);
	u->password = sipmsg_span(c, &lu->password);
	u->host = sipmsg_span(c, &lu->host);
	u->port = lu->port;
	u->params = sipmsg_span(c, &lu->params);
	u->headers = sipmsg_span(c, &lu->headers);
	if (u->headers.len > 0 && u->headers.p[0] == '?') {
		u->headers.p++;
		u->headers.len--;
	}
	if (span_eq_str_nocase(u->scheme, "sip") ||
	    span_eq_str_nocase(u->scheme, "sips")) {
		if (!sipmsg_hostport_ok(sipmsg_uri_hostport(u->raw)))
			return sipmsg_fail(c->err, 400, "Bad URI Host");
		if (!sipmsg_params_ok(u->params))
			return sipmsg_fail(c->err, 400, "Bad URI Parameter");
	}
	return 0;
}

/* True if s holds white space or a line end anywhere. */
static bool
sipmsg_has_lws(struct span s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\r' ||
		    s.p[i] == '\n')
			return true;
	return false;
}

/* Check the part of a name-addr before '<': a quoted string or tokens. */
static bool
sipmsg_dname_ok(struct span v)
{
	const char *lt = span_chr(v, '<');
	struct span d;
	size_t i;

	if (lt == NULL) {
		/* addr-spec: no headers, no display name (RFC 3261 20.10),
		 * so no white space before the parameters either (libre reads
		 * "a :" folded but not unfolded: what we echo must parse). */
		const char *semi = span_chr(v, ';');

		d = span_trim_lws((struct span){
		    v.p, semi != NULL ? (size_t)(semi - v.p) : v.len });
		return !sipmsg_has_lws(d) && span_chr(v, '?') == NULL &&
		    span_chr(v, '>') == NULL;
	}
	d = span_trim_lws((struct span){ v.p, (size_t)(lt - v.p) });
	if (lt + 1 < v.p + v.len && (lt[1] == ' ' || lt[1] == '\t'))
		return false; /* "< sip:..." */
	{
		const char *gt = span_chr(v, '>');

		if (gt == NULL || gt < lt ||
		    (gt > lt && (gt[-1] == ' ' || gt[-1] == '\t')))
			return false;
		/* A URI holds no white space (RFC 3986 via RFC 3261 25.1):
		 * tabs as well as spaces, so what we echo parses again. */
		if (sipmsg_has_lws(
			(struct span){ lt + 1, (size_t)(gt - lt - 1) }))
			return false;
	}
	if (d.len == 0 || d.p[0] == '"')
		return true;
	for (i = 0; i < d.len; i++)
		if (!sipmsg_tokenc((unsigned char)d.p[i]) && d.p[i] != ' ' &&
		    d.p[i] != '\t' && d.p[i] != '\r' && d.p[i] != '\n')
			return false;
	return true;
}

/* Find a parameter's value in ";a=b;c=d" (name case-insensitive). */
static bool
sipmsg_param(struct span params, const char *name, struct span *val)
{
	size_t i = 0, nlen = strlen(name);

	while (i < params.len) {
		size_t s, e;

		while (i < params.len &&
		    (params.p[i] == ';' || params.p[i] == ' ' ||
			params.p[i] == '\t' || params.p[i] == '\r' ||
			params.p[i] == '\n'))
			i++;
		s = i;
		while (i < params.len && params.p[i] != ';')
			i++;
		e = i;
		if (e - s >= nlen &&
		    span_eq_str_nocase(
			(struct span){ params.p + s, nlen }, name) &&
		    (e - s == nlen || params.p[s + nlen] == '=' ||
			params.p[s + nlen] == ' ' ||
			params.p[s + nlen] == '\t' ||
			params.p[s + nlen] == '\r')) {
			const char *eq = memchr(params.p + s, '=', e - s);

			*val = eq == NULL
			    ? (struct span){ "", 0 }
			    : span_trim_lws((struct span){
				  eq + 1, (size_t)(params.p + e - eq - 1) });
			return true;
		}
	}
	return false;
}

/* Decode a name-addr header value with libre and copy it out. */
static int
sipmsg_copy_addr(struct sipmsg_ctx *c, struct sipmsg_addr *a,
    const struct pl *val, bool want_tag)
{
	struct sip_addr la;
	struct span v = sipmsg_span(c, val), tag, ex;
	unsigned long n;

	if (!sipmsg_dname_ok(v))
		return sipmsg_fail(c->err, 400, "Bad Address");
	if (c->lm != NULL && val->p != NULL &&
	    (val->p == c->lm->from.val.p || val->p == c->lm->to.val.p)) {
		/* sip_msg_decode split From and To already: reuse it. */
		const struct sip_taddr *t =
		    val->p == c->lm->from.val.p ? &c->lm->from : &c->lm->to;

		la.dname = t->dname;
		la.auri = t->auri;
		la.uri = t->uri;
		la.params = t->params;
	} else if (sip_addr_decode(&la, val) != 0)
		return sipmsg_fail(c->err, 400, "Bad Address");
	a->value = v;
	a->dname = sipmsg_span(c, &la.dname);
	if (sipmsg_copy_uri(c, &a->uri, &la.auri, &la.uri) < 0)
		return -1;
	a->params = sipmsg_span(c, &la.params);
	if (!sipmsg_params_ok(a->params))
		return sipmsg_fail(c->err, 400, "Bad Header Parameter");
	if (want_tag && sipmsg_param(a->params, "tag", &tag)) {
		if (!sipmsg_is_token(tag.p, tag.len) ||
		    tag.len > SIPMSG_MAX_TAG)
			return sipmsg_fail(c->err, 400, "Bad Tag");
		a->tag = tag;
	}
	if (sipmsg_param(a->params, "expires", &ex) &&
	    !span_to_u32(ex, SIPMSG_MAX_EXPIRES, &n))
		return sipmsg_fail(c->err, 400, "Bad Expires Parameter");
	return 0;
}

/* Skip white space, folded line ends included, from *i. */
static void
sipmsg_skip_ws(struct span v, size_t *i)
{
	while (*i < v.len &&
	    (v.p[*i] == ' ' || v.p[*i] == '\t' || v.p[*i] == '\r' ||
		v.p[*i] == '\n'))
		(*i)++;
}

/* Expect literal text at *i (after white space). */
static bool
sipmsg_expect(struct span v, size_t *i, const char *lit)
{
	size_t n = strlen(lit);

	sipmsg_skip_ws(v, i);
	if (v.len - *i < n ||
	    !span_eq_str_nocase((struct span){ v.p + *i, n }, lit))
		return false;
	*i += n;
	return true;
}

/*
 * Parse one Via value ourselves: libre's decoder refuses a top Via
 * without a branch, which RFC 4475 (3.1.1.7, 3.4.1) calls valid.
 * via-parm = "SIP" / "2.0" / transport LWS sent-by *( ";" via-params )
 */
static int
sipmsg_copy_via(struct sipmsg_ctx *c, struct span val)
{
	struct sipmsg *m = c->m;
	struct sipmsg_via *v;
	struct span hp;
	size_t i = 0, s;
	const char *colon;
	unsigned long port;

	if (m->nvia >= SIPMSG_MAX_VIAS)
		return sipmsg_fail(c->err, 400, "Too Many Via");
	v = &m->via[m->nvia++];
	memset(v, 0, sizeof(*v));
	v->value = span_trim_lws(val);
	val = v->value;
	if (!sipmsg_expect(val, &i, "SIP") || !sipmsg_expect(val, &i, "/") ||
	    !sipmsg_expect(val, &i, "2.0") || !sipmsg_expect(val, &i, "/"))
		return sipmsg_fail(c->err, 400, "Bad Via");
	sipmsg_skip_ws(val, &i);
	for (s = i; i < val.len && sipmsg_tokenc((unsigned char)val.p[i]); i++)
		;
	v->transport = (struct span){ val.p + s, i - s };
	if (v->transport.len == 0 || i >= val.len ||
	    (val.p[i] != ' ' && val.p[i] != '\t' && val.p[i] != '\r'))
		return sipmsg_fail(c->err, 400, "Bad Via Transport");
	sipmsg_skip_ws(val, &i);
	for (s = i; i < val.len && val.p[i] != ';' && val.p[i] != ' ' &&
	     val.p[i] != '\t' && val.p[i] != '\r';
	     i++)
		;
	hp = (struct span){ val.p + s, i - s };
	if (!sipmsg_hostport_ok(hp))
		return sipmsg_fail(c->err, 400, "Bad Via Host");
	if (hp.p[0] == '[') {
		const char *rb = span_chr(hp, ']');

		v->host = (struct span){ hp.p + 1, (size_t)(rb - hp.p - 1) };
		colon = rb + 1 < hp.p + hp.len ? rb + 1 : NULL;
	} else {
		colon = span_chr(hp, ':');
		v->host = (struct span){ hp.p,
			colon ? (size_t)(colon - hp.p) : hp.len };
	}
	if (colon != NULL) {
		if (!span_to_u32((struct span){ colon + 1,
				     (size_t)(hp.p + hp.len - colon - 1) },
			65535, &port))
			return sipmsg_fail(c->err, 400, "Bad Via Host");
		v->port = (uint16_t)port;
	}
	sipmsg_skip_ws(val, &i);
	if (i < val.len && val.p[i] != ';')
		return sipmsg_fail(c->err, 400, "Bad Via");
	v->params = (struct span){ val.p + i, val.len - i };
	if (!sipmsg_params_ok(v->params))
		return sipmsg_fail(c->err, 400, "Bad Via Parameter");
	if (sipmsg_param(v->params, "branch", &v->branch) &&
	    (v->branch.len > SIPMSG_MAX_TAG ||
		!sipmsg_is_token(v->branch.p, v->branch.len)))
		return sipmsg_fail(c->err, 400, "Bad Branch");
	return 0;
}

/* Split a Via field at commas outside quotes and parse each value. */
static int
sipmsg_copy_vias(struct sipmsg_ctx *c, struct span val)
{
	size_t i, s = 0;
	bool q = false;

	for (i = 0; i <= val.len; i++) {
		if (i < val.len && val.p[i] == '"')
			q = !q;
		if (i == val.len || (!q && val.p[i] == ',')) {
			if (sipmsg_copy_via(
				c, (struct span){ val.p + s, i - s }) < 0)
				return -1;
			s = i + 1;
		}
	}
	return 0;
}

/* The CSeq: a number below 2**31 and a method token. */
static int
sipmsg_copy_cseq(struct sipmsg_ctx *c, struct span v)
{
	size_t i = 0;
	unsigned long n;
	struct span num;

	v = span_trim_lws(v);
	while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
		i++;
	num = (struct span){ v.p, i };
	if (!span_to_u32(num, SIPMSG_MAX_CSEQ, &n))
		return sipmsg_fail(c->err, 400, "Bad CSeq");
	c->m->cseq = (uint32_t)n;
	v = span_trim_lws((struct span){ v.p + i, v.len - i });
	if (!sipmsg_is_token(v.p, v.len) || i == 0 || v.p == num.p + num.len)
		return sipmsg_fail(c->err, 400, "Bad CSeq");
	c->m->cseq_method = v;
	return 0;
}

/* Fill the single-value fields; refuse a second copy of any. */
static int
sipmsg_copy_single(struct sipmsg_ctx *c, struct sipmsg_hdr *h, uint64_t *seen)
{
	struct sipmsg *m = c->m;
	unsigned long n;
	struct span v = span_trim_lws(h->value);

	if (*seen & ((uint64_t)1 << h->id)) {
		/* Equal Content-Length copies are tolerated (none at all
		 * different: RFC 4475 3.3.9). */
		return sipmsg_fail(c->err, 400, "Duplicate Header");
	}
	*seen |= (uint64_t)1 << h->id;
	switch (h->id) {
	case SIPMSG_H_CALL_ID:
		if (v.len == 0 || v.len > SIPMSG_MAX_CALLID)
			return sipmsg_fail(c->err, 400, "Bad Call-ID");
		for (size_t i = 0; i < v.len; i++)
			if ((unsigned char)v.p[i] <= 0x20 ||
			    (unsigned char)v.p[i] >= 0x7f)
				return sipmsg_fail(c->err, 400, "Bad Call-ID");
		m->call_id = v;
		return 0;
	case SIPMSG_H_CSEQ:
		return sipmsg_copy_cseq(c, v);
	case SIPMSG_H_MAX_FORWARDS:
		if (!sipmsg_number(v, SIPMSG_MAX_MAXFWD, &n))
			return sipmsg_fail(c->err, 400, "Bad Max-Forwards");
		m->have_max_forwards = true;
		m->max_forwards = (unsigned int)n;
		return 0;
	case SIPMSG_H_EXPIRES:
		if (!sipmsg_number(v, SIPMSG_MAX_EXPIRES, &n))
			return sipmsg_fail(c->err, 400, "Bad Expires");
		m->have_expires = true;
		m->expires = (uint32_t)n;
		return 0;
	case SIPMSG_H_CONTENT_LENGTH:
		if (!sipmsg_number(v, 0xffffffffUL, &n))
			return sipmsg_fail(c->err, 400, "Bad Content-Length");
		m->have_content_length = true;
		m->content_length = (size_t)n;
		return 0;
	case SIPMSG_H_CONTENT_TYPE:
		m->content_type = v;
		return 0;
	default:
		return 0;
	}
}

/* Which fields may appear only once (RFC 3261 7.3.1). */
static bool
sipmsg_single(enum sipmsg_hid id)
{
	switch (id) {
	case SIPMSG_H_FROM:
	case SIPMSG_H_TO:
	case SIPMSG_H_CALL_ID:
	case SIPMSG_H_CSEQ:
	case SIPMSG_H_MAX_FORWARDS:
	case SIPMSG_H_EXPIRES:
	case SIPMSG_H_CONTENT_LENGTH:
	case SIPMSG_H_CONTENT_TYPE:
	case SIPMSG_H_MIN_EXPIRES:
		return true;
	default:
		return false;
	}
}

/* Copy one libre header out and decode the ones we use. */
static int
sipmsg_copy_hdr(struct sipmsg_ctx *c, const struct sip_hdr *lh, uint64_t *seen)
{
	struct sipmsg *m = c->m;
	struct sipmsg_hdr *h;
	unsigned long n;

	if (m->nhdrs >= SIPMSG_MAX_HDRS)
		return sipmsg_fail(c->err, 513, "Too Many Headers");
	h = &m->hdrs[m->nhdrs++];
	h->name = sipmsg_span(c, &lh->name);
	h->value = sipmsg_span(c, &lh->val);
	h->id = sipmsg_hid_from(h->name);
	if (sipmsg_single(h->id) && h->id != SIPMSG_H_FROM &&
	    h->id != SIPMSG_H_TO && sipmsg_copy_single(c, h, seen) < 0)
		return -1;
	switch (h->id) {
	case SIPMSG_H_VIA:
		return sipmsg_copy_vias(c, h->value);
	case SIPMSG_H_FROM:
	case SIPMSG_H_TO:
		if (*seen & ((uint64_t)1 << h->id))
			return sipmsg_fail(c->err, 400, "Duplicate Header");
		*seen |= (uint64_t)1 << h->id;
		return sipmsg_copy_addr(c,
		    h->id == SIPMSG_H_FROM ? &m->from : &m->to, &lh->val, true);
	case SIPMSG_H_CONTACT:
		if (span_eq(span_trim_lws(h->value), SPAN_LIT("*"))) {
			m->contact_star = true;
			m->ncontact++;
			return 0;
		}
		if (m->ncontact++ == 0)
			return sipmsg_copy_addr(
			    c, &m->contact, &lh->val, false);
		{
			struct sipmsg_addr tmp;

			memset(&tmp, 0, sizeof(tmp));
			return sipmsg_copy_addr(c, &tmp, &lh->val, false);
		}
	case SIPMSG_H_ROUTE:
		if (m->nroute >= SIPMSG_MAX_ROUTES)
			return sipmsg_fail(c->err, 400, "Too Many Route");
		return sipmsg_copy_addr(
		    c, &m->route[m->nroute++], &lh->val, false);
	case SIPMSG_H_RECORD_ROUTE:
		if (m->nrecord_route >= SIPMSG_MAX_ROUTES)
			return sipmsg_fail(
			    c->err, 400, "Too Many Record-Route");
		return sipmsg_copy_addr(
		    c, &m->record_route[m->nrecord_route++], &lh->val, false);
	case SIPMSG_H_USER_AGENT:
	case SIPMSG_H_SERVER:
		if (m->user_agent.len == 0)
			m->user_agent = span_trim_lws(h->value);
		return 0;
	case SIPMSG_H_RETRY_AFTER:
	case SIPMSG_H_MIN_EXPIRES: {
		struct span v = span_trim_lws(h->value);
		size_t i = 0;

		while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
			i++;
		if (!span_to_u32((struct span){ v.p, i }, 0xffffffffUL, &n))
			return sipmsg_fail(c->err, 400, "Bad Number");
		return 0;
	}
	default:
		return 0;
	}
}

/* After all headers: what every message must carry, and consistency. */
static int
sipmsg_check_mandatory(struct sipmsg_ctx *c, uint64_t seen)
{
	struct sipmsg *m = c->m;
	enum sipmsg_method cm;

	if (m->nvia == 0)
		return sipmsg_fail(c->err, 400, "Missing Via");
	if (!(seen & ((uint64_t)1 << SIPMSG_H_FROM)))
		return sipmsg_fail(c->err, 400, "Missing From");
	if (!(seen & ((uint64_t)1 << SIPMSG_H_TO)))
		return sipmsg_fail(c->err, 400, "Missing To");
	if (!(seen & ((uint64_t)1 << SIPMSG_H_CALL_ID)))
		return sipmsg_fail(c->err, 400, "Missing Call-ID");
	if (!(seen & ((uint64_t)1 << SIPMSG_H_CSEQ)))
		return sipmsg_fail(c->err, 400, "Missing CSeq");
	cm = sipmsg_method_from(m->cseq_method);
	if (m->is_request) {
		if (!span_eq(m->method_name, m->cseq_method))
			return sipmsg_fail(c->err, 400, "CSeq Method Mismatch");
	} else {
		m->method = cm;
		m->method_name = m->cseq_method;
	}
	return 0;
}

/*
 * Hide the Via fields from libre in its own copy (names overwritten with
 * '~', same length, so every offset stays valid): libre refuses a top Via
 * without a branch, and we parse Vias ourselves.
 */
static void
sipmsg_hide_vias(char *p, size_t hdr_len)
{
	size_t pos = 0, i;
	const char *lf;

	while (pos < hdr_len &&
	    (lf = memchr(p + pos, '\n', hdr_len - pos)) != NULL) {
		pos = (size_t)(lf - p) + 1;
		if (pos >= hdr_len || p[pos] == ' ' || p[pos] == '\t')
			continue;
		for (i = pos; i < hdr_len && sipmsg_tokenc((unsigned char)p[i]);
		     i++)
			;
		if (sipmsg_hid_from((struct span){ p + pos, i - pos }) ==
		    SIPMSG_H_VIA)
			memset(p + pos, '~', i - pos);
	}
}

/* Decode with libre and copy everything out. */
static int
sipmsg_decode(struct sipmsg_ctx *c, size_t hdr_len)
{
	struct sipmsg *m = c->m;
	struct mbuf *mb;
	struct sip_msg *lm = NULL;
	struct le *le;
	uint64_t seen = 0;
	struct span hp;
	int rc = -1;

	mb = mbuf_alloc(m->raw_len_ + 1);
	if (mb == NULL)
		return sipmsg_fail(c->err, 500, "Out Of Memory");
	if (mbuf_write_mem(mb, (const uint8_t *)m->raw_, m->raw_len_) != 0) {
		sipmsg_fail(c->err, 500, "Out Of Memory");
		goto out;
	}
	mb->pos = 0;
	c->base = (const char *)mb->buf;
	sipmsg_hide_vias((char *)mb->buf, hdr_len);
	if (sip_msg_decode(&lm, mb) != 0) {
		sipmsg_fail(c->err, 400, "Bad Message");
		goto out;
	}
	c->lm = lm;
	m->is_request = lm->req;
	if (m->is_request) {
		m->method_name = sipmsg_span(c, &lm->met);
		m->method = sipmsg_method_from(m->method_name);
		if (sipmsg_copy_uri(c, &m->ruri, &lm->ruri, &lm->uri) < 0)
			goto out;
		if (!span_eq_str_nocase(m->ruri.scheme, "sip") &&
		    !span_eq_str_nocase(m->ruri.scheme, "sips")) {
			sipmsg_fail(c->err, 416, "Unsupported URI Scheme");
			goto out;
		}
		hp = sipmsg_uri_hostport(m->ruri.raw);
		if (hp.len > 0 &&
		    span_chr(
			(struct span){ hp.p,
			    (size_t)(m->ruri.raw.p + m->ruri.raw.len - hp.p) },
			'?') != NULL) {
			sipmsg_fail(c->err, 400, "Headers In Request-URI");
			goto out;
		}
	} else {
		m->scode = lm->scode;
		m->reason = sipmsg_span(c, &lm->reason);
		if (m->scode < 100 || m->scode > 699) {
			sipmsg_fail(c->err, 400, "Bad Status Code");
			goto out;
		}
	}
	for (le = lm->hdrl.head; le != NULL; le = le->next)
		if (sipmsg_copy_hdr(c, le->data, &seen) < 0)
			goto out;
	if (sipmsg_check_mandatory(c, seen) < 0)
		goto out;
	m->body = (struct span){ m->raw_ + hdr_len, m->raw_len_ - hdr_len };
	if (m->have_content_length) {
		if (m->content_length > m->body.len) {
			sipmsg_fail(c->err, 400, "Content-Length Past The End");
			goto out;
		}
		m->body.len = m->content_length;
	}
	rc = 0;
out:
	mem_deref(lm);
	mem_deref(mb);
	return rc;
}

/* Parse and validate one framed message. */
struct sipmsg *
sipmsg_parse(const char *p, size_t len, struct sipmsg_error *err)
{
	struct sipmsg_ctx c;
	struct sipmsg *m;
	const char *end = NULL;
	size_t i, hdr_len;

	err->scode = 0;
	err->reason = NULL;
	if (len > SIPFRAME_MAX_MSG) {
		sipmsg_fail(err, 513, "Message Too Large");
		return NULL;
	}
	for (i = 0; i + 4 <= len; i++)
		if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0) {
			end = p + i;
			break;
		}
	if (end == NULL) {
		sipmsg_fail(err, 400, "Header Not Terminated");
		return NULL;
	}
	hdr_len = (size_t)(end - p) + 4;
	if (sipmsg_check_headers(p, hdr_len, err) < 0)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->raw_ = xmalloc(len + 1);
	memcpy(m->raw_, p, len);
	m->raw_[len] = '\0';
	m->raw_len_ = len;
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.err = err;
	if (sipmsg_decode(&c, hdr_len) < 0) {
		sipmsg_free(m);
		return NULL;
	}
	return m;
}
