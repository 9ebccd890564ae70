/* Fuzz the SOCKS5 reply parsers on every prefix of the input. */
#include "config.h"

#include "../fuzz/fuzz.h"
#include "socks5.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum socks5_reason reason;
	struct socks5_reply reply;
	size_t i, used;
	uint8_t method;

	for (i = 0; i <= size && i <= SOCKS5_MAX_REPLY + 4; i++) {
		used = 0;
		socks5_parse_method(data, i, &used, &method, &reason);
		socks5_parse_auth(data, i, &used, &reason);
		if (socks5_parse_reply(data, i, &used, &reply) ==
		    SOCKS5_PARSE_DONE) {
			if (used > i || used > SOCKS5_MAX_REPLY)
				__builtin_trap();
			(void)socks5_reason_str(reply.reason);
			(void)socks5_reason_sip_status(reply.reason);
		}
	}
	return 0;
}
