/* Fuzz the onion address and client-key parsers (callee addresses come
 * from the softphone, client keys from the settings). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "onion.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], back[ONION_ADDR_LEN + 1];
	uint8_t pub[32];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* Whatever parses must derive back to the same address. */
	if (onion_address_parse(s, pub) == 0) {
		onion_address_from_pubkey(pub, back);
		if (strncasecmp(back, s, ONION_ADDR_LEN) != 0)
			abort();
	}
	onion_client_key_check(s);
	return 0;
}
