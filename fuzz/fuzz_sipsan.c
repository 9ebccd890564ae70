/*
 * Fuzz the whole path a peer's bytes take: frame, parse, sanitize toward
 * the network and toward the softphone, and answer locally. A message
 * that goes out must parse again.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "sdprw.h"
#include "sipframe.h"
#include "sipmsg.h"
#include "sipsan.h"

#define ONION "etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"

/* Sanitize m one way; check what comes out. */
static void
fuzz_one(const struct sipmsg *m, enum sipsan_dir dir)
{
	static const char *const allowed[] = { "198.51.100.7" };
	const char *vias[] = { "SIP/2.0/TCP peer.invalid;branch=z9hG4bKf" };
	struct sipsan_leg leg;
	struct sipsan_result res;
	struct sdprw_policy pol;
	struct sdprw_session sess;
	struct sdprw_target target;
	struct sipmsg_error err;
	struct sipmsg *again;
	struct buf out;

	memset(&pol, 0, sizeof(pol));
	memset(&sess, 0, sizeof(sess));
	memset(&target, 0, sizeof(target));
	target.addr = "198.51.100.7";
	target.media[0].port = 40000;
	memset(&leg, 0, sizeof(leg));
	leg.local_uri = "sip:alice@" ONION;
	leg.local_tag = "lt";
	leg.contact_uri = "sip:alice@" ONION;
	leg.remote_uri = "sip:bob@peer.invalid";
	leg.remote_tag = "rt";
	leg.call_id = "cid";
	leg.cseq = 1;
	leg.via_host = ONION;
	leg.branch = "z9hG4bKnew";
	leg.vias = vias;
	leg.nvias = 1;
	leg.sdp_policy = &pol;
	leg.sdp_session = &sess;
	leg.sdp_target = &target;
	leg.allowed = allowed;
	leg.nallowed = 1;
	buf_init(&out, SIPSAN_MAX_MSG);
	if (sipsan_rewrite(m, dir, &leg, &out, &res) == SIPSAN_OK) {
		again = sipmsg_parse(out.data, out.len, &err);
		if (again == NULL)
			abort();
		sipmsg_free(again);
	} else if (out.len != 0)
		abort();
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sipframe_result r;
	struct sipmsg_error err;
	struct sipmsg *m;
	struct buf out;
	const char *why;
	size_t off = 0;

	while (sipframe_datagram((const char *)data + off, size - off, &r) ==
	    SIPFRAME_KEEPALIVE)
		off += r.len;
	if (r.status != SIPFRAME_MESSAGE)
		return 0;
	m = sipmsg_parse((const char *)data + off, r.len, &err);
	if (m == NULL)
		return 0;
	fuzz_one(m, SIPSAN_TO_NETWORK);
	fuzz_one(m, SIPSAN_TO_SOFTPHONE);
	buf_init(&out, SIPSAN_MAX_MSG);
	if (m->is_request &&
	    sipsan_answer(m, 405, "t", NULL, NULL, NULL, 0, &out, &why) == 0) {
		struct sipmsg *again = sipmsg_parse(out.data, out.len, &err);

		/* Our own answer echoes the request: it must parse. */
		if (again == NULL)
			abort();
		sipmsg_free(again);
	}
	buf_free(&out);
	sipmsg_free(m);
	return 0;
}
