/* Fuzz the tor control-reply parser and its argument helpers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "torreply.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *why;
	struct torreply r;
	size_t used, i;
	char v[256];

	while (size > 0 &&
	    torreply_parse(p, size, &used, &r, &why) == TORREPLY_DONE) {
		if (used == 0 || used > size)
			abort();
		for (i = 0; i < r.nlines; i++) {
			torreply_arg(r.lines[i].text, "PROGRESS", v, sizeof(v));
			torreply_arg(
			    r.lines[i].text, "COOKIEFILE", v, sizeof(v));
			torreply_kv(r.lines[i].text, "ServiceID", v, sizeof(v));
			if (r.lines[i].data != NULL &&
			    strlen(r.lines[i].data) > r.lines[i].datalen)
				abort();
		}
		torreply_free(&r);
		p += used;
		size -= used;
	}
	return 0;
}
