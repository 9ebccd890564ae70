/*
 * The final leak check on every message toward the network. One pass over
 * the bytes: at each position the IP-literal scanner looks at runs of
 * [0-9A-Fa-f:.] (every IPv4 and IPv6 text form lives in such a run), and
 * the needle matcher compares the needles whose first byte (lower-cased)
 * is the byte under the cursor.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leakcheck.h"
#include "xmalloc.h"

#define LEAKCHECK_MAX_NEEDLE  256 /* bytes of one name or software string */
#define LEAKCHECK_MAX_ALLOWED 16  /* relay addresses of one call */
#define LEAKCHECK_MAX_RUN     64  /* longest run tried as an IP literal */
#define LEAKCHECK_MAX_OWN     8	  /* words of leakcheck_allow_word() */

/* An address in binary: IPv4 as the last 4 bytes of an IPv4-mapped one. */
struct leakcheck_addr {
	uint8_t a[16];
};

struct leakcheck_needle {
	char *s; /* lower-case */
	size_t len;
	bool word; /* must stand alone: no letter or digit either side */
	bool off;  /* made void by leakcheck_allow_word() */
	enum leakcheck_verdict verdict;
	int next; /* next needle with the same first byte, or -1 */
};

struct leakcheck {
	struct leakcheck_addr addrs[LEAKCHECK_MAX_NEEDLES];
	size_t naddrs;
	struct leakcheck_needle needles[LEAKCHECK_MAX_NEEDLES];
	size_t nneedles;
	int first[2][256]; /* needle chains by kind (word?) and first byte */
	char *own[LEAKCHECK_MAX_OWN]; /* words onionsip writes for this user */
	size_t nown;
};

/*
 * Words onionsip itself writes into messages toward the network: SIP
 * methods, header names, URI and digest parameters, reason phrases, SDP
 * line values and attribute names, codec and SRTP suite parts. A host name or
 * software token equal to one of them is not searched for as a word of its own,
 * or every message would be refused (a machine called "audio" could make no
 * call). Such a word says nothing about the machine where onionsip writes it,
 * and onionsip writes nothing else from the softphone's text, so the loss is
 * small; longer forms (the whole FQDN, the whole User-Agent) are still
 * searched.
 */
static const char *const leakcheck_vocabulary[] = { "accept", "acceptable",
	"accepted", "ack", "active", "address", "aes", "after", "agent",
	"agreement", "alert", "algorithm", "allow", "allowed", "alternative",
	"ambiguous", "anonymity", "anonymous", "anywhere", "application",
	"audio", "auth", "authenticate", "authentication", "authorization",
	"avp", "avpf", "bad", "being", "branch", "breadth", "brief", "busy",
	"bye", "call", "cancel", "character", "choices", "cnonce", "code",
	"conditional", "consent", "contact", "content", "control", "credential",
	"crypto", "cseq", "decline", "detected", "dialog", "digest",
	"disallowed", "disposition", "does", "duplicate", "early", "encoding",
	"end", "entity", "error", "event", "events", "everywhere", "exceeded",
	"exist", "expires", "extension", "failed", "failure", "first", "fmtp",
	"folding", "forbidden", "forwarded", "forwards", "found", "from",
	"g722", "gateway", "gone", "header", "headers", "here", "hmac", "hop",
	"hops", "host", "identity", "implemented", "inactive", "incomplete",
	"info", "inline", "internal", "interval", "invalid", "invite", "ip4",
	"ip6", "lacks", "large", "length", "line", "long", "loop", "lr", "many",
	"max", "maxptime", "md5", "media", "memory", "message", "method", "min",
	"mismatch", "missing", "moved", "multiple", "mux", "name", "needed",
	"nonce", "not", "notification", "notify", "number", "onion", "opaque",
	"options", "opus", "out", "outbound", "package", "pair", "parameter",
	"past", "payment", "pcma", "pcmu", "pending", "permanently", "phrase",
	"prack", "precondition", "priority", "progress", "provide", "proxy",
	"ptime", "publish", "push", "qop", "queued", "quote", "quoted", "realm",
	"reason", "record", "recvonly", "refer", "referrer", "refused",
	"register", "rejected", "replaces", "request", "require", "required",
	"resource", "response", "retry", "ringing", "route", "rport", "rtcp",
	"rtcp-mux", "rtp", "rtpmap", "savp", "scheme", "sdp", "security",
	"sendonly", "sendrecv", "server", "service", "session", "sha1", "sip",
	"sips", "small", "start", "status", "subscribe", "support", "supported",
	"tag", "tcp", "telephone", "telephone-event", "temporarily",
	"terminated", "the", "time", "timeout", "timer", "tls", "too",
	"transport", "trying", "turn", "type", "udp", "unauthorized",
	"unavailable", "undecipherable", "unknown", "unsupported",
	"unterminated", "unwanted", "update", "uri", "use", "user", "username",
	"version", "via", "video", "warning", "www", "zero" };

/* Whether name (lower case) is a word onionsip writes itself. */
static bool
leakcheck_is_vocabulary(const char *name)
{
	size_t i;

	for (i = 0;
	     i < sizeof(leakcheck_vocabulary) / sizeof(leakcheck_vocabulary[0]);
	     i++)
		if (strcmp(name, leakcheck_vocabulary[i]) == 0)
			return true;
	return false;
}

#define LEAKCHECK_C_ALNUM  0x01
#define LEAKCHECK_C_DIGIT  0x02
#define LEAKCHECK_C_XDIGIT 0x04
#define LEAKCHECK_C_IP	   0x08 /* may be part of an IP literal's text */
#define LEAKCHECK_C_UPPER  0x10

/* ASCII classes, whatever the locale: one load per byte in the scan. */
static const unsigned char leakcheck_cls[256] = {
	['0' ... '9'] = LEAKCHECK_C_ALNUM | LEAKCHECK_C_DIGIT |
	    LEAKCHECK_C_XDIGIT | LEAKCHECK_C_IP,
	['a' ... 'f'] = LEAKCHECK_C_ALNUM | LEAKCHECK_C_XDIGIT | LEAKCHECK_C_IP,
	['A' ... 'F'] = LEAKCHECK_C_ALNUM | LEAKCHECK_C_XDIGIT |
	    LEAKCHECK_C_IP | LEAKCHECK_C_UPPER,
	['g' ... 'z'] = LEAKCHECK_C_ALNUM,
	['G' ... 'Z'] = LEAKCHECK_C_ALNUM | LEAKCHECK_C_UPPER,
	[':'] = LEAKCHECK_C_IP,
	['.'] = LEAKCHECK_C_IP,
};

/* ASCII lower case. */
static inline unsigned char
leakcheck_lower(unsigned char c)
{
	return leakcheck_cls[c] & LEAKCHECK_C_UPPER ? (unsigned char)(c | 0x20)
						    : c;
}

/* An ASCII digit. */
static inline bool
leakcheck_isdigit(unsigned char c)
{
	return (leakcheck_cls[c] & LEAKCHECK_C_DIGIT) != 0;
}

/* An ASCII hex digit. */
static inline bool
leakcheck_isxdigit(unsigned char c)
{
	return (leakcheck_cls[c] & LEAKCHECK_C_XDIGIT) != 0;
}

/* Whether c may be part of an IP literal's text. */
static inline bool
leakcheck_isipchar(unsigned char c)
{
	return (leakcheck_cls[c] & LEAKCHECK_C_IP) != 0;
}

/* Whether c is a letter or digit: what word-bounded needles may not touch. */
static inline bool
leakcheck_isalnum(unsigned char c)
{
	return (leakcheck_cls[c] & LEAKCHECK_C_ALNUM) != 0;
}

/* An empty check (no secrets yet). */
struct leakcheck *
leakcheck_new(void)
{
	struct leakcheck *lc = xcalloc(1, sizeof(*lc));

	memset(lc->first, 0xff, sizeof(lc->first));
	return lc;
}

/* Free a check; NULL is a no-op. */
void
leakcheck_free(struct leakcheck *lc)
{
	size_t i;

	if (lc == NULL)
		return;
	for (i = 0; i < lc->nneedles; i++)
		free(lc->needles[i].s);
	for (i = 0; i < lc->nown; i++)
		free(lc->own[i]);
	explicit_bzero(lc, sizeof(*lc));
	free(lc);
}

/* Add one needle (lower-cased); duplicates are kept once. */
static int
leakcheck_add_needle(struct leakcheck *lc, const char *s, size_t len, bool word,
    enum leakcheck_verdict verdict)
{
	struct leakcheck_needle *n;
	size_t i;
	char *low;

	if (len == 0 || len > LEAKCHECK_MAX_NEEDLE)
		return -1;
	low = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		low[i] = (char)leakcheck_lower((unsigned char)s[i]);
	low[len] = '\0';
	for (i = 0; i < lc->nneedles; i++) {
		n = &lc->needles[i];
		if (n->len == len && n->word == word &&
		    memcmp(n->s, low, len) == 0) {
			free(low);
			return 0;
		}
	}
	if (lc->nneedles == LEAKCHECK_MAX_NEEDLES) {
		free(low);
		return -1;
	}
	n = &lc->needles[lc->nneedles];
	n->s = low;
	n->len = len;
	n->word = word;
	n->verdict = verdict;
	n->next = lc->first[word][(unsigned char)low[0]];
	lc->first[word][(unsigned char)low[0]] = (int)lc->nneedles;
	lc->nneedles++;
	return 0;
}

/* Convert a sockaddr to the binary form; -1 if not IPv4/IPv6. */
static int
leakcheck_sa_to_addr(const struct sockaddr *sa, struct leakcheck_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->a[10] = out->a[11] = 0xff;
		memcpy(&out->a[12],
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out->a,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    16);
		return 0;
	}
	return -1;
}

/* Whether a holds an IPv4 address (IPv4-mapped form). */
static bool
leakcheck_is_v4(const struct leakcheck_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };

	return memcmp(a->a, mapped, 12) == 0;
}

/*
 * Add one of the machine's addresses. Besides its IP literal forms (caught
 * by the literal scanner), an IPv4 address is also searched for as 8 hex
 * digits (baresip's ICE foundations) and as a 32-bit decimal number, and an
 * IPv6 address as 32 hex digits.
 */
int
leakcheck_add_addr(struct leakcheck *lc, const struct sockaddr *sa)
{
	struct leakcheck_addr a;
	char text[40];
	size_t i;
	uint32_t v4;

	if (leakcheck_sa_to_addr(sa, &a) == -1)
		return -1;
	for (i = 0; i < lc->naddrs; i++)
		if (memcmp(&lc->addrs[i], &a, sizeof(a)) == 0)
			return 0;
	if (lc->naddrs == LEAKCHECK_MAX_NEEDLES)
		return -1;
	lc->addrs[lc->naddrs++] = a;
	if (leakcheck_is_v4(&a)) {
		v4 = (uint32_t)a.a[12] << 24 | (uint32_t)a.a[13] << 16 |
		    (uint32_t)a.a[14] << 8 | a.a[15];
		snprintf(text, sizeof(text), "%08x", v4);
		leakcheck_add_needle(
		    lc, text, 8, false, LEAKCHECK_LOCAL_ADDRESS);
		/* Small numbers (0.0.0.x) would match ordinary counts. */
		if (v4 >= 0x01000000) {
			snprintf(text, sizeof(text), "%u", v4);
			leakcheck_add_needle(lc, text, strlen(text), true,
			    LEAKCHECK_LOCAL_ADDRESS);
		}
	} else {
		for (i = 0; i < 16; i++)
			snprintf(text + 2 * i, 3, "%02x", a.a[i]);
		leakcheck_add_needle(
		    lc, text, 32, false, LEAKCHECK_LOCAL_ADDRESS);
	}
	return 0;
}

/*
 * Add one of the machine's hardware (MAC) addresses: EUI-64 IPv6 addresses
 * and version-1 UUIDs carry it. Searched for as 12 hex digits and with ':'
 * or '-' between the bytes. An all-zero address (loopback) is skipped.
 */
int
leakcheck_add_mac(struct leakcheck *lc, const unsigned char mac[6])
{
	static const char seps[] = { ':', '-' };
	char text[20];
	size_t i, k;

	for (i = 0; i < 6 && mac[i] == 0; i++)
		;
	if (i == 6)
		return 1;
	for (i = 0; i < 6; i++)
		snprintf(text + 2 * i, 3, "%02x", mac[i]);
	if (leakcheck_add_needle(
		lc, text, 12, false, LEAKCHECK_LOCAL_ADDRESS) == -1)
		return -1;
	for (k = 0; k < sizeof(seps); k++) {
		for (i = 0; i < 6; i++)
			snprintf(text + 3 * i, 4, "%02x%c", mac[i], seps[k]);
		if (leakcheck_add_needle(
			lc, text, 17, false, LEAKCHECK_LOCAL_ADDRESS) == -1)
			return -1;
	}
	return 0;
}

/*
 * Whether a word (lower case) is searched for on its own: long enough, not
 * all digits (it would match ports and payload types), not in the
 * vocabulary and not one of the words the caller writes itself.
 */
static bool
leakcheck_searchable(const struct leakcheck *lc, const char *w, size_t len)
{
	char buf[LEAKCHECK_MAX_NEEDLE + 1];
	size_t i;
	bool digits = true;

	if (len < LEAKCHECK_MIN_NAME || len > LEAKCHECK_MAX_NEEDLE)
		return false;
	for (i = 0; i < len; i++) {
		buf[i] = (char)leakcheck_lower((unsigned char)w[i]);
		if (!leakcheck_isdigit((unsigned char)w[i]))
			digits = false;
	}
	buf[len] = '\0';
	for (i = 0; i < lc->nown; i++)
		if (strcmp(buf, lc->own[i]) == 0)
			return false;
	return !digits && !leakcheck_is_vocabulary(buf);
}

/*
 * Add one of the machine's names: the name as given, and for a dotted name
 * also its first label (the host) and the rest (the domain), each searched
 * for as a word (case-insensitive, no letter or digit either side). Returns
 * 0 when something is searched for, 1 when the name is too short or too
 * common to search for (see leakcheck_vocabulary), -1 when the table is
 * full or the name is unusable.
 */
int
leakcheck_add_name(struct leakcheck *lc, const char *name)
{
	size_t len = strlen(name), i;
	const char *dot;
	int added = 0;

	while (len > 0 && name[len - 1] == '.') /* FQDN root */
		len--;
	if (len == 0 || len > LEAKCHECK_MAX_NEEDLE)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return -1;
	if (leakcheck_searchable(lc, name, len)) {
		if (leakcheck_add_needle(
			lc, name, len, true, LEAKCHECK_HOST_NAME) == -1)
			return -1;
		added = 1;
	}
	if ((dot = memchr(name, '.', len)) != NULL) {
		i = (size_t)(dot - name);
		if (leakcheck_searchable(lc, name, i)) {
			if (leakcheck_add_needle(
				lc, name, i, true, LEAKCHECK_HOST_NAME) == -1)
				return -1;
			added = 1;
		}
		/* The domain only if it is itself dotted: "lan" alone is not.
		 */
		if (memchr(dot + 1, '.', len - i - 1) != NULL &&
		    leakcheck_searchable(lc, dot + 1, len - i - 1)) {
			if (leakcheck_add_needle(lc, dot + 1, len - i - 1, true,
				LEAKCHECK_HOST_NAME) == -1)
				return -1;
			added = 1;
		}
	}
	return added ? 0 : 1;
}

/*
 * Add a software string of the softphone (its User-Agent): the whole string
 * as a substring, and each product or comment word in it that starts with
 * a letter ("baresip", "Linphonec", "belle-sip", "x86_64") as a word.
 * Returns as leakcheck_add_name().
 */
int
leakcheck_add_software(struct leakcheck *lc, const char *software)
{
	size_t len = strlen(software), i, j;
	int added = 0;

	while (len > 0 && software[len - 1] == ' ')
		len--;
	if (len == 0)
		return 1;
	if (len > LEAKCHECK_MAX_NEEDLE)
		len = LEAKCHECK_MAX_NEEDLE;
	if (leakcheck_searchable(lc, software, len)) {
		if (leakcheck_add_needle(
			lc, software, len, false, LEAKCHECK_SOFTWARE) == -1)
			return -1;
		added = 1;
	}
	for (i = 0; i < len; i = j) {
		if (!leakcheck_isalnum((unsigned char)software[i]) ||
		    leakcheck_isdigit((unsigned char)software[i])) {
			j = i + 1;
			continue;
		}
		for (j = i; j < len &&
		     (leakcheck_isalnum((unsigned char)software[j]) ||
			 software[j] == '_' || software[j] == '-');
		     j++)
			;
		if ((i == 0 ||
			!leakcheck_isalnum((unsigned char)software[i - 1])) &&
		    leakcheck_searchable(lc, software + i, j - i)) {
			if (leakcheck_add_needle(lc, software + i, j - i, true,
				LEAKCHECK_SOFTWARE) == -1)
				return -1;
			added = 1;
		}
	}
	return added ? 0 : 1;
}

/*
 * A word onionsip writes itself for this user (the SIP user name, a display
 * name): names and software words equal to it are not searched for, now or
 * later. 0, or -1 if the list is full or the word is empty.
 */
int
leakcheck_allow_word(struct leakcheck *lc, const char *word)
{
	size_t len = strlen(word), i;
	char *low;

	if (len == 0 || len > LEAKCHECK_MAX_NEEDLE ||
	    lc->nown == LEAKCHECK_MAX_OWN)
		return -1;
	low = xmalloc(len + 1);
	for (i = 0; i <= len; i++)
		low[i] = (char)leakcheck_lower((unsigned char)word[i]);
	lc->own[lc->nown++] = low;
	for (i = 0; i < lc->nneedles; i++)
		if (lc->needles[i].verdict != LEAKCHECK_LOCAL_ADDRESS &&
		    strcmp(lc->needles[i].s, low) == 0)
			lc->needles[i].off = true;
	return 0;
}

/* A verdict's name for logs. */
const char *
leakcheck_verdict_str(enum leakcheck_verdict v)
{
	switch (v) {
	case LEAKCHECK_PASS:
		return "pass";
	case LEAKCHECK_LOCAL_ADDRESS:
		return "local address";
	case LEAKCHECK_FOREIGN_IP:
		return "foreign IP literal";
	case LEAKCHECK_HOST_NAME:
		return "host name";
	case LEAKCHECK_SOFTWARE:
		return "software string";
	}
	return "unknown";
}

/* Parse one IP literal (brackets allowed); -1 if it is none. */
static int
leakcheck_parse(const char *s, size_t len, struct leakcheck_addr *out)
{
	char buf[LEAKCHECK_MAX_RUN + 1];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len > LEAKCHECK_MAX_RUN)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (memchr(buf, ':', len) == NULL) {
		out->a[10] = out->a[11] = 0xff;
		return inet_pton(AF_INET, buf, &out->a[12]) == 1 ? 0 : -1;
	}
	return inet_pton(AF_INET6, buf, out->a) == 1 ? 0 : -1;
}

/*
 * The IPv4 address an IPv6 address carries, if any: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and
 * 6to4 (2002:aabb:ccdd::/48). Returns false if it carries none.
 */
static bool
leakcheck_embedded_v4(const struct leakcheck_addr *a, struct leakcheck_addr *v4)
{
	static const uint8_t zero[12];
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };

	memset(v4, 0, sizeof(*v4));
	v4->a[10] = v4->a[11] = 0xff;
	if (memcmp(a->a, zero, 12) == 0 || memcmp(a->a, nat64, 12) == 0) {
		memcpy(&v4->a[12], &a->a[12], 4);
		return true;
	}
	if (a->a[0] == 0x20 && a->a[1] == 0x02) {
		memcpy(&v4->a[12], &a->a[2], 4);
		return true;
	}
	return false;
}

/* Whether a is one of the machine's addresses, in any embedding. */
static bool
leakcheck_is_local(const struct leakcheck *lc, const struct leakcheck_addr *a)
{
	struct leakcheck_addr v4;
	bool emb = !leakcheck_is_v4(a) && leakcheck_embedded_v4(a, &v4);
	size_t i;

	for (i = 0; i < lc->naddrs; i++) {
		if (memcmp(&lc->addrs[i], a, sizeof(*a)) == 0)
			return true;
		if (emb && memcmp(&lc->addrs[i], &v4, sizeof(v4)) == 0)
			return true;
	}
	return false;
}

/* The scan's state: the allowed addresses, parsed once. */
struct leakcheck_scan {
	const struct leakcheck *lc;
	struct leakcheck_addr allowed[LEAKCHECK_MAX_ALLOWED];
	size_t nallowed;
};

/* The verdict on one IP literal found in the message. */
static enum leakcheck_verdict
leakcheck_literal(
    const struct leakcheck_scan *sc, const struct leakcheck_addr *a)
{
	struct leakcheck_addr v4;
	size_t i;

	for (i = 0; i < sc->nallowed; i++)
		if (memcmp(&sc->allowed[i], a, sizeof(*a)) == 0)
			return LEAKCHECK_PASS;
	/* An IPv4-mapped spelling of an allowed IPv4 relay is the relay. */
	if (!leakcheck_is_v4(a) && a->a[10] == 0xff && a->a[11] == 0xff &&
	    leakcheck_embedded_v4(a, &v4))
		for (i = 0; i < sc->nallowed; i++)
			if (memcmp(&sc->allowed[i], &v4, sizeof(v4)) == 0)
				return LEAKCHECK_PASS;
	return leakcheck_is_local(sc->lc, a) ? LEAKCHECK_LOCAL_ADDRESS
					     : LEAKCHECK_FOREIGN_IP;
}

/*
 * Dotted quads inside a run: every digit sequence that starts a run of
 * digits is tried as the first of four octets, so "v1.2.3.4", "10.0.0.1:5060"
 * and "1.2.3.4.5" are all found. Octets with leading zeros are literals that
 * are never allowed (inet_aton reads them as octal).
 */
static enum leakcheck_verdict
leakcheck_run_v4(const struct leakcheck_scan *sc, const char *r, size_t len)
{
	struct leakcheck_addr a;
	enum leakcheck_verdict v;
	size_t i, j, k, oct;
	unsigned int val;
	bool lead0;

	for (i = 0; i < len; i++) {
		if (!leakcheck_isdigit((unsigned char)r[i]) ||
		    (i > 0 && leakcheck_isdigit((unsigned char)r[i - 1])))
			continue;
		memset(&a, 0, sizeof(a));
		a.a[10] = a.a[11] = 0xff;
		lead0 = false;
		for (j = i, oct = 0; oct < 4; oct++) {
			if (oct > 0) {
				if (j >= len || r[j] != '.')
					break;
				j++;
			}
			for (k = j, val = 0; k < len && k - j < 4 &&
			     leakcheck_isdigit((unsigned char)r[k]);
			     k++)
				val = val * 10 + (unsigned int)(r[k] - '0');
			if (k == j || k - j > 3 || val > 255 ||
			    (k < len && leakcheck_isdigit((unsigned char)r[k])))
				break;
			if (k - j > 1 && r[j] == '0')
				lead0 = true;
			a.a[12 + oct] = (uint8_t)val;
			j = k;
		}
		if (oct < 4)
			continue;
		v = leakcheck_literal(sc, &a);
		if (v == LEAKCHECK_PASS && lead0)
			v = LEAKCHECK_FOREIGN_IP;
		if (v != LEAKCHECK_PASS)
			return v;
	}
	return LEAKCHECK_PASS;
}

/*
 * IPv6 forms inside a run with two colons or more: the whole run, else the
 * run with its first and last groups cut to what an address can hold
 * ("sip:2001:db8::1" has the run ":2001:db8::1", "abc2001:db8::1" a first
 * group too long). Any parse that is not allowed refuses.
 */
static enum leakcheck_verdict
leakcheck_run_v6(const struct leakcheck_scan *sc, const char *r, size_t len)
{
	struct leakcheck_addr a;
	enum leakcheck_verdict v;
	size_t first, last, s, e, smin, emax, i;
	bool hex = false;

	for (i = 0; i < len; i++)
		if (leakcheck_isxdigit((unsigned char)r[i]))
			hex = true;
	if (!hex)
		return LEAKCHECK_PASS; /* "::" and the like say nothing */
	while (len > 0 && r[len - 1] == '.')
		len--;
	if (leakcheck_parse(r, len, &a) == 0)
		return leakcheck_literal(sc, &a);
	first = (size_t)((const char *)memchr(r, ':', len) - r);
	for (last = len - 1; r[last] != ':'; last--)
		;
	smin = first > 4 ? first - 4 : 0;
	emax = len - last - 1 > 4 && memchr(r + last, '.', len - last) == NULL
	    ? last + 5
	    : len;
	for (s = smin; s <= first + 1 && s < len; s++) {
		/* Start at a group, or at "::" (not a lone ':'). */
		if (s == first && r[first + 1] != ':')
			continue;
		if (s == first + 1 && s < len && r[s] == ':')
			continue;
		for (e = emax; e > last && e > s; e--) {
			if (leakcheck_parse(r + s, e - s, &a) == 0) {
				v = leakcheck_literal(sc, &a);
				if (v != LEAKCHECK_PASS)
					return v;
				break;
			}
		}
	}
	return LEAKCHECK_PASS;
}

/*
 * Check the needles that may start at position i: substring needles
 * anywhere, word needles only where a word starts.
 */
static enum leakcheck_verdict
leakcheck_needles_at(
    const struct leakcheck *lc, const char *msg, size_t len, size_t i)
{
	const struct leakcheck_needle *n;
	unsigned char c = leakcheck_lower((unsigned char)msg[i]);
	bool start = i == 0 || !leakcheck_isalnum((unsigned char)msg[i - 1]);
	size_t k;
	int idx, word;

	for (word = 0; word < 2; word++) {
		if (word && !start)
			break;
		for (idx = lc->first[word][c]; idx != -1; idx = n->next) {
			n = &lc->needles[idx];
			if (n->len > len - i || n->off ||
			    (word && i + n->len < len &&
				leakcheck_isalnum(
				    (unsigned char)msg[i + n->len])))
				continue;
			for (k = 1; k < n->len; k++)
				if (leakcheck_lower(
					(unsigned char)msg[i + k]) !=
				    (unsigned char)n->s[k])
					break;
			if (k == n->len)
				return n->verdict;
		}
	}
	return LEAKCHECK_PASS;
}

/* Scan len bytes for anything that must not leave. */
enum leakcheck_verdict
leakcheck_scan(const struct leakcheck *lc, const char *msg, size_t len,
    const char *const *allowed, size_t nallowed)
{
	struct leakcheck_scan sc;
	enum leakcheck_verdict v;
	size_t i, j, colons, dots, run_end = 0;

	sc.lc = lc;
	sc.nallowed = 0;
	for (i = 0; i < nallowed && sc.nallowed < LEAKCHECK_MAX_ALLOWED; i++)
		if (allowed[i] != NULL &&
		    leakcheck_parse(allowed[i], strlen(allowed[i]),
			&sc.allowed[sc.nallowed]) == 0)
			sc.nallowed++;
	for (i = 0; i < len; i++) {
		if (i >= run_end && leakcheck_isipchar((unsigned char)msg[i])) {
			for (j = i, colons = dots = 0; j < len &&
			     leakcheck_isipchar((unsigned char)msg[j]);
			     j++) {
				colons += msg[j] == ':';
				dots += msg[j] == '.';
			}
			run_end = j;
			/* IPv6 first: "::ffff:10.0.0.1" is one literal. */
			if (colons >= 2 &&
			    (v = leakcheck_run_v6(&sc, msg + i, j - i)) !=
				LEAKCHECK_PASS)
				return v;
			if (dots >= 3 &&
			    (v = leakcheck_run_v4(&sc, msg + i, j - i)) !=
				LEAKCHECK_PASS)
				return v;
		}
		if ((v = leakcheck_needles_at(lc, msg, len, i)) !=
		    LEAKCHECK_PASS)
			return v;
	}
	return LEAKCHECK_PASS;
}
