/* Fuzz SIP framing: stream mode walked to the end, and datagram mode. */
#include "config.h"

#include <stdlib.h>

#include "../fuzz/fuzz.h"
#include "sipframe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct sipframe_result r;
	size_t off = 0;

	for (;;) {
		if (sipframe_stream(p + off, size - off, &r) ==
			SIPFRAME_NEED_MORE ||
		    r.status == SIPFRAME_ERROR)
			break;
		if (r.len == 0 || r.len > size - off)
			abort(); /* would loop or read past the end */
		off += r.len;
	}
	off = 0;
	while (
	    sipframe_datagram(p + off, size - off, &r) == SIPFRAME_KEEPALIVE) {
		if (r.len == 0)
			abort();
		off += r.len;
	}
	if (r.status == SIPFRAME_MESSAGE &&
	    (r.len > size - off || r.hdr_len + r.body_len != r.len))
		abort();
	return 0;
}
