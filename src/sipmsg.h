/*
 * sipmsg: one SIP message, parsed and validated (the libre adapter).
 *
 * sipmsg.c is the only file that includes <re.h> for SIP: it decodes with
 * libre's sip_msg_decode() and copies everything out into the plain
 * structures below, so no libre type crosses this header. The message's
 * bytes are copied once into memory the struct sipmsg owns; every span
 * points into that copy and lives as long as the struct sipmsg.
 *
 * libre accepts too much (NULs, bad names, duplicate single headers,
 * wrapped numbers), so sipmsg_parse() adds our own validation and refuses
 * with the status a UAS answers with: 400 (with a phrase saying why), 413,
 * 416 (URI scheme), 505 (version), 513. It does not judge methods,
 * extensions or bodies: that is sipsan's policy (405, 420, 415, 501).
 *
 * Header values are spans of the bytes as received: they may hold folded
 * line ends (CRLF followed by SP or HT). Writers must unfold them
 * (siphdr_add_value() does).
 *
 * Input: one framed message (sipframe); the parser does not frame.
 */
#ifndef ONIONSIP_SIPMSG_H
#define ONIONSIP_SIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SIPMSG_MAX_VIAS	   70 /* Via values kept (more: 400); Max-Forwards 70 */
#define SIPMSG_MAX_ROUTES  16 /* Route / Record-Route values each */
#define SIPMSG_MAX_HDRS	   96 /* header fields (after comma splitting) */
#define SIPMSG_MAX_CSEQ	   2147483647UL /* RFC 3261 8.1.1.5: < 2**31 */
#define SIPMSG_MAX_MAXFWD  255
#define SIPMSG_MAX_EXPIRES 4294967295UL /* RFC 3261 20.19: 32 bits */
#define SIPMSG_MAX_TAG	   256		/* bytes of one tag or branch */
#define SIPMSG_MAX_CALLID  256		/* bytes of a Call-ID */

/* Methods onionsip knows by name; anything else is SIPMSG_OTHER. */
enum sipmsg_method {
	SIPMSG_OTHER,
	SIPMSG_INVITE,
	SIPMSG_ACK,
	SIPMSG_BYE,
	SIPMSG_CANCEL,
	SIPMSG_OPTIONS,
	SIPMSG_REGISTER,
	SIPMSG_PRACK,
	SIPMSG_SUBSCRIBE,
	SIPMSG_NOTIFY,
	SIPMSG_REFER,
	SIPMSG_MESSAGE,
	SIPMSG_INFO,
	SIPMSG_UPDATE,
	SIPMSG_PUBLISH,
};

/* Header fields onionsip tells apart; compact forms map here too. */
enum sipmsg_hid {
	SIPMSG_H_OTHER, /* anything not listed: never written out */
	SIPMSG_H_VIA,
	SIPMSG_H_FROM,
	SIPMSG_H_TO,
	SIPMSG_H_CALL_ID,
	SIPMSG_H_CSEQ,
	SIPMSG_H_CONTACT,
	SIPMSG_H_MAX_FORWARDS,
	SIPMSG_H_CONTENT_TYPE,
	SIPMSG_H_CONTENT_LENGTH,
	SIPMSG_H_CONTENT_ENCODING,
	SIPMSG_H_CONTENT_DISPOSITION,
	SIPMSG_H_EXPIRES,
	SIPMSG_H_MIN_EXPIRES,
	SIPMSG_H_RECORD_ROUTE,
	SIPMSG_H_ROUTE,
	SIPMSG_H_AUTHORIZATION,
	SIPMSG_H_PROXY_AUTHORIZATION,
	SIPMSG_H_WWW_AUTHENTICATE,
	SIPMSG_H_PROXY_AUTHENTICATE,
	SIPMSG_H_ALLOW,
	SIPMSG_H_SUPPORTED,
	SIPMSG_H_REQUIRE,
	SIPMSG_H_PROXY_REQUIRE,
	SIPMSG_H_UNSUPPORTED,
	SIPMSG_H_ACCEPT,
	SIPMSG_H_EVENT,
	SIPMSG_H_REASON,
	SIPMSG_H_RETRY_AFTER,
	SIPMSG_H_USER_AGENT,
	SIPMSG_H_SERVER,
	SIPMSG_H_NHDRIDS
};

/* A URI, split; every part a span into the message ("" when absent). */
struct sipmsg_uri {
	struct span raw;      /* the whole URI, without < > */
	struct span scheme;   /* "sip", "sips", "tel", ... (no colon) */
	struct span user;     /* still %-escaped */
	struct span password; /* present in the wild: never written out */
	struct span host;     /* without [ ] for IPv6 references */
	uint16_t port;	      /* 0 when absent */
	struct span params;   /* ";a=b;c" after the host, with the ';' */
	struct span headers;  /* "?a=b" part, without the '?' */
};

/* From, To, Contact, Route, Record-Route: [display] <uri> ;params */
struct sipmsg_addr {
	struct span value; /* the whole field value */
	struct span dname; /* display name as written, quotes included */
	struct sipmsg_uri uri;
	struct span params; /* header parameters after the URI, ';' first */
	struct span tag;    /* From/To: the tag parameter value, or "" */
};

struct sipmsg_via {
	struct span value;     /* the whole Via value */
	struct span transport; /* "UDP", "TCP", "TLS", ... */
	struct span host;      /* sent-by host, without [ ] */
	uint16_t port;	       /* 0 when absent */
	struct span branch;    /* "" when absent */
	struct span params;    /* all parameters, ';' first */
};

/* One header field; lists are split at commas where SIP allows it. */
struct sipmsg_hdr {
	enum sipmsg_hid id;
	struct span name;  /* as written (compact or long, any case) */
	struct span value; /* trimmed; may hold folded line ends */
};

struct sipmsg {
	/* Start line. */
	bool is_request;
	enum sipmsg_method method; /* request: its method; response: CSeq's */
	struct span method_name;   /* request: as written; response: CSeq's */
	struct sipmsg_uri ruri;	   /* request only */
	int scode;		   /* response only: 100..699 */
	struct span reason;	   /* response only: phrase as received */

	/* The fields every message has (RFC 3261 8.1.1). */
	struct sipmsg_via via[SIPMSG_MAX_VIAS]; /* in order, top first */
	size_t nvia;
	struct sipmsg_addr from;
	struct sipmsg_addr to;
	struct span call_id;
	uint32_t cseq;
	struct span cseq_method;

	/* Optional fields; the have_ flags say whether they were present. */
	struct sipmsg_addr contact; /* the first Contact value */
	size_t ncontact;	    /* how many Contact values */
	bool contact_star;	    /* "Contact: *" (REGISTER) */
	bool have_max_forwards;
	unsigned int max_forwards;
	bool have_expires;
	uint32_t expires;
	struct span content_type; /* "type/subtype" lower-case compare */
	bool have_content_length;
	size_t content_length;
	struct span body; /* exactly Content-Length bytes (or to the end) */
	struct sipmsg_addr route[SIPMSG_MAX_ROUTES];
	size_t nroute;
	struct sipmsg_addr record_route[SIPMSG_MAX_ROUTES];
	size_t nrecord_route;
	struct span user_agent; /* User-Agent or Server: for the leak check */

	/* Every header field in order, including the ones above. */
	struct sipmsg_hdr hdrs[SIPMSG_MAX_HDRS];
	size_t nhdrs;

	/* Private: the owned copy of the bytes all spans point into. */
	char *raw_;
	size_t raw_len_;
};

/* Why a message was refused; reason is static text. */
struct sipmsg_error {
	int scode;	    /* 400, 413, 416, 505, 513 */
	const char *reason; /* says what was wrong; usable as a phrase */
};

/*
 * Parse and validate len bytes (one framed message). Returns a new
 * struct sipmsg, owned by the caller (sipmsg_free()), or NULL with err
 * filled. Never crashes on any input.
 */
struct sipmsg *
sipmsg_parse(const char *p, size_t len, struct sipmsg_error *err);
void sipmsg_free(struct sipmsg *m);

/* A copy of m that lives on its own (owned by the caller); never NULL. */
struct sipmsg *sipmsg_dup(const struct sipmsg *m);

/* The bytes m was parsed from (one framed message, len in *lenp). */
const char *sipmsg_raw(const struct sipmsg *m, size_t *lenp);

/* The first header with this id (NULL if none), or the next after prev. */
const struct sipmsg_hdr *sipmsg_find(
    const struct sipmsg *m, enum sipmsg_hid id, const struct sipmsg_hdr *prev);

/* How many fields with this id. */
size_t sipmsg_count(const struct sipmsg *m, enum sipmsg_hid id);

/* A method's canonical name ("INVITE"); NULL for SIPMSG_OTHER. */
const char *sipmsg_method_str(enum sipmsg_method m);

/* The method for a name (case-sensitive, as RFC 3261 says). */
enum sipmsg_method sipmsg_method_from(struct span name);

/* A header's canonical long name ("Call-ID"); NULL for SIPMSG_H_OTHER. */
const char *sipmsg_hid_str(enum sipmsg_hid id);

/* The id for a header name, long or compact form, any case. */
enum sipmsg_hid sipmsg_hid_from(struct span name);

#endif
