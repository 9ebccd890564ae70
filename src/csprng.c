#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/rand.h>

#include "csprng.h"

/* Fill buf with len random bytes; abort if the CSPRNG cannot. */
void
csprng_bytes(void *buf, size_t len)
{
	if (len > 0x7fffffff || RAND_bytes(buf, (int)len) != 1) {
		fprintf(stderr, "onionsip: RAND_bytes failed\n");
		abort();
	}
}

/* A uniformly random 32-bit value. */
uint32_t
csprng_u32(void)
{
	uint32_t v;

	csprng_bytes(&v, sizeof(v));
	return v;
}

/* A uniformly random 64-bit value. */
uint64_t
csprng_u64(void)
{
	uint64_t v;

	csprng_bytes(&v, sizeof(v));
	return v;
}

/* A uniform value in [0, upper), without modulo bias; upper > 0. */
uint32_t
csprng_uniform(uint32_t upper)
{
	uint32_t r, min;

	if (upper < 2)
		return 0;
	min = -upper % upper;
	do
		r = csprng_u32();
	while (r < min);
	return r % upper;
}

/*
 * len random characters from [a-z0-9] and a NUL (dst holds len + 1 bytes):
 * about 5.17 bits each, a token safe in any SIP or SDP field. Bytes are
 * drawn in batches and those >= 252 (7 * 36) rejected, so there is no bias
 * and one CSPRNG call usually serves a whole token.
 */
void
csprng_token(char *dst, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char pool[64];
	size_t i = 0, j = sizeof(pool);

	while (i < len) {
		if (j == sizeof(pool)) {
			csprng_bytes(pool, sizeof(pool));
			j = 0;
		}
		if (pool[j] < 252)
			dst[i++] = alphabet[pool[j] % 36];
		j++;
	}
	dst[len] = '\0';
}
