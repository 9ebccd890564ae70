/*
 * srtpctx: SRTP on the remote leg (issue 4), the libre SRTP adapter. One
 * context per call: our sending key (fresh from OpenSSL per call, offered
 * with SDES a=crypto inside the Tor-carried SDP) and the peer's key for
 * what arrives. Only AES_CM_128_HMAC_SHA1_80 is offered and accepted.
 * Packets are protected in place in the caller's buffer.
 */
#ifndef ONIONSIP_SRTPCTX_H
#define ONIONSIP_SRTPCTX_H

#include <stddef.h>
#include <stdint.h>

#define SRTPCTX_KEY_LEN	   30 /* 16-byte master key + 14-byte salt */
#define SRTPCTX_B64_LEN	   40
#define SRTPCTX_OVERHEAD   14 /* most bytes protect adds (SRTCP) */
#define SRTPCTX_SUITE	   "AES_CM_128_HMAC_SHA1_80"
#define SRTPCTX_CRYPTO_MAX 80

struct srtpctx;

/*
 * A context that encrypts with tx and decrypts with rx (both
 * SRTPCTX_KEY_LEN bytes). NULL if libre refuses the keys. Owner: the
 * caller (srtpctx_free(), which wipes the keys).
 */
struct srtpctx *srtpctx_new(const uint8_t *tx, const uint8_t *rx);
void srtpctx_free(struct srtpctx *s);

/*
 * Protect (append the tag) or unprotect (check and strip it) an RTP or
 * RTCP packet in p; *len is updated. cap is p's size. 0 or -1.
 */
int srtpctx_protect_rtp(struct srtpctx *s, uint8_t *p, size_t *len, size_t cap);
int srtpctx_unprotect_rtp(struct srtpctx *s, uint8_t *p, size_t *len);
int
srtpctx_protect_rtcp(struct srtpctx *s, uint8_t *p, size_t *len, size_t cap);
int srtpctx_unprotect_rtcp(struct srtpctx *s, uint8_t *p, size_t *len);

/* Our attribute value "AES_CM_128_HMAC_SHA1_80 inline:<b64>" for key. */
void srtpctx_format(const uint8_t *key, char *out, size_t outsz);

/*
 * Parse a peer's a=crypto value ("<tag> SUITE inline:<b64>[|...]
 * [params]") into key. 0, or -1 with a static reason (other suite, bad
 * key, session parameters we do not understand).
 */
int srtpctx_parse(const char *value, uint8_t *key, const char **why);

#endif
