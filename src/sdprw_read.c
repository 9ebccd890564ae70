/*
 * The SDP reader: splits a body into lines (limits first), checks each line
 * type against the whitelist and takes from the lines only the values the
 * writer needs. Nothing it keeps is copied to the output as text except
 * numbers and the spans the writer checks again (rtpmap, fmtp).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sdprw.h"
#include "sdprw_int.h"

/* A reader's cursor over one line's value. */
struct sdprw_cur {
	const char *p;
	const char *end;
};

/* The next space-separated token of a value (empty at the end). */
static struct span
sdprw_token(struct sdprw_cur *c)
{
	struct span t;

	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	t.p = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
		c->p++;
	t.len = (size_t)(c->p - t.p);
	return t;
}

/* Whether the rest of a value is only blanks. */
static bool
sdprw_at_end(struct sdprw_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	return c->p == c->end;
}

/* A decimal uint64 (the o= version); false on overflow or junk. */
static bool
sdprw_to_u64(struct span s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.len == 0 || s.len > 20)
		return false;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s.p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return true;
}

/* Read an o= line: six fields, of which only the version is kept. */
static int
sdprw_read_origin(
    struct sdprw_cur *c, struct sdprw_parsed *p, const char **reason)
{
	struct span f[6];
	size_t i;

	for (i = 0; i < 6; i++)
		f[i] = sdprw_token(c);
	if (f[5].len == 0 || !sdprw_at_end(c)) {
		*reason = "o= line does not have six fields";
		return -1;
	}
	if (!sdprw_to_u64(f[2], &p->in_version)) {
		*reason = "o= session version is not a number";
		return -1;
	}
	return 0;
}

/* Whether s is a domain name (RFC 8866 allows one in c=). */
static bool
sdprw_is_name(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len > 253)
		return false;
	for (i = 0; i < s.len; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') ||
			(s.p[i] >= 'a' && s.p[i] <= 'z') ||
			(s.p[i] >= 'A' && s.p[i] <= 'Z') || s.p[i] == '-' ||
			s.p[i] == '.'))
			return false;
	return true;
}

/*
 * Read a c= line into addr: an IPv4 or IPv6 literal. A domain name is
 * accepted as SDP but leaves addr empty: using it would need a lookup, and
 * onionsip never resolves (the media layer refuses such a stream).
 * Multicast is not carried.
 */
static int
sdprw_read_conn(
    struct sdprw_cur *c, char *addr, bool *zero, const char **reason)
{
	struct span nt = sdprw_token(c), at = sdprw_token(c);
	struct span a = sdprw_token(c);
	unsigned char bin[16];
	int af;

	if (!span_eq_str_nocase(nt, "IN") || a.len == 0 || !sdprw_at_end(c)) {
		*reason = "c= line is malformed";
		return -1;
	}
	if (span_eq_str_nocase(at, "IP4"))
		af = AF_INET;
	else if (span_eq_str_nocase(at, "IP6"))
		af = AF_INET6;
	else {
		*reason = "c= address type is not IP4 or IP6";
		return -1;
	}
	if (span_chr(a, '/') != NULL) {
		*reason = "multicast c= is not carried";
		return -1;
	}
	*zero = false;
	addr[0] = '\0';
	if (a.len < 46) {
		memcpy(addr, a.p, a.len);
		addr[a.len] = '\0';
	}
	if (a.len >= 46 || inet_pton(af, addr, bin) != 1) {
		addr[0] = '\0';
		if (sdprw_is_name(a))
			return 0;
		*reason = "c= address is neither an IP literal nor a name";
		return -1;
	}
	*zero = af == AF_INET
	    ? memcmp(bin, "\0\0\0\0", 4) == 0
	    : memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0;
	return 0;
}

/* The canonical spelling of a known media type, or NULL. */
static const char *
sdprw_media_type(struct span t, enum sdprw_mtype *type)
{
	static const char *const other[] = { "text", "application", "message",
		"image" };
	size_t i;

	if (span_eq_str_nocase(t, "audio")) {
		*type = SDPRW_AUDIO;
		return "audio";
	}
	if (span_eq_str_nocase(t, "video")) {
		*type = SDPRW_VIDEO;
		return "video";
	}
	*type = SDPRW_OTHER;
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (span_eq_str_nocase(t, other[i]))
			return other[i];
	return NULL;
}

/* The canonical spelling of a known transport protocol, or NULL. */
static const char *
sdprw_proto(struct span t, bool *rtp, bool *secure)
{
	static const char *const protos[] = { "RTP/AVP", "RTP/SAVP", "RTP/AVPF",
		"RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF",
		"TCP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", "TCP/DTLS/SCTP",
		"DTLS/SCTP", "TCP/MSRP", "TCP/TLS/MSRP", "udptl", "TCP",
		"udp" };
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!span_eq_str_nocase(t, protos[i]))
			continue;
		*rtp = i < 4;
		*secure = i == 1 || i == 3;
		return protos[i];
	}
	*rtp = *secure = false;
	return NULL;
}

/* The first format of an m= line as written on a refused line. */
static void
sdprw_first_format(struct sdprw_pmedia *m, struct span f)
{
	static const char *const known[] = { "webrtc-datachannel", "t38", "*" };
	unsigned long n;
	size_t i;

	m->fmt0 = "0";
	if (span_to_u32(f, m->rtp ? 127 : 65535, &n)) {
		snprintf(m->fmt0buf, sizeof(m->fmt0buf), "%lu", n);
		m->fmt0 = m->fmt0buf;
		return;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (span_eq_str_nocase(f, known[i]))
			m->fmt0 = known[i];
}

/* Read an m= line: type, port, protocol and the formats offered. */
static int
sdprw_read_media(
    struct sdprw_cur *c, struct sdprw_parsed *p, const char **reason)
{
	struct sdprw_pmedia *m;
	struct span t = sdprw_token(c), port = sdprw_token(c);
	struct span proto = sdprw_token(c), f;
	const char *slash;
	unsigned long n;

	if (p->nmedia == SDPRW_MAX_MEDIA) {
		*reason = "too many m= lines";
		return -1;
	}
	m = &p->m[p->nmedia++];
	memset(m, 0, sizeof(*m));
	memset(m->idx, 0xff, sizeof(m->idx));
	m->dir = SDPRW_NO_DIR;
	if ((m->type_name = sdprw_media_type(t, &m->type)) == NULL) {
		*reason = "m= media type is unknown";
		return -1;
	}
	if ((slash = span_chr(port, '/')) != NULL) {
		m->port_count = true;
		port.len = (size_t)(slash - port.p);
	}
	if (!span_to_u32(port, 65535, &m->port) || proto.len == 0) {
		*reason = "m= line is malformed";
		return -1;
	}
	m->proto = sdprw_proto(proto, &m->rtp, &m->secure);
	f = sdprw_token(c);
	if (f.len == 0) {
		*reason = "m= line lists no format";
		return -1;
	}
	sdprw_first_format(m, f);
	for (; f.len > 0; f = sdprw_token(c)) {
		if (!m->rtp)
			continue;
		if (!span_to_u32(f, 127, &n)) {
			*reason = "m= payload type is not a number";
			return -1;
		}
		if (m->idx[n] != -1 || m->npts == SDPRW_MAX_OFFERED)
			continue;
		m->idx[n] = (int8_t)m->npts;
		m->pts[m->npts++].pt = (uint8_t)n;
	}
	return 0;
}

/* The entry of an offered payload type named by an attribute, or NULL. */
static struct sdprw_pt *
sdprw_pt_of(struct sdprw_pmedia *m, struct span s)
{
	unsigned long n;

	if (m == NULL || !span_to_u32(s, 127, &n) || m->idx[n] == -1)
		return NULL;
	return &m->pts[m->idx[n]];
}

/* a=rtpmap:<pt> <name>/<rate>[/<channels>] for an offered type. */
static void
sdprw_read_rtpmap(struct sdprw_pmedia *m, struct sdprw_cur *c)
{
	struct span pt = sdprw_token(c), enc = sdprw_token(c), r, ch;
	const char *s1, *s2;
	struct sdprw_pt *e;
	unsigned long rate, chan = 0;

	if ((e = sdprw_pt_of(m, pt)) == NULL || e->rtpmap || !sdprw_at_end(c) ||
	    (s1 = span_chr(enc, '/')) == NULL)
		return;
	r.p = s1 + 1;
	r.len = (size_t)(enc.p + enc.len - r.p);
	if ((s2 = span_chr(r, '/')) != NULL) {
		ch.p = s2 + 1;
		ch.len = (size_t)(r.p + r.len - ch.p);
		r.len = (size_t)(s2 - r.p);
		if (!span_to_u32(ch, 8, &chan) || chan == 0)
			return;
	}
	if (!span_to_u32(r, 192000, &rate) || rate == 0)
		return;
	e->rtpmap = true;
	e->name.p = enc.p;
	e->name.len = (size_t)(s1 - enc.p);
	e->rate = rate;
	e->channels = chan;
}

/* a=fmtp:<pt> <parameters> for an offered type (checked by the writer). */
static void
sdprw_read_fmtp(struct sdprw_pmedia *m, struct sdprw_cur *c)
{
	struct span pt = sdprw_token(c);
	struct sdprw_pt *e;

	if ((e = sdprw_pt_of(m, pt)) == NULL || e->has_fmtp)
		return;
	sdprw_at_end(c); /* skips the blanks before the parameters */
	e->has_fmtp = true;
	e->fmtp.p = c->p;
	e->fmtp.len = (size_t)(c->end - c->p);
}

/*
 * a=crypto:<tag> <suite> inline:<key>[|lifetime][|mki:len]: the first one
 * with a suite libre's SRTP knows, one key, no session parameters, only
 * base64 and lifetime/MKI characters. Kept whole for the media layer; never
 * written out (the caller writes its own key).
 */
static void
sdprw_read_crypto(struct sdprw_pmedia *m, struct sdprw_cur *c)
{
	static const char *const suites[] = { "AES_CM_128_HMAC_SHA1_80",
		"AES_CM_128_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80",
		"AES_256_CM_HMAC_SHA1_32" };
	struct span tag = sdprw_token(c), suite = sdprw_token(c);
	struct span key = sdprw_token(c);
	unsigned long n;
	size_t i, len;
	bool ok = false;

	if (m->crypto[0] != '\0' || !sdprw_at_end(c) ||
	    !span_to_u32(tag, 999999999, &n) ||
	    !span_has_prefix_nocase(key, "inline:") || key.len <= 7)
		return;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (span_eq_str_nocase(suite, suites[i]))
			ok = true;
	for (i = 7; ok && i < key.len; i++)
		if (strchr(
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/=|^:",
			key.p[i]) == NULL)
			ok = false;
	len = tag.len + 1 + suite.len + 1 + key.len;
	if (!ok || len > SDPRW_MAX_CRYPTO)
		return;
	snprintf(m->crypto, sizeof(m->crypto), "%.*s %.*s %.*s", (int)tag.len,
	    tag.p, (int)suite.len, suite.p, (int)key.len, key.p);
}

/* A direction attribute's value, or SDPRW_NO_DIR. */
static int
sdprw_direction(struct span name)
{
	if (span_eq_str_nocase(name, "sendrecv"))
		return SDPRW_SENDRECV;
	if (span_eq_str_nocase(name, "sendonly"))
		return SDPRW_SENDONLY;
	if (span_eq_str_nocase(name, "recvonly"))
		return SDPRW_RECVONLY;
	if (span_eq_str_nocase(name, "inactive"))
		return SDPRW_INACTIVE;
	return SDPRW_NO_DIR;
}

/*
 * An a= line. Only the attributes the writer rebuilds are read; every other
 * attribute (candidates, ICE, tool, ssrc, msid, extmap, fingerprint...) is
 * dropped here by not being named.
 */
static void
sdprw_read_attr(
    struct sdprw_parsed *p, struct sdprw_pmedia *m, struct sdprw_cur *c)
{
	struct span name;
	unsigned long n;
	int dir;

	name.p = c->p;
	while (c->p < c->end && *c->p != ':')
		c->p++;
	name.len = (size_t)(c->p - name.p);
	if (c->p < c->end)
		c->p++;
	if ((dir = sdprw_direction(name)) != SDPRW_NO_DIR) {
		if (m != NULL)
			m->dir = dir;
		else
			p->dir = dir;
	} else if (m == NULL) {
		return;
	} else if (span_eq_str_nocase(name, "rtpmap")) {
		sdprw_read_rtpmap(m, c);
	} else if (span_eq_str_nocase(name, "fmtp")) {
		sdprw_read_fmtp(m, c);
	} else if (span_eq_str_nocase(name, "ptime")) {
		if (span_to_u32(sdprw_token(c), 1000, &n) && n > 0)
			m->ptime = n;
	} else if (span_eq_str_nocase(name, "maxptime")) {
		if (span_to_u32(sdprw_token(c), 1000, &n) && n > 0)
			m->maxptime = n;
	} else if (span_eq_str_nocase(name, "rtcp")) {
		if (span_to_u32(sdprw_token(c), 65535, &n) && n > 0) {
			m->have_rtcp = true;
			m->rtcp_port = n;
		}
	} else if (span_eq_str_nocase(name, "rtcp-mux")) {
		m->rtcp_mux = true;
	} else if (span_eq_str_nocase(name, "crypto")) {
		sdprw_read_crypto(m, c);
	}
}

/* Whether a line's bytes are text: no NUL or control byte but tab. */
static bool
sdprw_line_ok(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return false;
		else if (p[i] == 0x7f)
			return false;
	return true;
}

/* Read one line; its type decides what is kept. */
static int
sdprw_read_line(struct sdprw_parsed *p, const char *l, size_t len,
    size_t lineno, const char **reason)
{
	struct sdprw_pmedia *m = p->nmedia ? &p->m[p->nmedia - 1] : NULL;
	struct sdprw_cur c = { l + 2, l + len };

	if (len < 2 || l[1] != '=') {
		*reason = "SDP line is not <type>=<value>";
		return -1;
	}
	if (!sdprw_line_ok(l, len)) {
		*reason = "SDP line holds a control character";
		return -1;
	}
	if (lineno == 0) {
		if (l[0] != 'v' || len != 3 || l[2] != '0') {
			*reason = "SDP does not start with v=0";
			return -1;
		}
		return 0;
	}
	if ((lineno == 1) != (l[0] == 'o')) {
		*reason = "o= is not the second line";
		return -1;
	}
	switch (l[0]) {
	case 'o':
		if (lineno != 1) {
			*reason = "o= is not the second line";
			return -1;
		}
		return sdprw_read_origin(&c, p, reason);
	case 'c':
		if (m != NULL) {
			m->have_c = true;
			return sdprw_read_conn(
			    &c, m->addr, &m->addr_zero, reason);
		}
		p->have_c = true;
		return sdprw_read_conn(&c, p->addr, &p->addr_zero, reason);
	case 'm':
		return sdprw_read_media(&c, p, reason);
	case 'a':
		sdprw_read_attr(p, m, &c);
		return 0;
	case 's': /* rewritten as s=- */
	case 't': /* rewritten as t=0 0 */
	case 'i': /* free text: a name, a device */
	case 'u': /* a URL */
	case 'e': /* an email address */
	case 'p': /* a phone number */
	case 'b': /* bandwidth: the relay decides */
	case 'r':
	case 'z':
	case 'k': /* obsolete keys */
		return 0;
	case 'v':
		*reason = "v= line repeated";
		return -1;
	default:
		*reason = "unknown SDP line type";
		return -1;
	}
}

/* Read a body; -1 with a reason if it is not SDP onionsip can carry. */
int
sdprw_read(
    const char *in, size_t len, struct sdprw_parsed *p, const char **reason)
{
	const char *l = in, *end = in + len, *nl;
	size_t n, lineno = 0;

	p->nmedia = 0;
	p->have_c = false;
	p->addr[0] = '\0';
	p->addr_zero = false;
	p->dir = SDPRW_NO_DIR;
	p->in_version = 0;
	if (len > SDPRW_MAX_BODY) {
		*reason = "SDP body too big";
		return -1;
	}
	while (l < end) {
		nl = memchr(l, '\n', (size_t)(end - l));
		n = (size_t)((nl != NULL ? nl : end) - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n > SDPRW_MAX_LINE) {
			*reason = "SDP line too long";
			return -1;
		}
		if (n > 0) { /* tolerate blank lines (a trailing CRLF) */
			if (lineno == SDPRW_MAX_LINES) {
				*reason = "too many SDP lines";
				return -1;
			}
			if (sdprw_read_line(p, l, n, lineno++, reason) == -1)
				return -1;
		}
		l = nl != NULL ? nl + 1 : end;
	}
	if (lineno < 2) {
		*reason = "SDP has no o= line";
		return -1;
	}
	return 0;
}
