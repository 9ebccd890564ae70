/* Fuzz the SIP parser (libre adapter and our validation) on one message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "sipmsg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sipmsg_error err;
	struct sipmsg *m;
	size_t i;

	m = sipmsg_parse((const char *)data, size, &err);
	if (m == NULL) {
		if (err.scode < 400 || err.scode > 599 || err.reason == NULL)
			abort();
		return 0;
	}
	/* Touch every span: each must lie inside the message's copy. */
	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].value.len > size || m->hdrs[i].name.len == 0)
			abort();
	for (i = 0; i < m->nvia; i++)
		if (m->via[i].host.len > size)
			abort();
	if (m->body.len > size || m->call_id.len == 0)
		abort();
	(void)sipmsg_count(m, SIPMSG_H_CONTACT);
	sipmsg_free(m);
	return 0;
}
