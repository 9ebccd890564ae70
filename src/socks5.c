#include "config.h"

#include <string.h>

#include "socks5.h"

#define SOCKS5_VERSION	    5
#define SOCKS5_AUTH_VERSION 1
#define SOCKS5_METHOD_NONE  0x00
#define SOCKS5_METHOD_USER  0x02
#define SOCKS5_METHOD_NOPE  0xff
#define SOCKS5_CMD_CONNECT  1
#define SOCKS5_ATYP_IPV4    1
#define SOCKS5_ATYP_DOMAIN  3
#define SOCKS5_ATYP_IPV6    4

/* A reason in words, for logs and the user. */
const char *
socks5_reason_str(enum socks5_reason r)
{
	switch (r) {
	case SOCKS5_OK:
		return "succeeded";
	case SOCKS5_GENERAL:
		return "general SOCKS server failure";
	case SOCKS5_NOT_ALLOWED:
		return "connection not allowed by ruleset";
	case SOCKS5_NET_UNREACH:
		return "network unreachable";
	case SOCKS5_HOST_UNREACH:
		return "host unreachable";
	case SOCKS5_REFUSED:
		return "connection refused";
	case SOCKS5_TTL:
		return "TTL expired";
	case SOCKS5_CMD:
		return "command not supported";
	case SOCKS5_ATYP:
		return "address type not supported";
	case SOCKS5_ONION_DESC_NOT_FOUND:
		return "onion service descriptor not found";
	case SOCKS5_ONION_DESC_INVALID:
		return "onion service descriptor invalid";
	case SOCKS5_ONION_INTRO_FAILED:
		return "onion service introduction failed";
	case SOCKS5_ONION_REND_FAILED:
		return "onion service rendezvous failed";
	case SOCKS5_ONION_MISSING_AUTH:
		return "onion service needs client authorization";
	case SOCKS5_ONION_BAD_AUTH:
		return "onion service client authorization refused";
	case SOCKS5_ONION_BAD_ADDRESS:
		return "bad onion address";
	case SOCKS5_ONION_INTRO_TIMEOUT:
		return "onion service introduction timed out";
	case SOCKS5_TIMEOUT:
		return "timed out";
	case SOCKS5_PROXY_DOWN:
		return "tor is not available";
	case SOCKS5_PROTOCOL:
		return "SOCKS protocol error";
	case SOCKS5_CANCELED:
		return "canceled";
	}
	return "unknown";
}

/* The SIP status that tells the softphone why a call could not go out. */
int
socks5_reason_sip_status(enum socks5_reason r)
{
	switch (r) {
	case SOCKS5_OK:
		return 200;
	case SOCKS5_ONION_DESC_NOT_FOUND:
	case SOCKS5_ONION_DESC_INVALID:
	case SOCKS5_ONION_BAD_ADDRESS:
		return 404;
	case SOCKS5_ONION_INTRO_FAILED:
	case SOCKS5_ONION_REND_FAILED:
		return 480;
	case SOCKS5_ONION_INTRO_TIMEOUT:
	case SOCKS5_TTL:
	case SOCKS5_TIMEOUT:
		return 408;
	case SOCKS5_ONION_MISSING_AUTH:
	case SOCKS5_ONION_BAD_AUTH:
		return 403;
	case SOCKS5_PROXY_DOWN:
		return 503;
	case SOCKS5_CANCELED:
		return 487;
	default:
		return 502;
	}
}

/* The reason for a reply code on the wire; unknown codes are general. */
enum socks5_reason
socks5_reason_from_rep(uint8_t rep)
{
	if (rep <= 0x08)
		return (enum socks5_reason)rep;
	if (rep >= 0xf0 && rep <= 0xf7)
		return (enum socks5_reason)(
		    SOCKS5_ONION_DESC_NOT_FOUND + (rep - 0xf0));
	return SOCKS5_GENERAL;
}

/* The method selection: "no auth" and, with_auth, username/password. */
int
socks5_build_greeting(uint8_t *out, size_t outlen, int with_auth)
{
	/* With credentials we offer only username/password: tor isolates
	 * by them, and a proxy that picks "none" would ignore them. */
	if (outlen < 3)
		return -1;
	out[0] = SOCKS5_VERSION;
	out[1] = 1;
	out[2] = with_auth ? SOCKS5_METHOD_USER : SOCKS5_METHOD_NONE;
	return 3;
}

/* RFC 1929 username/password request; both 1..255 bytes. */
int
socks5_build_auth(
    uint8_t *out, size_t outlen, const char *user, const char *pass)
{
	size_t ul = strlen(user), pl = strlen(pass);

	if (ul == 0 || ul > SOCKS5_MAX_CRED || pl == 0 ||
	    pl > SOCKS5_MAX_CRED || outlen < 3 + ul + pl)
		return -1;
	out[0] = SOCKS5_AUTH_VERSION;
	out[1] = (uint8_t)ul;
	memcpy(out + 2, user, ul);
	out[2 + ul] = (uint8_t)pl;
	memcpy(out + 3 + ul, pass, pl);
	return (int)(3 + ul + pl);
}

/* Whether a host name is one we hand to tor: printable, no spaces. */
static int
socks5_host_ok(const char *host, size_t len)
{
	size_t i;

	if (len == 0 || len > SOCKS5_MAX_HOST)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)host[i] <= 0x20 ||
		    (unsigned char)host[i] >= 0x7f)
			return 0;
	return 1;
}

/* CONNECT to host:port by name (ATYP 3): the name is resolved by tor. */
int
socks5_build_connect(
    uint8_t *out, size_t outlen, const char *host, uint16_t port)
{
	size_t hl = strlen(host);

	if (!socks5_host_ok(host, hl) || port == 0 || outlen < 7 + hl)
		return -1;
	out[0] = SOCKS5_VERSION;
	out[1] = SOCKS5_CMD_CONNECT;
	out[2] = 0;
	out[3] = SOCKS5_ATYP_DOMAIN;
	out[4] = (uint8_t)hl;
	memcpy(out + 5, host, hl);
	out[5 + hl] = (uint8_t)(port >> 8);
	out[6 + hl] = (uint8_t)(port & 0xff);
	return (int)(7 + hl);
}

/* The method the proxy picked (2 bytes). */
enum socks5_parse
socks5_parse_method(const uint8_t *p, size_t len, size_t *used, uint8_t *method,
    enum socks5_reason *reason)
{
	if (len < 1)
		return SOCKS5_PARSE_NEED_MORE;
	if (p[0] != SOCKS5_VERSION) {
		*reason = SOCKS5_PROTOCOL;
		return SOCKS5_PARSE_ERROR;
	}
	if (len < 2)
		return SOCKS5_PARSE_NEED_MORE;
	*method = p[1];
	*used = 2;
	if (p[1] != SOCKS5_METHOD_NONE && p[1] != SOCKS5_METHOD_USER) {
		*reason = p[1] == SOCKS5_METHOD_NOPE ? SOCKS5_NOT_ALLOWED
						     : SOCKS5_PROTOCOL;
		return SOCKS5_PARSE_ERROR;
	}
	return SOCKS5_PARSE_DONE;
}

/* The RFC 1929 status (2 bytes): 0 is success. */
enum socks5_parse
socks5_parse_auth(
    const uint8_t *p, size_t len, size_t *used, enum socks5_reason *reason)
{
	if (len < 1)
		return SOCKS5_PARSE_NEED_MORE;
	if (p[0] != SOCKS5_AUTH_VERSION) {
		*reason = SOCKS5_PROTOCOL;
		return SOCKS5_PARSE_ERROR;
	}
	if (len < 2)
		return SOCKS5_PARSE_NEED_MORE;
	*used = 2;
	if (p[1] != 0) {
		*reason = SOCKS5_NOT_ALLOWED;
		return SOCKS5_PARSE_ERROR;
	}
	return SOCKS5_PARSE_DONE;
}

/*
 * A CONNECT reply: VER REP RSV ATYP BND.ADDR BND.PORT. DONE with
 * reply->reason set also for a failure code: the reply is well formed.
 * Tor answers failures with ATYP 1 and a zero address.
 */
enum socks5_parse
socks5_parse_reply(
    const uint8_t *p, size_t len, size_t *used, struct socks5_reply *reply)
{
	size_t need;

	memset(reply, 0, sizeof(*reply));
	if (len >= 1 && p[0] != SOCKS5_VERSION) {
		reply->reason = SOCKS5_PROTOCOL;
		return SOCKS5_PARSE_ERROR;
	}
	if (len >= 3 && p[2] != 0) {
		reply->reason = SOCKS5_PROTOCOL;
		return SOCKS5_PARSE_ERROR;
	}
	if (len < 5)
		return SOCKS5_PARSE_NEED_MORE;
	switch (p[3]) {
	case SOCKS5_ATYP_IPV4:
		need = 4 + 4 + 2;
		break;
	case SOCKS5_ATYP_IPV6:
		need = 4 + 16 + 2;
		break;
	case SOCKS5_ATYP_DOMAIN:
		if (p[4] == 0) {
			reply->reason = SOCKS5_PROTOCOL;
			return SOCKS5_PARSE_ERROR;
		}
		need = 4 + 1 + p[4] + 2;
		break;
	default:
		reply->reason = SOCKS5_PROTOCOL;
		return SOCKS5_PARSE_ERROR;
	}
	if (len < need)
		return SOCKS5_PARSE_NEED_MORE;
	reply->rep = p[1];
	reply->atyp = p[3];
	reply->reason = socks5_reason_from_rep(p[1]);
	reply->bind_port = (uint16_t)(p[need - 2] << 8 | p[need - 1]);
	*used = need;
	return SOCKS5_PARSE_DONE;
}
