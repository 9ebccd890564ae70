/*
 * The PROTOS c07-sip suite (4,527 malformed INVITEs and their teardowns):
 * placeholders substituted, each message framed, parsed and sanitized
 * toward the network under ASan/UBSan. None may crash, and the
 * substituted sender address (<From-IP>, <From-Address>) must never come
 * out: the leak check knows it as this machine's own address.
 */
#include "test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "leakcheck.h"
#include "sdprw.h"
#include "sipframe.h"
#include "sipmsg.h"
#include "sipsan.h"

#define ONION	"etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"
#define PEER	"q5x7kbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbd.onion"
#define FROM_IP "192.0.2.77"
#define RELAY	"198.51.100.7"
#define NCASES	4527

/* Counts of what happened to the messages. */
struct protos_counts {
	size_t msgs, frame_refused, parse_refused, ok, local, refused, leak;
};

/* Replace every placeholder of one PROTOS message into out. */
static void
protos_substitute(const char *p, size_t len, unsigned int num, struct buf *out)
{
	static const struct {
		const char *name, *value;
	} subst[] = {
		{ "<To>", "bob@" PEER },
		{ "<From>", "alice@" FROM_IP },
		{ "<From-Address>", FROM_IP },
		{ "<From-IP>", FROM_IP },
		{ "<Local-Port>", "5060" },
		{ "<CSeq>", "1" },
		{ "<Teardown-Method>", "CANCEL" },
	};
	struct buf tmp;
	size_t i, j, clen_at = (size_t)-1;
	const char *body;

	buf_init(&tmp, 1 << 20);
	for (i = 0; i < len;) {
		bool done = false;

		if (p[i] == '<') {
			for (j = 0; j < sizeof(subst) / sizeof(subst[0]); j++) {
				size_t n = strlen(subst[j].name);

				if (len - i >= n &&
				    memcmp(p + i, subst[j].name, n) == 0) {
					buf_addstr(&tmp, subst[j].value);
					i += n;
					done = true;
					break;
				}
			}
			if (!done && len - i >= 9 &&
			    memcmp(p + i, "<Call-ID>", 9) == 0) {
				buf_printf(&tmp, "protos%u", num);
				i += 9;
				done = true;
			} else if (!done && len - i >= 11 &&
			    memcmp(p + i, "<Branch-ID>", 11) == 0) {
				buf_printf(&tmp, "%u", num);
				i += 11;
				done = true;
			} else if (!done && len - i >= 16 &&
			    memcmp(p + i, "<Content-Length>", 16) == 0) {
				clen_at = tmp.len;
				i += 16;
				done = true;
			}
		}
		if (!done)
			buf_addc(&tmp, p[i++]);
	}
	/* Content-Length is what follows the first empty line. */
	buf_reset(out);
	body =
	    tmp.data == NULL ? NULL : memmem(tmp.data, tmp.len, "\r\n\r\n", 4);
	if (clen_at == (size_t)-1 || tmp.data == NULL) {
		if (tmp.len > 0)
			buf_add(out, tmp.data, tmp.len);
	} else {
		size_t blen =
		    body == NULL ? 0 : tmp.len - (size_t)(body + 4 - tmp.data);

		buf_add(out, tmp.data, clen_at);
		buf_printf(out, "%zu", blen);
		buf_add(out, tmp.data + clen_at, tmp.len - clen_at);
	}
	buf_free(&tmp);
}

/* One message through framing, parsing and the sanitizer. */
static void
protos_run(const char *p, size_t len, const struct leakcheck *lc,
    struct protos_counts *c, const char *name)
{
	static const char *const allowed[] = { RELAY };
	const char *vias[] = { "SIP/2.0/TCP " PEER ";branch=z9hG4bKp" };
	struct sipframe_result r;
	struct sipmsg_error err;
	struct sipmsg *m;
	struct sipsan_leg leg;
	struct sipsan_result res;
	struct sdprw_policy pol;
	struct sdprw_session sess;
	struct sdprw_target target;
	struct buf out;
	size_t off = 0;

	c->msgs++;
	while (sipframe_datagram(p + off, len - off, &r) == SIPFRAME_KEEPALIVE)
		off += r.len;
	if (r.status != SIPFRAME_MESSAGE) {
		assert_true(r.scode >= 400 && r.scode < 600);
		c->frame_refused++;
		return;
	}
	m = sipmsg_parse(p + off, r.len, &err);
	if (m == NULL) {
		assert_true(err.scode >= 400 && err.scode < 600);
		c->parse_refused++;
		return;
	}
	memset(&pol, 0, sizeof(pol));
	memset(&sess, 0, sizeof(sess));
	memset(&target, 0, sizeof(target));
	target.addr = RELAY;
	target.media[0].port = 40000;
	memset(&leg, 0, sizeof(leg));
	leg.local_uri = "sip:alice@" ONION;
	leg.local_tag = "lt";
	leg.contact_uri = "sip:alice@" ONION;
	leg.remote_uri = "sip:bob@" PEER;
	leg.call_id = "cid";
	leg.cseq = 1;
	leg.via_host = ONION;
	leg.branch = "z9hG4bKnew";
	leg.vias = vias;
	leg.nvias = 1;
	leg.sdp_policy = &pol;
	leg.sdp_session = &sess;
	leg.sdp_target = &target;
	leg.lc = lc;
	leg.allowed = allowed;
	leg.nallowed = 1;
	buf_init(&out, SIPSAN_MAX_MSG);
	switch (sipsan_rewrite(m, SIPSAN_TO_NETWORK, &leg, &out, &res)) {
	case SIPSAN_OK:
		c->ok++;
		if (memmem(out.data, out.len, FROM_IP, strlen(FROM_IP)) != NULL)
			fail_msg(
			    "%s: the From-IP went out:\n%s", name, out.data);
		break;
	case SIPSAN_LOCAL:
		c->local++;
		break;
	case SIPSAN_REFUSED:
		c->refused++;
		break;
	case SIPSAN_LEAK:
		c->leak++;
		break;
	case SIPSAN_ERROR:
		fail_msg("%s: sanitizer error %s", name, res.reason);
	}
	buf_free(&out);
	sipmsg_free(m);
}

/* Split one case file into its two length-prefixed messages. */
static size_t
protos_split(const char *data, size_t len, struct span *msgs)
{
	size_t off = 0, n = 0;

	while (off < len && n < 2) {
		unsigned long l = 0;

		while (off < len && data[off] >= '0' && data[off] <= '9')
			l = l * 10 + (unsigned long)(data[off++] - '0');
		if (off >= len || data[off] != ' ' || l > len - off - 1)
			fail_msg("bad case file framing at %zu", off);
		off++;
		msgs[n++] = (struct span){ data + off, l };
		off += l;
	}
	return n;
}

/* All cases, both messages each. */
static void
test_protos_all(void **state)
{
	struct protos_counts c;
	struct leakcheck *lc = leakcheck_new();
	struct sockaddr_in sin;
	struct buf msg;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, FROM_IP, &sin.sin_addr);
	assert_int_equal(leakcheck_add_addr(lc, (struct sockaddr *)&sin), 0);
	buf_init(&msg, 1 << 20);
	for (i = 0; i < NCASES; i++) {
		char rel[64];
		struct span msgs[2];
		size_t len, n, k;
		char *data;

		snprintf(rel, sizeof(rel), "tests/corpus/protos/cases/%07u", i);
		data = test_read_file(rel, &len);
		n = protos_split(data, len, msgs);
		assert_int_equal(n, 2);
		for (k = 0; k < n; k++) {
			protos_substitute(msgs[k].p, msgs[k].len, i, &msg);
			if (msg.overflow)
				fail_msg("%s: too big to substitute", rel);
			protos_run(msg.data != NULL ? msg.data : "", msg.len,
			    lc, &c, rel);
		}
		free(data);
		/* Case 0 is the valid baseline: it must go through. */
		if (i == 0)
			assert_int_equal(c.ok, 2);
	}
	printf("# protos: %zu messages: %zu refused by framing, %zu by the "
	       "parser;\n# sanitized %zu, answered locally %zu, refused by "
	       "policy %zu, stopped by the leak check %zu\n",
	    c.msgs, c.frame_refused, c.parse_refused, c.ok, c.local, c.refused,
	    c.leak);
	assert_int_equal(c.msgs, 2 * NCASES);
	buf_free(&msg);
	leakcheck_free(lc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protos_all),
	};

	return cmocka_run_group_tests_name("protos", tests, NULL, NULL);
}
