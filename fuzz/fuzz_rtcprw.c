/* Fuzz the RTCP rebuilder; what it writes must itself rebuild cleanly. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "rtcprw.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[RTPRW_MAX_PACKET + 64], again[RTPRW_MAX_PACKET + 64];
	struct rtcprw_info info;
	struct rtprw rw;
	const char *why;
	int n, dir;

	for (dir = RTCPRW_OUT; dir <= RTCPRW_IN; dir++) {
		rtprw_init(&rw, 1, 2, 3, 4, "fuzzfuzzfuzzfuzz");
		n = rtcprw_rebuild(&rw, (enum rtcprw_dir)dir, data, size, out,
		    sizeof(out), &info, &why);
		if (n > 0 && n <= RTPRW_MAX_PACKET &&
		    rtcprw_rebuild(&rw, (enum rtcprw_dir)dir, out, (size_t)n,
			again, sizeof(again), &info, &why) < 0)
			abort();
	}
	return 0;
}
