/*
 * Bounded growable byte buffers for the pure builders, and spans: zero-copy
 * (pointer, length) views into bytes someone else owns.
 */
#ifndef ONIONSIP_BUF_H
#define ONIONSIP_BUF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A buffer never grows past max. A write that would goes nowhere and makes
 * the buffer overflowed for good, so a builder can write a whole message
 * and check once at the end.
 */
struct buf {
	char *data; /* owned; NUL-terminated past len when not NULL */
	size_t len;
	size_t cap;
	size_t max;
	bool overflow;
};

/* A view of len bytes at p; p may hold NULs and is not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

#define SPAN_LIT(s) ((struct span){ (s), sizeof(s) - 1 })

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t len);
int buf_addc(struct buf *b, char c);
int buf_addstr(struct buf *b, const char *s);
int buf_addspan(struct buf *b, struct span s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *buf_steal(struct buf *b, size_t *lenp);

struct span span_cstr(const char *s);
bool span_eq(struct span a, struct span b);
bool span_eq_nocase(struct span a, struct span b);
bool span_eq_str_nocase(struct span a, const char *s);
struct span span_trim(struct span s);
struct span span_trim_lws(struct span s);
bool span_has_prefix_nocase(struct span s, const char *prefix);
const char *span_chr(struct span s, char c);
bool span_to_u32(struct span s, unsigned long max, unsigned long *out);

#endif
