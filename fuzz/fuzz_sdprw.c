/* Fuzz the SDP rewriter: inspect and rewrite any bytes, twice. */
#include "config.h"

#include <string.h>

#include "../fuzz/fuzz.h"
#include "buf.h"
#include "leakcheck.h"
#include "sdprw.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "192.0.2.7" };
	struct sdprw_policy pol = { .ncodecs = 0, .allow_video = false };
	struct sdprw_target t;
	struct sdprw_session sess;
	struct sdprw_info info;
	const char *reason;
	struct buf out;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.addr = allowed[0];
	for (i = 0; i < SDPRW_MAX_MEDIA; i++) {
		t.media[i].port = (uint16_t)(40000 + 2 * i);
		t.media[i].rtcp_mux = (i % 2) == 0;
	}
	sdprw_session_init(&sess, 1234, 1);
	sdprw_inspect((const char *)data, size, &pol, &info, &reason);
	buf_init(&out, SDPRW_MAX_BODY);
	if (sdprw_rewrite((const char *)data, size, &pol, &sess, &t, &out,
		&info, &reason) == 0) {
		/* What we wrote must read again and carry no other address. */
		struct leakcheck *lc = leakcheck_new();

		if (sdprw_inspect(out.data, out.len, &pol, &info, &reason) != 0)
			__builtin_trap();
		if (leakcheck_scan(lc, out.data, out.len, allowed, 1) !=
		    LEAKCHECK_PASS)
			__builtin_trap();
		leakcheck_free(lc);
	}
	buf_free(&out);
	return 0;
}
