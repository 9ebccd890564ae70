/* Fuzz the RTP check and rewriter in both directions. */
#include "config.h"

#include <string.h>

#include "../fuzz/fuzz.h"
#include "rtprw.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t p[RTPRW_MAX_PACKET + 64];
	struct rtprw rw;
	const char *why;
	int n;

	if (size > sizeof(p))
		return 0;
	rtprw_init(&rw, 1, 2, 3, 4, "fuzzfuzzfuzzfuzz");
	(void)rtprw_classify(data, size);
	memcpy(p, data, size);
	if ((n = rtprw_out(&rw, p, size, &why)) >= 0) {
		/* Padded for the network, the receiver gets the same bytes. */
		uint8_t q[sizeof(p)];
		size_t len = rtprw_pad(p, (size_t)n, sizeof(p));

		memcpy(q, p, (size_t)n);
		q[0] &= (uint8_t)~0x20;
		if (len < (size_t)n || rtprw_in(p, len, &why) != n ||
		    memcmp(p, q, (size_t)n) != 0)
			__builtin_trap();
	}
	memcpy(p, data, size);
	(void)rtprw_in(p, size, &why);
	return 0;
}
