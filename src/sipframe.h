/*
 * sipframe: where one SIP message ends (pure, stateless).
 *
 * Stream transports (TCP, TLS, a SOCKS stream through Tor) carry messages
 * back to back: a header section up to the first empty line (CRLFCRLF),
 * then exactly Content-Length bytes of body (RFC 3261 section 18.3). Over
 * UDP one datagram is one message. libre's sip_msg_decode() frames neither
 * and has no limits, so every byte a peer sends passes here first: the
 * limits below are checked before anything is parsed.
 *
 * Usage on a stream: keep the received bytes in a buffer, call
 * sipframe_stream() on its start, act on the result, drop r.len bytes and
 * call again until SIPFRAME_NEED_MORE. On SIPFRAME_ERROR close the
 * connection (after sending r.scode if that is still possible): a stream
 * that lost its framing cannot be resynchronised.
 */
#ifndef ONIONSIP_SIPFRAME_H
#define ONIONSIP_SIPFRAME_H

#include <stdbool.h>
#include <stddef.h>

#define SIPFRAME_MAX_HEADER    16384 /* bytes of start line + header section */
#define SIPFRAME_MAX_LINE      4096 /* bytes of one line (folded lines apart) */
#define SIPFRAME_MAX_HEADERS   96   /* header lines, continuation lines too */
#define SIPFRAME_MAX_BODY      32768 /* Content-Length accepted */
#define SIPFRAME_MAX_MSG       (SIPFRAME_MAX_HEADER + SIPFRAME_MAX_BODY)
#define SIPFRAME_MAX_KEEPALIVE 64 /* bare CRLFs skipped before a message */

enum sipframe_status {
	SIPFRAME_NEED_MORE, /* no complete message yet: read more bytes */
	SIPFRAME_MESSAGE,   /* one message in the first r.len bytes */
	SIPFRAME_KEEPALIVE, /* r.len bytes of CRLF keep-alive to drop */
	SIPFRAME_ERROR,	    /* unframable or over a limit; see r.scode */
};

struct sipframe_result {
	enum sipframe_status status;
	size_t len;	 /* bytes of the message or keep-alive */
	size_t hdr_len;	 /* MESSAGE: start line + headers + empty line */
	size_t body_len; /* MESSAGE: bytes of body (Content-Length) */
	size_t need; /* NEED_MORE: the whole message's length once the header
			is complete (wait for that many bytes), else 0 */
	bool ping;   /* KEEPALIVE: a CRLFCRLF ping, answer a CRLF pong
			(RFC 5626 section 4.4.1) */
	int scode;   /* ERROR: the status to answer with (400, 413,
			513) */
	const char *reason; /* ERROR: static text, for logs and answers */
};

/*
 * Stream mode: look at len bytes at the start of a stream. Leading bare
 * CRLFs are keep-alives (a CRLFCRLF pair is a ping). A header section
 * without Content-Length frames as a message with no body. Returns
 * r->status.
 */
enum sipframe_status
sipframe_stream(const char *p, size_t len, struct sipframe_result *r);

/*
 * Datagram mode: len bytes are one datagram. A missing Content-Length
 * means the body runs to the end of the datagram; octets past
 * Content-Length are ignored (RFC 3261 section 18.3); a Content-Length
 * larger than what arrived is an error (400). Leading CRLFs come back as
 * a KEEPALIVE (the caller calls again on the rest). NEED_MORE is never
 * returned.
 */
enum sipframe_status
sipframe_datagram(const char *p, size_t len, struct sipframe_result *r);

const char *sipframe_status_str(enum sipframe_status s);

#endif
