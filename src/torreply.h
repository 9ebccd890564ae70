/*
 * torreply: tor control-port replies (control-spec section 2.3), pure.
 * A reply is lines "CODE-text", "CODE+text" followed by a dot-terminated
 * data block, and a final "CODE text"; code 650 marks an asynchronous
 * event. Plus helpers for the KEY=VALUE and quoted-string forms inside.
 */
#ifndef ONIONSIP_TORREPLY_H
#define ONIONSIP_TORREPLY_H

#include <stdbool.h>
#include <stddef.h>

#define TORREPLY_MAX_REPLY (256 * 1024) /* bytes of one whole reply */
#define TORREPLY_MAX_LINE  8192		/* bytes of one line */
#define TORREPLY_MAX_LINES 512		/* lines of one reply */

/* One line of a reply: the text after "CODE?", and a data block for '+'. */
struct torreply_line {
	char *text;
	char *data; /* "+" lines: unstuffed, "\n"-separated; else NULL */
	size_t datalen;
};

/* A whole reply; owned by the caller, freed by torreply_free(). */
struct torreply {
	int code;   /* 250, 5xx, 650 ... */
	bool async; /* 6xx: an event, not the answer to a command */
	struct torreply_line *lines;
	size_t nlines;
};

enum torreply_result {
	TORREPLY_NEED_MORE = 0,
	TORREPLY_DONE = 1,
	TORREPLY_ERROR = -1,
};

/*
 * Look at the len bytes received so far: when they begin with a whole
 * reply, fill r, set *used to its length and return DONE. NEED_MORE when
 * it is not complete yet; ERROR with *why when it is malformed or too big.
 */
enum torreply_result torreply_parse(const char *p, size_t len, size_t *used,
    struct torreply *r, const char **why);
void torreply_free(struct torreply *r);

/*
 * In a line of space-separated arguments, the value of KEY=VALUE (a quoted
 * value unescaped). Returns 0, or -1 when missing or longer than outlen.
 */
int torreply_arg(const char *text, const char *key, char *out, size_t outlen);
/* For a line "key=value": the value, unquoted if quoted; 0 or -1. */
int torreply_kv(const char *text, const char *key, char *out, size_t outlen);
/*
 * Unescape the quoted string at p (which starts with '"'); sets *end past
 * the closing quote. Returns 0, or -1 when unterminated or too long.
 */
int torreply_unquote(const char *p, const char **end, char *out, size_t outlen);
/* Quote s for a command (backslash-escaping '"' and '\'); 0 or -1. */
int torreply_quote(const char *s, char *out, size_t outlen);

#endif
