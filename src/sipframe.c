/*
 * sipframe: find where a SIP message ends, with hard limits, before any
 * parser sees it. See sipframe.h.
 */
#include "config.h"

#include <string.h>

#include "sipframe.h"

/* What the scan of a header section found. */
struct sipframe_scan {
	size_t hdr_len; /* up to and including the empty line; 0 if none yet */
	bool have_cl;
	size_t cl;
};

/* Fill r as an error and return its status. */
static enum sipframe_status
sipframe_error(struct sipframe_result *r, int scode, const char *reason)
{
	r->status = SIPFRAME_ERROR;
	r->scode = scode;
	r->reason = reason;
	return r->status;
}

/* Lower-case an ASCII letter. */
static int
sipframe_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* True if the line (without CRLF) names Content-Length (long or "l"). */
static bool
sipframe_is_clen(const char *p, size_t n, size_t *valoff)
{
	static const char name[] = "content-length";
	size_t i = 0, k;

	while (i < n && p[i] != ':' && p[i] != ' ' && p[i] != '\t')
		i++;
	if (i == 1 && sipframe_lower(p[0]) == 'l')
		;
	else if (i == sizeof(name) - 1) {
		for (k = 0; k < i; k++)
			if (sipframe_lower((unsigned char)p[k]) != name[k])
				return false;
	} else
		return false;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i] != ':')
		return false;
	*valoff = i + 1;
	return true;
}

/*
 * Parse a Content-Length value (with any continuation lines already
 * joined by the caller's view: v spans the rest of the logical line).
 * 1 ok, 0 malformed, -1 too large.
 */
static int
sipframe_parse_clen(const char *v, size_t n, size_t *out)
{
	size_t i = 0, val = 0, digits = 0;

	while (i < n &&
	    (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
		i++;
	while (i < n && v[i] >= '0' && v[i] <= '9') {
		if (val > SIPFRAME_MAX_BODY)
			return -1; /* keep counting digits, but no overflow */
		val = val * 10 + (size_t)(v[i] - '0');
		i++;
		digits++;
	}
	while (i < n &&
	    (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
		i++;
	if (digits == 0 || i != n)
		return 0;
	if (val > SIPFRAME_MAX_BODY)
		return -1;
	*out = val;
	return 1;
}

/*
 * Walk the header section line by line. Returns 0 with scan->hdr_len set
 * (or 0 when the empty line has not arrived), or an error in r.
 */
static int
sipframe_scan_headers(const char *p, size_t len, struct sipframe_scan *scan,
    struct sipframe_result *r)
{
	size_t pos = 0, nlines = 0, lstart, cl_val = 0, cl;
	bool in_cl = false;
	int rc;

	memset(scan, 0, sizeof(*scan));
	for (;;) {
		const char *lf;

		lstart = pos;
		lf = memchr(p + pos, '\n', len - pos);
		if (lf == NULL) {
			if (len - lstart > SIPFRAME_MAX_LINE) {
				sipframe_error(r, 513, "header line too long");
				return -1;
			}
			if (len > SIPFRAME_MAX_HEADER) {
				sipframe_error(r, 513, "header too large");
				return -1;
			}
			break;
		}
		pos = (size_t)(lf - p) + 1;
		if (pos - lstart < 2 || p[pos - 2] != '\r') {
			sipframe_error(r, 400, "bare LF in header");
			return -1;
		}
		if (pos - lstart - 2 > SIPFRAME_MAX_LINE) {
			sipframe_error(r, 513, "header line too long");
			return -1;
		}
		if (pos > SIPFRAME_MAX_HEADER) {
			sipframe_error(r, 513, "header too large");
			return -1;
		}
		/* A continuation line belongs to the field before it. */
		if (lstart > 0 && pos - lstart > 2 &&
		    (p[lstart] == ' ' || p[lstart] == '\t')) {
			if (++nlines > SIPFRAME_MAX_HEADERS) {
				sipframe_error(r, 513, "too many header lines");
				return -1;
			}
			continue;
		}
		/* The end of a Content-Length field, folded or not. */
		if (in_cl) {
			rc = sipframe_parse_clen(
			    p + cl_val, lstart - cl_val - 2, &cl);
			if (rc == 0) {
				sipframe_error(r, 400, "bad Content-Length");
				return -1;
			}
			if (rc < 0) {
				sipframe_error(r, 413, "body too large");
				return -1;
			}
			if (scan->have_cl && scan->cl != cl) {
				sipframe_error(r, 400,
				    "conflicting Content-Length values");
				return -1;
			}
			scan->have_cl = true;
			scan->cl = cl;
			in_cl = false;
		}
		if (pos - lstart == 2) {
			if (lstart == 0) {
				sipframe_error(r, 400, "empty start line");
				return -1;
			}
			scan->hdr_len = pos;
			return 0;
		}
		if (lstart > 0) {
			size_t off;

			if (++nlines > SIPFRAME_MAX_HEADERS) {
				sipframe_error(r, 513, "too many header lines");
				return -1;
			}
			if (sipframe_is_clen(
				p + lstart, pos - lstart - 2, &off)) {
				in_cl = true;
				cl_val = lstart + off;
			}
		}
	}
	return 0;
}

/* Leading CRLFs: a keep-alive to drop. 1 if r is filled, 0 if none. */
static int
sipframe_keepalive(
    const char *p, size_t len, bool datagram, struct sipframe_result *r)
{
	if (len == 0 || p[0] != '\r')
		return 0;
	if (len >= 4 && memcmp(p, "\r\n\r\n", 4) == 0) {
		r->status = SIPFRAME_KEEPALIVE;
		r->len = 4;
		r->ping = true;
		return 1;
	}
	if (len >= 2 && p[1] == '\n') {
		/* Over a stream "\r\n\r" may become a ping: wait. */
		if (!datagram && len == 3 && p[2] == '\r') {
			r->status = SIPFRAME_NEED_MORE;
			return 1;
		}
		r->status = SIPFRAME_KEEPALIVE;
		r->len = 2;
		return 1;
	}
	if (len == 1 && !datagram) {
		r->status = SIPFRAME_NEED_MORE;
		return 1;
	}
	sipframe_error(r, 400, "stray CR");
	return 1;
}

/* Frame len bytes at the start of a stream. */
enum sipframe_status
sipframe_stream(const char *p, size_t len, struct sipframe_result *r)
{
	struct sipframe_scan scan;
	size_t body;

	memset(r, 0, sizeof(*r));
	r->status = SIPFRAME_NEED_MORE;
	if (sipframe_keepalive(p, len, false, r))
		return r->status;
	if (len > 0 && p[0] == '\n')
		return sipframe_error(r, 400, "bare LF in header");
	if (sipframe_scan_headers(p, len, &scan, r) < 0)
		return r->status;
	if (scan.hdr_len == 0)
		return r->status;
	body = scan.have_cl ? scan.cl : 0;
	if (len - scan.hdr_len < body) {
		r->need = scan.hdr_len + body;
		return r->status;
	}
	r->status = SIPFRAME_MESSAGE;
	r->hdr_len = scan.hdr_len;
	r->body_len = body;
	r->len = scan.hdr_len + body;
	return r->status;
}

/* Frame one datagram. */
enum sipframe_status
sipframe_datagram(const char *p, size_t len, struct sipframe_result *r)
{
	struct sipframe_scan scan;
	size_t avail;

	memset(r, 0, sizeof(*r));
	if (sipframe_keepalive(p, len, true, r))
		return r->status;
	if (len == 0)
		return sipframe_error(r, 400, "empty datagram");
	if (p[0] == '\n')
		return sipframe_error(r, 400, "bare LF in header");
	if (len > SIPFRAME_MAX_MSG)
		return sipframe_error(r, 513, "message too large");
	if (sipframe_scan_headers(p, len, &scan, r) < 0)
		return r->status;
	if (scan.hdr_len == 0)
		return sipframe_error(r, 400, "header not terminated");
	avail = len - scan.hdr_len;
	if (!scan.have_cl) {
		if (avail > SIPFRAME_MAX_BODY)
			return sipframe_error(r, 413, "body too large");
		r->body_len = avail;
	} else if (scan.cl > avail)
		return sipframe_error(r, 400, "Content-Length past the end");
	else
		r->body_len = scan.cl;
	r->status = SIPFRAME_MESSAGE;
	r->hdr_len = scan.hdr_len;
	r->len = scan.hdr_len + r->body_len;
	return r->status;
}

/* A status for logs. */
const char *
sipframe_status_str(enum sipframe_status s)
{
	switch (s) {
	case SIPFRAME_NEED_MORE:
		return "need-more";
	case SIPFRAME_MESSAGE:
		return "message";
	case SIPFRAME_KEEPALIVE:
		return "keepalive";
	case SIPFRAME_ERROR:
		return "error";
	}
	return "?";
}
