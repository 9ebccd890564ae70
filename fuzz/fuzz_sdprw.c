/* Fuzz the SDP rewriter: inspect and rewrite any bytes, twice. */
#include "config.h"

#include <string.h>

#include "../fuzz/fuzz.h"
#include "buf.h"
#include "leakcheck.h"
#include "sdprw.h"

/* Trap unless the map's two directions are each other's inverse. */
static void
fuzz_ptmap_check(const struct sdprw_ptmap *pm)
{
	size_t i;

	for (i = 0; i < 128; i++) {
		if (pm->to_net[i] != SDPRW_PT_NONE &&
		    (pm->to_net[i] > 127 || pm->to_sp[pm->to_net[i]] != i))
			__builtin_trap();
		if (pm->to_sp[i] != SDPRW_PT_NONE &&
		    (pm->to_sp[i] > 127 || pm->to_net[pm->to_sp[i]] != i))
			__builtin_trap();
	}
}

/*
 * The body toward the network through a payload type map, and what came
 * out back toward the softphone (as if it were the answer): the map stays
 * one to one and both bodies read again.
 */
static void
fuzz_ptmap(const char *data, size_t size, const struct sdprw_policy *pol,
    struct sdprw_target *t)
{
	struct sdprw_ptmap pm;
	struct sdprw_session sess;
	struct sdprw_info info;
	struct buf out, back;
	const char *reason;

	sdprw_ptmap_init(&pm);
	sdprw_session_init(&sess, 1, 1);
	t->media[0].ptmap = &pm;
	t->to_network = true;
	buf_init(&out, SDPRW_MAX_BODY);
	buf_init(&back, SDPRW_MAX_BODY);
	if (sdprw_rewrite(data, size, pol, &sess, t, &out, NULL, &reason) ==
	    0) {
		fuzz_ptmap_check(&pm);
		if (sdprw_inspect(out.data, out.len, pol, &info, &reason) != 0)
			__builtin_trap();
		t->to_network = false;
		if (sdprw_rewrite(out.data, out.len, pol, &sess, t, &back, NULL,
			&reason) != 0)
			__builtin_trap();
		fuzz_ptmap_check(&pm);
	}
	t->media[0].ptmap = NULL;
	t->to_network = false;
	buf_free(&out);
	buf_free(&back);
}

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
	fuzz_ptmap((const char *)data, size, &pol, &t);
	return 0;
}
