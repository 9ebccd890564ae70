/* Fuzz the STUN/TURN adapter's parser, with and without a key. */
#include "config.h"

#include "../fuzz/fuzz.h"
#include "turnmsg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[TURNMSG_KEY_LEN] = { 1 };
	struct turnmsg_parsed m;
	const char *why;

	if (turnmsg_parse(data, size, key, sizeof(key), &m, &why) == 0 &&
	    m.data != NULL &&
	    (m.data < data || m.data + m.datalen > data + size))
		__builtin_trap();
	(void)turnmsg_parse(data, size, NULL, 0, &m, &why);
	return 0;
}
