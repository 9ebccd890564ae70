/*
 * socks5: the SOCKS5 client codec (RFC 1928, RFC 1929) as tor speaks it,
 * with Tor's extended error replies (SocksPort flag ExtendedErrors,
 * 0xF0-0xF7). Pure: bytes in, bytes or a verdict out. Only CONNECT by host
 * name (ATYP 3) is ever built: a remote name is never resolved here.
 */
#ifndef ONIONSIP_SOCKS5_H
#define ONIONSIP_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

#define SOCKS5_MAX_HOST	   255 /* RFC 1928: one length byte */
#define SOCKS5_MAX_CRED	   255 /* RFC 1929: one length byte each */
#define SOCKS5_MAX_REPLY   262 /* 4 + 1 + 255 + 2: largest CONNECT reply */
#define SOCKS5_MAX_REQUEST (4 + 1 + SOCKS5_MAX_HOST + 2)
#define SOCKS5_MAX_AUTH	   (3 + 2 * SOCKS5_MAX_CRED)

/* Why a CONNECT failed (or SOCKS5_OK); order is the API, not wire codes. */
enum socks5_reason {
	SOCKS5_OK,
	SOCKS5_GENERAL,		     /* 0x01 */
	SOCKS5_NOT_ALLOWED,	     /* 0x02 */
	SOCKS5_NET_UNREACH,	     /* 0x03 */
	SOCKS5_HOST_UNREACH,	     /* 0x04 */
	SOCKS5_REFUSED,		     /* 0x05 */
	SOCKS5_TTL,		     /* 0x06 */
	SOCKS5_CMD,		     /* 0x07 */
	SOCKS5_ATYP,		     /* 0x08 */
	SOCKS5_ONION_DESC_NOT_FOUND, /* 0xF0 */
	SOCKS5_ONION_DESC_INVALID,   /* 0xF1 */
	SOCKS5_ONION_INTRO_FAILED,   /* 0xF2 */
	SOCKS5_ONION_REND_FAILED,    /* 0xF3 */
	SOCKS5_ONION_MISSING_AUTH,   /* 0xF4 */
	SOCKS5_ONION_BAD_AUTH,	     /* 0xF5 */
	SOCKS5_ONION_BAD_ADDRESS,    /* 0xF6 */
	SOCKS5_ONION_INTRO_TIMEOUT,  /* 0xF7 */
	SOCKS5_TIMEOUT,		     /* a step took too long (ours) */
	SOCKS5_PROXY_DOWN,	     /* tor's SocksPort is not there */
	SOCKS5_PROTOCOL,	     /* the proxy spoke nonsense */
	SOCKS5_CANCELED,	     /* shut down / canceled by us */
};

/* What a parse step found. */
enum socks5_parse {
	SOCKS5_PARSE_NEED_MORE = 0, /* not enough bytes yet; call again */
	SOCKS5_PARSE_DONE = 1,	    /* a whole message; *used set */
	SOCKS5_PARSE_ERROR = -1,    /* malformed; *reason set */
};

/* A parsed CONNECT reply. */
struct socks5_reply {
	enum socks5_reason reason;
	uint8_t rep; /* the wire code */
	uint8_t atyp;
	uint16_t bind_port;
};

const char *socks5_reason_str(enum socks5_reason r);
/*
 * The SIP answer for a failed CONNECT: F0/F1/F6 404, F2/F3 480,
 * F7 and timeouts 408, F4/F5 403, proxy down 503, canceled 487, anything
 * else 502. SOCKS5_OK gives 200.
 */
int socks5_reason_sip_status(enum socks5_reason r);
enum socks5_reason socks5_reason_from_rep(uint8_t rep);

/* Builders: write into out (outlen bytes); return the length or -1. */
int socks5_build_greeting(uint8_t *out, size_t outlen, int with_auth);
int socks5_build_auth(
    uint8_t *out, size_t outlen, const char *user, const char *pass);
int socks5_build_connect(
    uint8_t *out, size_t outlen, const char *host, uint16_t port);

/* Parsers: look at the len bytes received so far. */
enum socks5_parse socks5_parse_method(const uint8_t *p, size_t len,
    size_t *used, uint8_t *method, enum socks5_reason *reason);
enum socks5_parse socks5_parse_auth(
    const uint8_t *p, size_t len, size_t *used, enum socks5_reason *reason);
enum socks5_parse socks5_parse_reply(
    const uint8_t *p, size_t len, size_t *used, struct socks5_reply *reply);

#endif
