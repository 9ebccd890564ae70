/* SRTP through libre (the SRTP adapter). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <re.h>

#include "srtpctx.h"
#include "xmalloc.h"

struct srtpctx {
	struct srtp *tx;
	struct srtp *rx;
	struct mbuf *mb; /* scratch: libre works on mbufs */
};

/* Both directions' contexts and a scratch mbuf. */
struct srtpctx *
srtpctx_new(const uint8_t *tx, const uint8_t *rx)
{
	struct srtpctx *s = xcalloc(1, sizeof(*s));

	if (srtp_alloc(&s->tx, SRTP_AES_CM_128_HMAC_SHA1_80, tx,
		SRTPCTX_KEY_LEN, 0) != 0 ||
	    srtp_alloc(&s->rx, SRTP_AES_CM_128_HMAC_SHA1_80, rx,
		SRTPCTX_KEY_LEN, 0) != 0 ||
	    (s->mb = mbuf_alloc(2048)) == NULL) {
		srtpctx_free(s);
		return NULL;
	}
	return s;
}

/* Free the contexts (libre wipes its key schedule on free). */
void
srtpctx_free(struct srtpctx *s)
{
	if (s == NULL)
		return;
	mem_deref(s->tx);
	mem_deref(s->rx);
	mem_deref(s->mb);
	free(s);
}

typedef int srtp_op(struct srtp *, struct mbuf *);

/* Run one libre operation on a copy of p and copy the result back. */
static int
run(struct srtpctx *s, struct srtp *ctx, srtp_op *op, uint8_t *p, size_t *len,
    size_t cap)
{
	struct mbuf *mb = s->mb;

	mbuf_rewind(mb);
	if (mbuf_write_mem(mb, p, *len) != 0)
		return -1;
	mb->pos = 0;
	if (op(ctx, mb) != 0)
		return -1;
	mb->pos = 0;
	if (mb->end > cap)
		return -1;
	memcpy(p, mb->buf, mb->end);
	*len = mb->end;
	return 0;
}

/* Encrypt and tag an RTP packet. */
int
srtpctx_protect_rtp(struct srtpctx *s, uint8_t *p, size_t *len, size_t cap)
{
	return run(s, s->tx, srtp_encrypt, p, len, cap);
}

/* Check and decrypt an SRTP packet. */
int
srtpctx_unprotect_rtp(struct srtpctx *s, uint8_t *p, size_t *len)
{
	return run(s, s->rx, srtp_decrypt, p, len, *len);
}

/* Encrypt and tag an RTCP packet (SRTCP index appended). */
int
srtpctx_protect_rtcp(struct srtpctx *s, uint8_t *p, size_t *len, size_t cap)
{
	return run(s, s->tx, srtcp_encrypt, p, len, cap);
}

/* Check and decrypt an SRTCP packet. */
int
srtpctx_unprotect_rtcp(struct srtpctx *s, uint8_t *p, size_t *len)
{
	return run(s, s->rx, srtcp_decrypt, p, len, *len);
}

/* The attribute value for our key. */
void
srtpctx_format(const uint8_t *key, char *out, size_t outsz)
{
	unsigned char b64[SRTPCTX_B64_LEN + 1];

	EVP_EncodeBlock(b64, key, SRTPCTX_KEY_LEN);
	snprintf(out, outsz, "%s inline:%s", SRTPCTX_SUITE, (char *)b64);
	explicit_bzero(b64, sizeof(b64));
}

/* Parse "<tag> SUITE inline:<b64>[|lifetime][|mki:len]" (RFC 4568). */
int
srtpctx_parse(const char *value, uint8_t *key, const char **why)
{
	unsigned char raw[SRTPCTX_B64_LEN];
	const char *p = value, *b64;
	size_t n;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == value || *p != ' ') {
		*why = "crypto attribute: no tag";
		return -1;
	}
	while (*p == ' ')
		p++;
	if (strncmp(p, SRTPCTX_SUITE " ", strlen(SRTPCTX_SUITE) + 1) != 0) {
		*why = "crypto attribute: unsupported suite";
		return -1;
	}
	p += strlen(SRTPCTX_SUITE) + 1;
	while (*p == ' ')
		p++;
	if (strncmp(p, "inline:", 7) != 0) {
		*why = "crypto attribute: no inline key";
		return -1;
	}
	b64 = p + 7;
	n = strspn(b64,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	    "=");
	if (n != SRTPCTX_B64_LEN) {
		*why = "crypto attribute: key length";
		return -1;
	}
	p = b64 + n;
	/* A lifetime is fine; an MKI or session parameters are not ours. */
	if (*p == '|') {
		p++;
		if (strchr(p, ':') != NULL &&
		    strcspn(p, ":") < strcspn(p, " ")) {
			*why = "crypto attribute: MKI not supported";
			return -1;
		}
		p += strcspn(p, " ");
	}
	while (*p == ' ')
		p++;
	if (*p != '\0') {
		*why = "crypto attribute: session parameters not supported";
		return -1;
	}
	if (memchr(b64, '=', SRTPCTX_B64_LEN) != NULL ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, SRTPCTX_B64_LEN) !=
		SRTPCTX_KEY_LEN) {
		*why = "crypto attribute: bad base64 key";
		return -1;
	}
	memcpy(key, raw, SRTPCTX_KEY_LEN);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}
