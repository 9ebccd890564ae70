/*
 * Every message of the RFC 4475, RFC 5118 and RFC 3665 corpora through
 * framing (datagram mode, as the RFCs assume), parsing and sanitizing in
 * both directions. The expected verdicts follow each folder's INDEX.md;
 * where onionsip's answer is a choice the RFC leaves open, the comment
 * says so. A message that passes must parse again, and nothing that
 * identified its sender (addresses, hosts, tags, branches, Call-ID,
 * software) may survive toward the network.
 */
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "leakcheck.h"
#include "sdprw.h"
#include "sipframe.h"
#include "sipmsg.h"
#include "sipsan.h"

#define ONION "etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"
#define PEER  "q5x7kbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbd.onion"
#define RELAY "198.51.100.7"

/* What must happen to one file. */
struct expect {
	const char *file;
	int refuse;	       /* 0: parses; else the status refused with */
	enum sipsan_verdict v; /* toward the network, when it parses */
	int scode;	       /* the answer that goes with v */
	bool any;	       /* framing case: any safe outcome will do */
};

static const struct expect rfc4475[] = {
	/* 3.1.1: valid, must be accepted. */
	{ "wsinv.dat", 0, SIPSAN_OK, 0, false },
	{ "intmeth.dat", 0, SIPSAN_REFUSED, 501, false }, /* unknown method */
	{ "esc01.dat", 0, SIPSAN_OK, 0, false },
	{ "escnull.dat", 0, SIPSAN_LOCAL, 200, false }, /* REGISTER */
	{ "esc02.dat", 0, SIPSAN_REFUSED, 501, false }, /* RE%47IST%45R */
	{ "lwsdisp.dat", 0, SIPSAN_LOCAL, 200, false }, /* OPTIONS */
	{ "longreq.dat", 0, SIPSAN_OK, 0, false },
	{ "dblreq.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "semiuri.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "transports.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "mpart01.dat", 0, SIPSAN_REFUSED, 405, false }, /* MESSAGE */
	{ "unreason.dat", 0, SIPSAN_OK, 0, false },
	{ "noreason.dat", 0, SIPSAN_REFUSED, 0, false }, /* 100: hop-by-hop */
	/* 3.1.2: invalid, refused with 400 (505 for the version). */
	{ "badinv01.dat", 400, 0, 0, false },
	{ "clerr.dat", 400, 0, 0, false },
	{ "ncl.dat", 400, 0, 0, false },
	{ "scalar02.dat", 400, 0, 0, false },
	{ "scalarlg.dat", 400, 0, 0, false },
	{ "quotbal.dat", 400, 0, 0, false },
	{ "ltgtruri.dat", 400, 0, 0, false },
	{ "lwsruri.dat", 400, 0, 0, false },
	{ "lwsstart.dat", 400, 0, 0, false },
	{ "trws.dat", 400, 0, 0, false },
	{ "escruri.dat", 400, 0, 0, false },
	/* baddate: the RFC allows ignoring the Date; onionsip drops it. */
	{ "baddate.dat", 0, SIPSAN_OK, 0, false },
	{ "regbadct.dat", 400, 0, 0, false },
	{ "badaspec.dat", 400, 0, 0, false },
	{ "baddn.dat", 400, 0, 0, false },
	{ "badvers.dat", 505, 0, 0, false },
	{ "mismatch01.dat", 400, 0, 0, false },
	{ "mismatch02.dat", 400, 0, 0, false }, /* RFC: 501 or 400 */
	{ "bigcode.dat", 400, 0, 0, false },
	/* 3.2 and 3.3: parseable, the answer the RFC names. */
	{ "badbranch.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "insuf.dat", 400, 0, 0, false },
	{ "unkscm.dat", 416, 0, 0, false },
	{ "novelsc.dat", 416, 0, 0, false },
	/* unksm2: libre cannot decode From <http://...>; onionsip answers
	 * 400 where the RFC would process it (it could not carry it: its
	 * From is rewritten anyway, but the parser refuses first). */
	{ "unksm2.dat", 400, 0, 0, false },
	{ "bext01.dat", 0, SIPSAN_REFUSED, 420, false },
	{ "invut.dat", 0, SIPSAN_REFUSED, 415, false },
	{ "regaut01.dat", 0, SIPSAN_LOCAL, 200, false }, /* registrar: 401 */
	{ "multi01.dat", 400, 0, 0, false },
	{ "mcl01.dat", 400, 0, 0, false },
	{ "bcast.dat", 0, SIPSAN_OK, 0, false },
	{ "zeromf.dat", 0, SIPSAN_LOCAL, 200, false }, /* we are the UAS */
	{ "cparam01.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "cparam02.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "regescrt.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "sdp01.dat", 0, SIPSAN_REFUSED, 415, false },
	{ "test.dat", 400, 0, 0, false },
	/* 3.4.1: RFC 2543 syntax, accepted. */
	{ "inv2543.dat", 0, SIPSAN_OK, 0, false },
};

static const struct expect rfc5118[] = {
	{ "ipv6-good.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "ipv6-bad.dat", 400, 0, 0, false },
	{ "port-ambiguous.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "port-unambiguous.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "via-received-param-with-delim.dat", 0, SIPSAN_OK, 0, false },
	{ "via-received-param-no-delim.dat", 0, SIPSAN_LOCAL, 200, false },
	/* Content-Length larger than the datagram: 400 (clerr). */
	{ "ipv6-in-sdp.dat", 400, 0, 0, false },
	/* IPv6-only media: the SDP rewriter's policy decides (488 today,
	 * it carries IPv4 relays only); either way nothing leaks. */
	{ "ipv6-in-sdp.fixed-cl.dat", 0, SIPSAN_OK, 0, true },
	{ "mult-ip-in-header.dat", 0, SIPSAN_OK, 0, false },
	/* Content-Length shorter than the body: the SDP is cut. */
	{ "mult-ip-in-sdp.dat", 0, SIPSAN_OK, 0, true },
	{ "mult-ip-in-sdp.fixed-cl.dat", 0, SIPSAN_OK, 0, false },
	{ "ipv4-mapped-ipv6.dat", 0, SIPSAN_OK, 0, true },
	{ "ipv4-mapped-ipv6.fixed-cl.dat", 0, SIPSAN_OK, 0, true },
	{ "ipv6-bug-abnf-3-colons.dat", 0, SIPSAN_LOCAL, 200, false },
	{ "ipv6-correct-abnf-2-colons.dat", 0, SIPSAN_LOCAL, 200, false },
};

static const struct expect rfc3665[] = {
	{ "2_1-F1-REGISTER.sip", 0, SIPSAN_LOCAL, 200, false },
	{ "2_1-F2-401.sip", 0, SIPSAN_REFUSED, 0, false },
	{ "2_1-F3-REGISTER.sip", 0, SIPSAN_LOCAL, 200, false },
	{ "2_1-F4-200.sip", 0, SIPSAN_REFUSED, 0, false },
	{ "3_1-F1-INVITE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_1-F2-180.sip", 0, SIPSAN_OK, 0, false },
	{ "3_1-F3-200.sip", 0, SIPSAN_OK, 0, false },
	{ "3_1-F4-ACK.sip", 0, SIPSAN_OK, 0, false },
	{ "3_1-F5-BYE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_1-F6-200.sip", 0, SIPSAN_OK, 0, false },
	{ "3_2-F2-407.sip", 0, SIPSAN_OK, 0, false },
	{ "3_2-F4-INVITE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_2-F7-INVITE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_2-F12-200.sip", 0, SIPSAN_OK, 0, false },
	{ "3_2-F17-ACK.sip", 0, SIPSAN_OK, 0, false },
	{ "3_2-F18-BYE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_5-F2-INVITE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_7-F9-INVITE.sip", 0, SIPSAN_OK, 0, false },
	{ "3_8-F9-CANCEL.sip", 0, SIPSAN_OK, 0, false },
	{ "3_8-F15-487.sip", 0, SIPSAN_OK, 0, false },
	{ "3_9-F6-486.sip", 0, SIPSAN_OK, 0, false },
};

/* Real softphones (tests/captures/sip/record.py). */
static const struct expect captures[] = {
	{ "baresip-invite.sip", 0, SIPSAN_OK, 0, false },
	{ "baresip-ack.sip", 0, SIPSAN_OK, 0, false },
	{ "baresip-ice-invite.sip", 0, SIPSAN_OK, 0, false },
	{ "baresip-ice-ack.sip", 0, SIPSAN_OK, 0, false },
	{ "baresip-register.sip", 0, SIPSAN_LOCAL, 200, false },
	{ "baresip-180.sip", 0, SIPSAN_OK, 0, false },
	{ "baresip-200.sip", 0, SIPSAN_OK, 0, false },
	{ "baresip-bye-200.sip", 0, SIPSAN_OK, 0, false },
	{ "linphonec-invite.sip", 0, SIPSAN_OK, 0, false },
	{ "linphonec-ack.sip", 0, SIPSAN_OK, 0, false },
	{ "linphonec-register.sip", 0, SIPSAN_LOCAL, 200, false },
	{ "linphonec-180.sip", 0, SIPSAN_OK, 0, false },
	{ "linphonec-200.sip", 0, SIPSAN_OK, 0, false },
	{ "linphonec-bye-200.sip", 0, SIPSAN_OK, 0, false },
};

/* What the softphones put on the wire (CLIENTS notes): none may pass. */
static const char *const softphone_traces[] = { "baresip", "Linphone",
	"+sip.instance", "urn:uuid", "reg-id", "-0x", "a=tool", "s=Talk",
	"192.0.2.200", "2001:db8::200", "127.0.0.1", "Answering", " Ok\r\n",
	"a=candidate", "ice-", "a=ssrc", "cname", "a=label", "rtcp-xr",
	"rtcp-fb", "Supported", "gruu", "NOTIFY", "PRACK", "Carol", "carol",
	"alice", "dave", "User-Agent", "Server:", "c00002c8", NULL };

/* Frame one datagram and parse it; the status it was refused with. */
static int
corpus_parse(const char *data, size_t len, struct sipmsg **mp, const char **why)
{
	struct sipframe_result r;
	struct sipmsg_error err;
	size_t off = 0;

	*mp = NULL;
	while (
	    sipframe_datagram(data + off, len - off, &r) == SIPFRAME_KEEPALIVE)
		off += r.len;
	if (r.status != SIPFRAME_MESSAGE) {
		*why = r.reason;
		return r.scode;
	}
	*mp = sipmsg_parse(data + off, r.len, &err);
	if (*mp == NULL) {
		*why = err.reason;
		return err.scode;
	}
	return 0;
}

/* Fail if s (at least 4 bytes, not the bare magic cookie) is in out. */
static void
corpus_absent(const char *file, const struct buf *out, struct span s)
{
	if (s.len < 4 || span_eq(s, SPAN_LIT("z9hG4bK")))
		return;
	if (memmem(out->data, out->len, s.p, s.len) != NULL)
		fail_msg("%s: '%.*s' survived toward the network:\n%s", file,
		    (int)s.len, s.p, out->data);
}

/* Everything in m that identifies its sender must be gone from out. */
static void
corpus_check_gone(
    const char *file, const struct sipmsg *m, const struct buf *out)
{
	const struct sipmsg_addr *a[] = { &m->from, &m->to, &m->contact };
	size_t i;

	for (i = 0; i < m->nvia; i++) {
		corpus_absent(file, out, m->via[i].host);
		corpus_absent(file, out, m->via[i].branch);
	}
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		corpus_absent(file, out, a[i]->uri.host);
		corpus_absent(file, out, a[i]->uri.user);
		corpus_absent(file, out, a[i]->tag);
	}
	corpus_absent(file, out, m->call_id);
	corpus_absent(file, out, m->user_agent);
}

/* The only header fields sipsan ever writes, spelled as it writes them. */
static const char *const written_headers[] = { "Via", "Max-Forwards", "From",
	"To", "Call-ID", "CSeq", "Contact", "Expires", "Retry-After",
	"Min-Expires", "Allow", "Accept", "Reason", "Authorization",
	"Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate",
	"Content-Type", "Content-Length", NULL };

/* Fail unless every field of out is on the list, in its long form. */
static void
corpus_check_whitelist(const char *file, const struct sipmsg *out)
{
	size_t i, k;

	for (i = 0; i < out->nhdrs; i++) {
		for (k = 0; written_headers[k] != NULL; k++)
			if (span_eq(out->hdrs[i].name,
				span_cstr(written_headers[k])))
				break;
		if (written_headers[k] == NULL)
			fail_msg("%s: wrote a field off the whitelist: %.*s",
			    file, (int)out->hdrs[i].name.len,
			    out->hdrs[i].name.p);
	}
}

/* Sanitize in one direction; the verdict. out holds the message. */
static enum sipsan_verdict
corpus_sanitize(const struct sipmsg *m, enum sipsan_dir dir,
    const struct leakcheck *lc, struct buf *out, struct sipsan_result *res)
{
	static const char *const allowed[] = { RELAY };
	const char *vias[] = { "SIP/2.0/TCP " PEER ";branch=z9hG4bKcorpus" };
	struct sdprw_policy pol;
	struct sdprw_session sess;
	struct sdprw_target target;
	struct sipsan_leg leg;

	memset(&pol, 0, sizeof(pol));
	memset(&sess, 0, sizeof(sess));
	sess.sess_id = 77;
	sess.version = 5;
	memset(&target, 0, sizeof(target));
	target.addr = dir == SIPSAN_TO_NETWORK ? RELAY : "127.0.0.1";
	target.media[0].port = 40000;
	target.media[1].port = 40002;
	memset(&leg, 0, sizeof(leg));
	leg.local_uri = "sip:u1@" ONION;
	leg.local_tag = "ltagcorpus";
	leg.contact_uri = "sip:u1@" ONION ";transport=tcp";
	leg.remote_uri = "sip:u2@" PEER;
	leg.remote_tag = m->to.tag.len > 0 ? "rtagcorpus" : NULL;
	leg.call_id = "cidcorpus";
	leg.cseq = 9;
	leg.via_host = ONION;
	leg.branch = "z9hG4bKnewcorpus";
	leg.vias = vias;
	leg.nvias = 1;
	leg.sdp_policy = &pol;
	leg.sdp_session = &sess;
	leg.sdp_target = &target;
	leg.lc = dir == SIPSAN_TO_NETWORK ? lc : NULL;
	leg.allowed = allowed;
	leg.nallowed = 1;
	return sipsan_rewrite(m, dir, &leg, out, res);
}

/* One file: its verdict, and the properties of what passes. */
static void
corpus_one(const char *dir, const struct expect *e, struct leakcheck *lc)
{
	char path[256];
	struct sipmsg *m, *again;
	struct sipsan_result res;
	struct buf out;
	const char *why = NULL;
	size_t len;
	char *data;
	int scode;

	snprintf(path, sizeof(path), "tests/%s/%s", dir, e->file);
	data = test_read_file(path, &len);
	scode = corpus_parse(data, len, &m, &why);
	if (scode != e->refuse)
		fail_msg("%s: parse gave %d (%s), want %d", e->file, scode,
		    why ? why : "accepted", e->refuse);
	if (m == NULL) {
		assert_non_null(why);
		free(data);
		return;
	}
	buf_init(&out, SIPSAN_MAX_MSG);
	corpus_sanitize(m, SIPSAN_TO_NETWORK, lc, &out, &res);
	if (!e->any && (res.verdict != e->v || res.scode != e->scode))
		fail_msg("%s: sanitize gave %s %d (%s), want %s %d", e->file,
		    sipsan_verdict_str(res.verdict), res.scode, res.reason,
		    sipsan_verdict_str(e->v), e->scode);
	assert_int_not_equal(res.verdict, SIPSAN_ERROR);
	if (res.verdict == SIPSAN_OK) {
		corpus_check_gone(e->file, m, &out);
		if (strcmp(dir, "captures/sip") == 0)
			for (size_t i = 0; softphone_traces[i] != NULL; i++)
				corpus_absent(e->file, &out,
				    span_cstr(softphone_traces[i]));
		again =
		    sipmsg_parse(out.data, out.len, &(struct sipmsg_error){});
		if (again == NULL)
			fail_msg("%s: output does not parse:\n%s", e->file,
			    out.data);
		corpus_check_whitelist(e->file, again);
		sipmsg_free(again);
	} else
		assert_int_equal(out.len, 0);
	/* Toward the softphone the same message must be as safe. */
	corpus_sanitize(m, SIPSAN_TO_SOFTPHONE, lc, &out, &res);
	assert_int_not_equal(res.verdict, SIPSAN_ERROR);
	if (res.verdict == SIPSAN_OK) {
		again =
		    sipmsg_parse(out.data, out.len, &(struct sipmsg_error){});
		if (again == NULL)
			fail_msg("%s: output to softphone does not parse:\n%s",
			    e->file, out.data);
		corpus_check_whitelist(e->file, again);
		sipmsg_free(again);
	}
	buf_free(&out);
	sipmsg_free(m);
	free(data);
}

/* Add an address the captures stand in for this machine's. */
static void
corpus_add_addr(struct leakcheck *lc, const char *text)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		leakcheck_add_addr(lc, (struct sockaddr *)&sin);
	} else if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		leakcheck_add_addr(lc, (struct sockaddr *)&sin6);
	}
}

/*
 * The same message from baresip and from linphonec, written for the same
 * leg: the header sections must be identical byte for byte, or the
 * softphone could be told from what goes out.
 */
static void
test_same_headers(void **state)
{
	static const char *const pairs[][2] = {
		{ "baresip-invite.sip", "linphonec-invite.sip" },
		{ "baresip-180.sip", "linphonec-180.sip" },
		{ "baresip-200.sip", "linphonec-200.sip" },
		{ "baresip-ack.sip", "linphonec-ack.sip" },
		{ "baresip-bye-200.sip", "linphonec-bye-200.sip" },
	};
	size_t i, k;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct buf out[2];
		size_t hl[2];

		for (k = 0; k < 2; k++) {
			char path[128];
			struct sipmsg *m;
			struct sipsan_result res;
			const char *why, *end;
			size_t len;
			char *data;

			snprintf(path, sizeof(path), "tests/captures/sip/%s",
			    pairs[i][k]);
			data = test_read_file(path, &len);
			assert_int_equal(corpus_parse(data, len, &m, &why), 0);
			buf_init(&out[k], SIPSAN_MAX_MSG);
			assert_int_equal(corpus_sanitize(m, SIPSAN_TO_NETWORK,
					     NULL, &out[k], &res),
			    SIPSAN_OK);
			end = strstr(out[k].data, "\r\nContent-Type:");
			if (end == NULL)
				end =
				    strstr(out[k].data, "\r\nContent-Length:");
			assert_non_null(end);
			hl[k] = (size_t)(end - out[k].data);
			sipmsg_free(m);
			free(data);
		}
		if (hl[0] != hl[1] ||
		    memcmp(out[0].data, out[1].data, hl[0]) != 0)
			fail_msg("%s and %s differ:\n%.*s\n--\n%.*s",
			    pairs[i][0], pairs[i][1], (int)hl[0], out[0].data,
			    (int)hl[1], out[1].data);
		buf_free(&out[0]);
		buf_free(&out[1]);
	}
}

/* One case: the folder and the expectation. */
struct corpus_case {
	const char *dir;
	const struct expect *e;
};

static struct leakcheck *corpus_lc;

/* Run one file (the cmocka state is its struct corpus_case). */
static void
test_file(void **state)
{
	const struct corpus_case *c = *state;

	corpus_one(c->dir, c->e, corpus_lc);
}

#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

int
main(void)
{
	static struct corpus_case cases[NCASES(rfc4475) + NCASES(rfc5118) +
	    NCASES(rfc3665) + NCASES(captures)];
	static struct CMUnitTest tests[NCASES(cases) + 1];
	static char names[NCASES(cases)][80];
	size_t i, n = 0;
	int rc;

	for (i = 0; i < NCASES(rfc4475); i++)
		cases[n++] =
		    (struct corpus_case){ "corpus/rfc4475", &rfc4475[i] };
	for (i = 0; i < NCASES(rfc5118); i++)
		cases[n++] =
		    (struct corpus_case){ "corpus/rfc5118", &rfc5118[i] };
	for (i = 0; i < NCASES(rfc3665); i++)
		cases[n++] =
		    (struct corpus_case){ "corpus/rfc3665", &rfc3665[i] };
	for (i = 0; i < NCASES(captures); i++)
		cases[n++] =
		    (struct corpus_case){ "captures/sip", &captures[i] };
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/%s", cases[i].dir,
		    cases[i].e->file);
		tests[i] = (struct CMUnitTest){ names[i], test_file, NULL, NULL,
			&cases[i] };
	}
	tests[n++] = (struct CMUnitTest){ "captures/same-headers",
		test_same_headers, NULL, NULL, NULL };
	/* The corpora use loopback in places: it is "this machine". */
	corpus_lc = leakcheck_new();
	leakcheck_add_name(corpus_lc, "localhost");
	leakcheck_add_name(corpus_lc, "recordhost");
	corpus_add_addr(corpus_lc, "192.0.2.200");
	corpus_add_addr(corpus_lc, "2001:db8::200");
	corpus_add_addr(corpus_lc, "127.0.0.1");
	rc = _cmocka_run_group_tests("corpus", tests, n, NULL, NULL);
	leakcheck_free(corpus_lc);
	return rc;
}
