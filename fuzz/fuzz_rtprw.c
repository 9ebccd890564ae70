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

	if (size > sizeof(p))
		return 0;
	rtprw_init(&rw, 1, 2, 3, 4, "fuzzfuzzfuzzfuzz");
	(void)rtprw_classify(data, size);
	memcpy(p, data, size);
	(void)rtprw_out(&rw, p, size, &why);
	memcpy(p, data, size);
	(void)rtprw_in(p, size, &why);
	return 0;
}
