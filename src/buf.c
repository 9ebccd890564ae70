#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xmalloc.h"

/* An empty buffer that may hold at most max bytes. */
void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/* Release the bytes; the buffer may be initialised again. */
void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Empty the buffer, keeping its memory and its limit. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = false;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for need more bytes plus a NUL; false past the limit. */
static bool
buf_reserve(struct buf *b, size_t need)
{
	size_t want;

	if (b->overflow || need > b->max - b->len) {
		b->overflow = true;
		return false;
	}
	want = b->len + need + 1;
	if (want > b->cap) {
		size_t cap = b->cap < 64 ? 64 : b->cap;

		while (cap < want)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		b->data = xreallocarray(b->data, cap, 1);
		b->cap = cap;
	}
	return true;
}

/* Append len bytes; -1 (and overflowed for good) past the limit. */
int
buf_add(struct buf *b, const void *p, size_t len)
{
	if (!buf_reserve(b, len))
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

/* Append one byte. */
int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* Append a C string. */
int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Append the bytes a span views. */
int
buf_addspan(struct buf *b, struct span s)
{
	return buf_add(b, s.p, s.len);
}

/* Append formatted text. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->overflow = true;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* Hand the bytes (NUL-terminated) to the caller and empty the buffer. */
char *
buf_steal(struct buf *b, size_t *lenp)
{
	char *p = b->data;

	if (p == NULL)
		p = xstrdup("");
	if (lenp != NULL)
		*lenp = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	b->overflow = false;
	return p;
}

/* A span over a C string. */
struct span
span_cstr(const char *s)
{
	return (struct span){ s, strlen(s) };
}

/* Byte-for-byte equality. */
bool
span_eq(struct span a, struct span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* ASCII case-insensitive equality. */
bool
span_eq_nocase(struct span a, struct span b)
{
	return a.len == b.len &&
	    (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0);
}

/* ASCII case-insensitive equality with a C string; NULs never match. */
bool
span_eq_str_nocase(struct span a, const char *s)
{
	return (a.len == 0 || memchr(a.p, '\0', a.len) == NULL) &&
	    span_eq_nocase(a, span_cstr(s));
}

/* The span without leading and trailing white space, line ends included
 * (SIP's LWS, folded lines). */
struct span
span_trim_lws(struct span s)
{
	while (s.len > 0 &&
	    (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' ||
		s.p[0] == '\n')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 &&
	    (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
		s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

/* The span without leading and trailing spaces and tabs. */
struct span
span_trim(struct span s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* Whether s starts with prefix, ignoring ASCII case. */
bool
span_has_prefix_nocase(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && strncasecmp(s.p, prefix, n) == 0 &&
	    memchr(s.p, '\0', n) == NULL;
}

/* The first c in s, or NULL. */
const char *
span_chr(struct span s, char c)
{
	return s.len == 0 ? NULL : memchr(s.p, c, s.len);
}

/*
 * Strict decimal: one or more digits, nothing else, value at most max.
 * Leading zeros are allowed (RFC 3261 numbers may carry them).
 */
bool
span_to_u32(struct span s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
		if (v > max || v > 0xffffffffUL)
			return false;
	}
	*out = v;
	return true;
}
