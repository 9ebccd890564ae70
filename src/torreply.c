#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "torreply.h"
#include "xmalloc.h"

/* Find the end of the line at p: returns its length without CR LF. */
static const char *
torreply_eol(const char *p, size_t len, size_t *linelen, size_t *skip)
{
	const char *nl = memchr(p, '\n', len);

	if (nl == NULL)
		return NULL;
	*linelen = (size_t)(nl - p);
	*skip = *linelen + 1;
	if (*linelen > 0 && p[*linelen - 1] == '\r')
		(*linelen)--;
	return nl;
}

/* Free what a reply holds. */
void
torreply_free(struct torreply *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlines; i++) {
		free(r->lines[i].text);
		free(r->lines[i].data);
	}
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

/* Whether the line starts with a three-digit code and a separator. */
static int
torreply_head(const char *p, size_t len, int *code, char *sep)
{
	if (len < 4 || p[0] < '1' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return -1;
	if (p[3] != '-' && p[3] != '+' && p[3] != ' ')
		return -1;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	*sep = p[3];
	return 0;
}

/*
 * Scan a data block starting at p (after a '+' line): up to the line ".".
 * Returns the bytes it spans (0: not complete yet, -1: line too long);
 * with out, writes the unstuffed data.
 */
static long
torreply_data(const char *p, size_t len, char *out, size_t *outlen)
{
	size_t off = 0, linelen, skip, o = 0;
	const char *line;

	for (;;) {
		line = p + off;
		if (torreply_eol(line, len - off, &linelen, &skip) == NULL)
			return len - off > TORREPLY_MAX_LINE ? -1 : 0;
		if (linelen > TORREPLY_MAX_LINE)
			return -1;
		off += skip;
		if (linelen == 1 && line[0] == '.') {
			if (outlen != NULL)
				*outlen = o;
			return (long)off;
		}
		/* control-spec 2.3: a leading "." is doubled on the wire. */
		if (linelen > 0 && line[0] == '.') {
			line++;
			linelen--;
		}
		if (out != NULL) {
			memcpy(out + o, line, linelen);
			out[o + linelen] = '\n';
		}
		o += linelen + 1;
	}
}

/* Parse one whole reply at the head of p (see torreply.h). */
enum torreply_result
torreply_parse(const char *p, size_t len, size_t *used, struct torreply *r,
    const char **why)
{
	size_t off = 0, linelen, skip, nlines = 0, datalen, limit;
	int code, first = -1;
	long dl;
	char sep;

	memset(r, 0, sizeof(*r));
	limit = len < TORREPLY_MAX_REPLY ? len : TORREPLY_MAX_REPLY;
	/* First pass: is a whole, well-formed reply there? */
	for (;;) {
		if (torreply_eol(p + off, limit - off, &linelen, &skip) ==
		    NULL) {
			if (limit - off > TORREPLY_MAX_LINE ||
			    limit == TORREPLY_MAX_REPLY) {
				*why = "reply too long";
				return TORREPLY_ERROR;
			}
			return TORREPLY_NEED_MORE;
		}
		if (linelen > TORREPLY_MAX_LINE) {
			*why = "line too long";
			return TORREPLY_ERROR;
		}
		if (torreply_head(p + off, linelen, &code, &sep) != 0) {
			*why = "malformed reply line";
			return TORREPLY_ERROR;
		}
		if (first != -1 && code != first) {
			*why = "status code changed inside a reply";
			return TORREPLY_ERROR;
		}
		first = code;
		if (++nlines > TORREPLY_MAX_LINES) {
			*why = "too many reply lines";
			return TORREPLY_ERROR;
		}
		off += skip;
		if (sep == '+') {
			dl = torreply_data(p + off, limit - off, NULL, NULL);
			if (dl < 0) {
				*why = "data line too long";
				return TORREPLY_ERROR;
			}
			if (dl == 0) {
				if (limit == TORREPLY_MAX_REPLY) {
					*why = "reply too long";
					return TORREPLY_ERROR;
				}
				return TORREPLY_NEED_MORE;
			}
			off += (size_t)dl;
		}
		if (sep == ' ')
			break;
	}
	/* Second pass: copy it out. */
	*used = off;
	r->code = first;
	r->async = first >= 600 && first < 700;
	r->lines = xcalloc(nlines, sizeof(*r->lines));
	off = 0;
	while (r->nlines < nlines) {
		struct torreply_line *l = &r->lines[r->nlines++];

		torreply_eol(p + off, *used - off, &linelen, &skip);
		sep = p[off + 3];
		l->text = xstrndup(p + off + 4, linelen - 4);
		off += skip;
		if (sep == '+') {
			l->data = xmalloc(*used - off + 1);
			dl = torreply_data(
			    p + off, *used - off, l->data, &datalen);
			l->data[datalen] = '\0';
			l->datalen = datalen;
			off += (size_t)dl;
		}
	}
	return TORREPLY_DONE;
}

/* Unescape a quoted string (control-spec 2.1: C-style escapes). */
int
torreply_unquote(const char *p, const char **end, char *out, size_t outlen)
{
	size_t o = 0;
	char c;

	if (*p++ != '"' || outlen == 0)
		return -1;
	for (;;) {
		c = *p++;
		if (c == '\0')
			return -1;
		if (c == '"')
			break;
		if (c == '\\') {
			c = *p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case '\0':
				return -1;
			default:
				break;
			}
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	if (end != NULL)
		*end = p;
	return 0;
}

/* Copy a bare or quoted value at p. */
static int
torreply_value(const char *p, char *out, size_t outlen)
{
	size_t n;

	if (*p == '"')
		return torreply_unquote(p, NULL, out, outlen);
	n = strcspn(p, " ");
	if (n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* The value of KEY=VALUE among space-separated arguments. */
int
torreply_arg(const char *text, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = text;
	char tmp[TORREPLY_MAX_LINE];

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
			return torreply_value(p + klen + 1, out, outlen);
		/* Skip this argument, quoted parts included. */
		while (*p != '\0' && *p != ' ') {
			if (*p == '"') {
				if (torreply_unquote(p, &p, tmp, sizeof(tmp)) !=
				    0)
					return -1;
			} else
				p++;
		}
	}
	return -1;
}

/* For a line "key=value": the value. */
int
torreply_kv(const char *text, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), n;

	if (strncmp(text, key, klen) != 0 || text[klen] != '=')
		return -1;
	text += klen + 1;
	if (*text == '"')
		return torreply_unquote(text, NULL, out, outlen);
	n = strlen(text);
	if (n >= outlen)
		return -1;
	memcpy(out, text, n + 1);
	return 0;
}

/* Quote s for a control command. */
int
torreply_quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen < 3)
		return -1;
	out[o++] = '"';
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return -1;
		if (o + 4 > outlen)
			return -1;
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}
