/*
 * siphdr: writers for SIP header lines. See siphdr.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "siphdr.h"

/* True for white space, folded line ends included. */
static bool
siphdr_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append v trimmed, every run of white space (folds too) as one SP. */
int
siphdr_add_value(struct buf *b, struct span v)
{
	size_t i;
	bool space = false, any = false;

	for (i = 0; i < v.len; i++) {
		if (siphdr_ws(v.p[i])) {
			space = any;
			continue;
		}
		if (space)
			buf_addc(b, ' ');
		space = false;
		any = true;
		buf_addc(b, v.p[i]);
	}
	return b->overflow ? -1 : 0;
}

/* Append "Name: value" with the value unfolded. */
int
siphdr_add(struct buf *b, const char *name, struct span value)
{
	buf_addstr(b, name);
	buf_add(b, ": ", 2);
	siphdr_add_value(b, value);
	return buf_add(b, "\r\n", 2);
}

/* Append "Name: value" for a C string. */
int
siphdr_add_str(struct buf *b, const char *name, const char *value)
{
	return siphdr_add(b, name, span_cstr(value));
}

/* Append "Name: n". */
int
siphdr_add_u32(struct buf *b, const char *name, uint32_t n)
{
	return buf_printf(b, "%s: %lu\r\n", name, (unsigned long)n);
}

/* Append ["display" ]<uri>[;tag=tag]. */
int
siphdr_add_nameaddr(
    struct buf *b, const char *display, const char *uri, const char *tag)
{
	const char *p;

	if (display != NULL && display[0] != '\0') {
		buf_addc(b, '"');
		for (p = display; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				continue;
			if (*p == '"' || *p == '\\')
				buf_addc(b, '\\');
			buf_addc(b, *p);
		}
		buf_add(b, "\" ", 2);
	}
	buf_addc(b, '<');
	buf_addstr(b, uri);
	buf_addc(b, '>');
	if (tag != NULL && tag[0] != '\0') {
		buf_add(b, ";tag=", 5);
		buf_addstr(b, tag);
	}
	return b->overflow ? -1 : 0;
}

/* True for a token character. */
static bool
siphdr_tokenc(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

/* True if s is a non-empty token. */
bool
siphdr_is_token(struct span s)
{
	size_t i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++)
		if (!siphdr_tokenc((unsigned char)s.p[i]))
			return false;
	return true;
}

/* True if s has no control character but HT. */
bool
siphdr_is_text(struct span s)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}
