/* Fuzz the TURN TCP stream framer: walk a buffer frame by frame. */
#include "config.h"

#include "../fuzz/fuzz.h"
#include "turnframe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct turnframe f;
	const char *why;
	size_t off = 0;

	while (off < size) {
		switch (turnframe_next(data + off, size - off, &f, &why)) {
		case TURNFRAME_STUN:
		case TURNFRAME_CHANNEL:
			if (f.total == 0 || f.total > size - off)
				__builtin_trap();
			off += f.total;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}
