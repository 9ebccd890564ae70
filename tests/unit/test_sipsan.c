#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "sipmsg.h"
#include "sipsan.h"

#define ONION "etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"
#define PEER  "bobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbb.onion"
#define RELAY "198.51.100.7"

/* An INVITE as a softphone on a LAN sends it: every leak in one. */
static const char leaky_invite[] =
    "INVITE sip:bob@" PEER " SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK.abcdef;rport\r\n"
    "From: \"Alice Liddell\" <sip:alice@192.168.1.20>;tag=softtag123\r\n"
    "To: <sip:bob@" PEER ">\r\n"
    "Call-ID: 8d7e6f@alice-laptop.home.lan\r\n"
    "CSeq: 20 INVITE\r\n"
    "Contact: <sip:alice@192.168.1.20:5060;transport=udp>;"
    "+sip.instance=\"<urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0>\";"
    "reg-id=1\r\n"
    "Max-Forwards: 70\r\n"
    "Expires: 173\r\n"
    "User-Agent: baresip v3.9.0 (x86_64/linux)\r\n"
    "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
    "Organization: Looking Glass\r\n"
    "Subject: hello\r\n"
    "Accept-Language: de-CH\r\n"
    "P-Preferred-Identity: <sip:alice@example.net>\r\n"
    "X-Serialnumber: 1234\r\n"
    "Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,"
    "UPDATE,REFER\r\n"
    "Supported: replaces, norefersub, gruu\r\n"
    "Record-Route: <sip:proxy.home.lan;lr>\r\n"
    "Warning: 399 alice-laptop \"hi\"\r\n"
    "Content-Length: 0\r\n\r\n";

/* The strings none of which may survive toward the network. */
static const char *const leaks[] = { "192.168.1.20", "alice-laptop", "home.lan",
	"Alice", "softtag123", "z9hG4bK.abcdef", "8d7e6f", "baresip",
	"+sip.instance", "urn:uuid", "reg-id", "Date:", "Organization",
	"Subject", "Accept-Language", "P-Preferred", "X-Serial", "NOTIFY",
	"Supported", "replaces", "Record-Route", "Warning", "User-Agent",
	"gruu", NULL };

struct fixture {
	struct leakcheck *lc;
	struct sdprw_policy pol;
	struct sdprw_session sess;
	struct sdprw_target target;
	const char *allowed[1];
	const char *vias[1];
	struct sipsan_leg leg;
	struct buf out;
	struct sipmsg *last; /* the last input, alive until the next run */
};

/* A leg toward the network, a leak check loaded like a LAN laptop. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.168.1.20", &sin.sin_addr);
	f->lc = leakcheck_new();
	leakcheck_add_addr(f->lc, (struct sockaddr *)&sin);
	leakcheck_add_name(f->lc, "alice-laptop");
	f->sess.sess_id = 1234567;
	f->sess.version = 7;
	f->target.addr = RELAY;
	f->target.media[0].port = 49170;
	f->target.media[1].port = 49172;
	f->allowed[0] = RELAY;
	f->vias[0] = "SIP/2.0/TCP " PEER ";branch=z9hG4bKpeer1";
	f->leg.local_uri = "sip:alice@" ONION;
	f->leg.local_tag = "ltag1";
	f->leg.contact_uri = "sip:alice@" ONION ";transport=tcp";
	f->leg.remote_uri = "sip:bob@" PEER;
	f->leg.call_id = "newcallid1";
	f->leg.cseq = 101;
	f->leg.via_host = ONION;
	f->leg.branch = "z9hG4bKnewbranch";
	f->leg.vias = f->vias;
	f->leg.nvias = 1;
	f->leg.sdp_policy = &f->pol;
	f->leg.sdp_session = &f->sess;
	f->leg.sdp_target = &f->target;
	f->leg.lc = f->lc;
	f->leg.allowed = f->allowed;
	f->leg.nallowed = 1;
	buf_init(&f->out, SIPSAN_MAX_MSG);
	*state = f;
	return 0;
}

/* Free the fixture. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	leakcheck_free(f->lc);
	sipmsg_free(f->last);
	buf_free(&f->out);
	free(f);
	return 0;
}

/* Parse a C string that must be valid. */
static struct sipmsg *
parse_ok(const char *s, size_t len)
{
	struct sipmsg_error err;
	struct sipmsg *m = sipmsg_parse(s, len, &err);

	if (m == NULL)
		fail_msg("refused: %d %s", err.scode, err.reason);
	return m;
}

/* Run the sanitizer on a message; the verdict. */
static enum sipsan_verdict
run(struct fixture *f, const char *msg, enum sipsan_dir dir,
    struct sipsan_result *res)
{
	sipmsg_free(f->last);
	f->last = parse_ok(msg, strlen(msg));
	return sipsan_rewrite(f->last, dir, &f->leg, &f->out, res);
}

/* Nothing from the leak list survives, and the output parses again. */
static void
test_invite_to_network(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	struct sipmsg *again;
	size_t i;

	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	for (i = 0; leaks[i] != NULL; i++)
		if (strstr(f->out.data, leaks[i]) != NULL)
			fail_msg("'%s' survived:\n%s", leaks[i], f->out.data);
	assert_non_null(
	    strstr(f->out.data, "From: <sip:alice@" ONION ">;tag=ltag1\r\n"));
	assert_non_null(strstr(f->out.data, "Call-ID: newcallid1\r\n"));
	assert_non_null(strstr(f->out.data, "CSeq: 101 INVITE\r\n"));
	assert_non_null(strstr(f->out.data, "Max-Forwards: 70\r\n"));
	assert_non_null(strstr(f->out.data, "Allow: " SIPSAN_ALLOW "\r\n"));
	assert_non_null(strstr(f->out.data,
	    "Via: SIP/2.0/TCP " ONION ";branch=z9hG4bKnewbranch;rport\r\n"));
	again = parse_ok(f->out.data, f->out.len);
	assert_int_equal(again->nvia, 1);
	assert_int_equal(again->nhdrs, 9);
	sipmsg_free(again);
}

/* Two softphones that say the same thing differently get the same bytes. */
static void
test_no_fingerprint(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	static const char other[] =
	    "INVITE sip:bob@" PEER ";transport=tcp SIP/2.0\r\n"
	    "v: SIP/2.0/TCP 10.0.0.5:41234;branch=z9hG4bKxyz\r\n"
	    "i: 1234@10.0.0.5\r\n"
	    "f: <sip:carol@10.0.0.5>;tag=7\r\n"
	    "t: \"Bob\" <sip:bob@" PEER ">\r\n"
	    "CSeq: 7 INVITE\r\n"
	    "m: <sip:carol@10.0.0.5:41234>\r\n"
	    "k: 100rel\r\n"
	    "l: 0\r\n\r\n";
	char *first;

	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	first = strdup(f->out.data);
	f->leg.lc = NULL; /* 10.0.0.5 is not "local" to this fixture */
	assert_int_equal(run(f, other, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_string_equal(first, f->out.data);
	free(first);
}

/* Compact forms in, long forms out. */
static void
test_compact_forms(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	static const char msg[] = "BYE sip:bob@" PEER " SIP/2.0\r\n"
				  "v: SIP/2.0/TCP h.example;branch=z9hG4bK1\r\n"
				  "f: <sip:a@h.example>;tag=1\r\n"
				  "t: <sip:bob@" PEER ">;tag=2\r\n"
				  "i: c1\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n";

	f->leg.remote_tag = "rtag";
	assert_int_equal(run(f, msg, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_non_null(strstr(f->out.data, "\r\nFrom: "));
	assert_non_null(
	    strstr(f->out.data, "\r\nTo: <sip:bob@" PEER ">;tag=rtag\r\n"));
	assert_non_null(strstr(f->out.data, "\r\nCall-ID: "));
	assert_non_null(strstr(f->out.data, "\r\nContent-Length: 0\r\n"));
	assert_null(strstr(f->out.data, "\r\nv:"));
	assert_null(strstr(f->out.data, "Contact"));
}

/* What is answered locally or refused, with which status. */
static void
test_policy(void **state)
{
	static const struct {
		const char *line, *method;
		const char *extra;
		enum sipsan_verdict v;
		int scode;
	} cases[] = {
		{ "REGISTER sip:" ONION, "REGISTER", "", SIPSAN_LOCAL, 200 },
		{ "OPTIONS sip:bob@" PEER, "OPTIONS", "", SIPSAN_LOCAL, 200 },
		{ "SUBSCRIBE sip:bob@" PEER, "SUBSCRIBE", "", SIPSAN_REFUSED,
		    405 },
		{ "MESSAGE sip:bob@" PEER, "MESSAGE", "", SIPSAN_REFUSED, 405 },
		{ "REFER sip:bob@" PEER, "REFER", "", SIPSAN_REFUSED, 405 },
		{ "PRACK sip:bob@" PEER, "PRACK", "", SIPSAN_REFUSED, 405 },
		{ "FOO sip:bob@" PEER, "FOO", "", SIPSAN_REFUSED, 501 },
		{ "INVITE sip:bob@" PEER, "INVITE",
		    "Require: 100rel, timer\r\n", SIPSAN_REFUSED, 420 },
		{ "INVITE sip:bob@" PEER, "INVITE", "Max-Forwards: 0\r\n",
		    SIPSAN_REFUSED, 483 },
		{ "INVITE sip:bob@" PEER, "INVITE",
		    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
		    SIPSAN_REFUSED, 415 },
		{ "INVITE sip:bob@" PEER, "INVITE",
		    "Content-Type: application/sdp\r\nContent-Length: 2\r\n"
		    "\r\nhi",
		    SIPSAN_REFUSED, 488 },
		{ "INFO sip:bob@" PEER, "INFO",
		    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
		    SIPSAN_REFUSED, 415 },
		{ "INFO sip:bob@" PEER, "INFO",
		    "Content-Type: application/media_control+xml\r\n"
		    "Content-Length: 3\r\n\r\n<a>",
		    SIPSAN_REFUSED, 415 },
		{ "INFO sip:bob@" PEER, "INFO",
		    "Content-Type: application/dtmf-relay\r\n"
		    "Content-Length: 2\r\n\r\nhi",
		    SIPSAN_REFUSED, 400 },
		{ "UPDATE sip:bob@" PEER, "UPDATE",
		    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
		    SIPSAN_REFUSED, 415 },
	};
	struct fixture *f = *state;
	struct sipsan_result res;
	char msg[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool has_body = strstr(cases[i].extra, "\r\n\r\n") != NULL;

		snprintf(msg, sizeof(msg),
		    "%s SIP/2.0\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bK1"
		    "\r\nFrom: <sip:a@h.example>;tag=1\r\nTo: <sip:b@"
		    "h.example>\r\nCall-ID: c\r\nCSeq: 1 %s\r\n%s%s",
		    cases[i].line, cases[i].method, cases[i].extra,
		    has_body ? "" : "\r\n");
		if (run(f, msg, SIPSAN_TO_NETWORK, &res) != cases[i].v ||
		    res.scode != cases[i].scode)
			fail_msg("case %zu (%s): %s %d %s", i, cases[i].line,
			    sipsan_verdict_str(res.verdict), res.scode,
			    res.reason);
		assert_int_equal(f->out.len, 0);
		if (res.scode == 420) {
			assert_int_equal(res.nunsupported, 2);
			assert_true(
			    span_eq(res.unsupported[1], SPAN_LIT("timer")));
		}
	}
}

/* Responses: standard phrase, the leg's Vias, local tag in To. */
static void
test_responses(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	static const char ringing[] =
	    "SIP/2.0 180 Answering Now\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKsoft\r\n"
	    "From: <sip:bob@127.0.0.1>;tag=x\r\nTo: <sip:alice@127.0.0.1>;"
	    "tag=y\r\nCall-ID: c@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:alice@127.0.0.1:5062>\r\n"
	    "Server: Linphone/5.2\r\nContent-Length: 0\r\n\r\n";
	static const char trying[] =
	    "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1"
	    "\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: c\r\n"
	    "CSeq: 1 INVITE\r\n\r\n";
	static const char busy[] =
	    "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP "
	    "127.0.0.1;branch=z9hG4bK1"
	    "\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: c\r\n"
	    "CSeq: 1 INVITE\r\nRetry-After: 60 (lunch);duration=10\r\n"
	    "Reason: SIP;cause=486;text=\"Alice is at lunch\"\r\n\r\n";
	static const char reg_ok[] =
	    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1"
	    "\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: c\r\n"
	    "CSeq: 1 REGISTER\r\n\r\n";

	f->leg.remote_tag = "rtag";
	f->leg.local_uri = "sip:alice@" ONION;
	assert_int_equal(run(f, ringing, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_true(strncmp(f->out.data,
			"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/"
			"TCP " PEER ";branch=z9hG4bKpeer1\r\n",
			75) == 0);
	assert_non_null(
	    strstr(f->out.data, "To: <sip:alice@" ONION ">;tag=ltag1\r\n"));
	assert_non_null(
	    strstr(f->out.data, "From: <sip:bob@" PEER ">;tag=rtag\r\n"));
	assert_non_null(strstr(f->out.data, "Contact: <sip:alice@" ONION));
	assert_null(strstr(f->out.data, "127.0.0.1"));
	assert_null(strstr(f->out.data, "Linphone"));
	assert_null(strstr(f->out.data, "Answering"));
	assert_int_equal(
	    run(f, trying, SIPSAN_TO_NETWORK, &res), SIPSAN_REFUSED);
	assert_int_equal(res.scode, 0);
	assert_int_equal(run(f, busy, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_non_null(strstr(f->out.data, "Retry-After: 60\r\n"));
	assert_non_null(strstr(f->out.data, "Reason: SIP;cause=486\r\n"));
	assert_null(strstr(f->out.data, "lunch"));
	assert_int_equal(
	    run(f, reg_ok, SIPSAN_TO_SOFTPHONE, &res), SIPSAN_REFUSED);
}

/* Digest credentials keep only their whitelisted parameters. */
static void
test_digest(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	static const char msg[] =
	    "INVITE sip:bob@" PEER " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h.example;branch=z9hG4bK1\r\n"
	    "From: <sip:a@h.example>;tag=1\r\nTo: <sip:bob@" PEER ">\r\n"
	    "Call-ID: c\r\nCSeq: 2 INVITE\r\n"
	    "Proxy-Authorization: Digest response=\"abc\", username=\"alice\","
	    " realm=\"" PEER "\",\r\n nonce=\"n1\", uri=\"sip:bob@" PEER "\", "
	    "x-device=\"laptop\", algorithm=MD5\r\n\r\n";
	static const char chal[] =
	    "SIP/2.0 407 Proxy Authentication Required\r\n"
	    "Via: SIP/2.0/TCP " PEER ";branch=z9hG4bK1\r\n"
	    "From: <sip:a@h.example>;tag=1\r\nTo: <sip:bob@" PEER ">;tag=2\r\n"
	    "Call-ID: c\r\nCSeq: 2 INVITE\r\n"
	    "Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\","
	    " server-name=\"x\"\r\n\r\n";

	f->leg.lc = NULL;
	assert_int_equal(run(f, msg, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_non_null(strstr(f->out.data,
	    "Proxy-Authorization: Digest username=\"alice\", realm=\"" PEER
	    "\", "
	    "nonce=\"n1\", uri=\"sip:bob@" PEER "\", response=\"abc\", "
	    "algorithm=MD5\r\n"));
	assert_null(strstr(f->out.data, "laptop"));
	/* Credentials for another domain never reach this peer. */
	f->leg.remote_uri = "sip:bob@other.example";
	assert_int_equal(run(f, msg, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_null(strstr(f->out.data, "Authorization"));
	assert_null(strstr(f->out.data, "username"));
	f->leg.remote_uri = "sip:bob@" PEER;
	assert_int_equal(run(f, chal, SIPSAN_TO_SOFTPHONE, &res), SIPSAN_OK);
	assert_non_null(strstr(f->out.data,
	    "Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", "
	    "qop=\"auth\"\r\n"));
	/* Challenges never go toward the network, credentials never back. */
	assert_int_equal(run(f, chal, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_null(strstr(f->out.data, "Digest"));
}

/* The leak check refuses, fail closed. */
static void
test_leak_refused(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;

	f->leg.remote_uri = "sip:bob@192.168.1.20";
	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_LEAK);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(res.leak, LEAKCHECK_LOCAL_ADDRESS);
	f->leg.remote_uri = "sip:bob@203.0.113.9";
	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_LEAK);
	assert_int_equal(res.leak, LEAKCHECK_FOREIGN_IP);
	/* Without a leak check the built-in software check still runs. */
	f->leg.lc = NULL;
	f->leg.remote_uri = "sip:baresip v3.9.0 (x86_64/linux)@" PEER;
	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_LEAK);
	/* A User-Agent too short to search for does not stop every call. */
	{
		static const char ua_sip[] =
		    "BYE sip:bob@" PEER " SIP/2.0\r\n"
		    "Via: SIP/2.0/TCP h.example;branch=z9hG4bK1\r\n"
		    "From: <sip:a@h.example>;tag=1\r\nTo: <sip:bob@" PEER
		    ">;tag=2\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n"
		    "User-Agent: SIP\r\n\r\n";

		f->leg.remote_uri = "sip:bob@" PEER;
		assert_int_equal(
		    run(f, ua_sip, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	}
	/* Toward the softphone local addresses are expected. */
	f->leg.lc = f->lc;
	f->leg.remote_uri = "sip:alice@192.168.1.20";
	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_SOFTPHONE, &res), SIPSAN_OK);
}

/* An incomplete leg is the caller's error, never a message. */
static void
test_incomplete_leg(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;

	f->leg.call_id = NULL;
	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_ERROR);
	f->leg.call_id = "c";
	f->leg.branch = NULL;
	assert_int_equal(
	    run(f, leaky_invite, SIPSAN_TO_NETWORK, &res), SIPSAN_ERROR);
	assert_int_equal(f->out.len, 0);
}

/* An INFO written to the network; the verdict and the output. */
static enum sipsan_verdict
run_info(struct fixture *f, const char *ctype, const char *body,
    struct sipsan_result *res)
{
	char msg[1024];

	snprintf(msg, sizeof(msg),
	    "INFO sip:bob@" PEER " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.168.1.20;branch=z9hG4bK1\r\n"
	    "From: <sip:alice@192.168.1.20>;tag=1\r\nTo: <sip:bob@" PEER
	    ">;tag=2\r\nCall-ID: c\r\nCSeq: 9 INFO\r\n"
	    "User-Agent: baresip v3.9.0 (x86_64/linux)\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
	    ctype, strlen(body), body);
	return run(f, msg, SIPSAN_TO_NETWORK, res);
}

/* INFO carries one DTMF signal, written anew from Signal and Duration. */
static void
test_info_dtmf(void **state)
{
	static const struct {
		const char *ctype, *body, *want;
	} good[] = {
		{ "application/dtmf-relay",
		    "Signal=5\r\nDuration=160\r\nX-Id=192.168.1.20\r\n",
		    "Content-Type: application/dtmf-relay\r\n"
		    "Content-Length: 24\r\n\r\nSignal=5\r\nDuration=250\r\n" },
		{ "application/dtmf-relay", "Signal=9\r\nDuration=2400\r\n",
		    "Content-Type: application/dtmf-relay\r\n"
		    "Content-Length: 25\r\n\r\nSignal=9\r\nDuration=2500\r\n" },
		{ "application/dtmf-relay", "Signal=9\r\nDuration=374\r\n",
		    "Content-Type: application/dtmf-relay\r\n"
		    "Content-Length: 24\r\n\r\nSignal=9\r\nDuration=250\r\n" },
		{ "Application/DTMF-Relay; charset=x", "signal = a\nduration=0",
		    "Content-Type: application/dtmf-relay\r\n"
		    "Content-Length: 24\r\n\r\nSignal=A\r\nDuration=250\r\n" },
		{ "application/dtmf-relay", "Signal=#",
		    "Content-Type: application/dtmf-relay\r\n"
		    "Content-Length: 24\r\n\r\nSignal=#\r\nDuration=250\r\n" },
		{ "application/dtmf", "*\r\n",
		    "Content-Type: application/dtmf\r\n"
		    "Content-Length: 1\r\n\r\n*" },
	};
	static const char *const bad[] = { "Signal=55\r\n", "Signal=E\r\n",
		"Duration=100\r\n", "Signal=1\r\nSignal=2\r\n",
		"Signal=1\r\nDuration=60001\r\n", "Signal=1\r\nDuration=-1\r\n",
		"Signal=1\r\nhello\r\n", "Signal=1\r\nX Y=2\r\n", "" };
	struct fixture *f = *state;
	struct sipsan_result res;
	struct sipmsg *again;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (run_info(f, good[i].ctype, good[i].body, &res) != SIPSAN_OK)
			fail_msg("good %zu: %s %d %s", i,
			    sipsan_verdict_str(res.verdict), res.scode,
			    res.reason);
		if (strstr(f->out.data, good[i].want) == NULL)
			fail_msg("good %zu:\n%s", i, f->out.data);
		assert_non_null(strstr(f->out.data, "CSeq: 101 INFO\r\n"));
		assert_null(strstr(f->out.data, "192.168"));
		assert_null(strstr(f->out.data, "baresip"));
		assert_null(strstr(f->out.data, "Contact:"));
		again = parse_ok(f->out.data, f->out.len);
		assert_int_equal(again->method, SIPMSG_INFO);
		sipmsg_free(again);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* An empty body is no DTMF: INFO without a body passes. */
		enum sipsan_verdict want =
		    bad[i][0] ? SIPSAN_REFUSED : SIPSAN_OK;

		if (run_info(f, "application/dtmf-relay", bad[i], &res) !=
			want ||
		    (want == SIPSAN_REFUSED && res.scode != 400))
			fail_msg("bad %zu: %s %d", i,
			    sipsan_verdict_str(res.verdict), res.scode);
	}
	assert_non_null(strstr(f->out.data, "Content-Length: 0\r\n\r\n"));
	assert_null(strstr(f->out.data, "Content-Type"));
	assert_int_equal(
	    run_info(f, "application/dtmf", "55", &res), SIPSAN_REFUSED);
	assert_int_equal(res.scode, 400);
}

/* Answers to INFO lose their body; a 415 to INFO says what it takes. */
static void
test_info_answers(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	struct sipmsg *m;
	const char *why;
	static const char ok[] =
	    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: c\r\n"
	    "CSeq: 3 INFO\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 12\r\n\r\nsecret stuff";
	static const char info[] =
	    "INFO sip:alice@" ONION " SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ";branch=z9hG4bKi1\r\n"
	    "From: <sip:bob@" PEER ">;tag=9\r\nTo: <sip:alice@" ONION
	    ">;tag=1\r\nCall-ID: i1\r\nCSeq: 4 INFO\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi";

	f->leg.remote_tag = "rtag";
	assert_int_equal(run(f, ok, SIPSAN_TO_NETWORK, &res), SIPSAN_OK);
	assert_true(strncmp(f->out.data, "SIP/2.0 200 OK\r\n", 16) == 0);
	assert_non_null(strstr(f->out.data, "CSeq: 101 INFO\r\n"));
	assert_non_null(strstr(f->out.data, "Content-Length: 0\r\n\r\n"));
	assert_null(strstr(f->out.data, "secret"));
	assert_null(strstr(f->out.data, "Content-Type"));
	m = parse_ok(info, strlen(info));
	assert_int_equal(sipsan_answer(m, 415, "t1", NULL, f->lc, f->allowed, 1,
			     &f->out, &why),
	    0);
	assert_non_null(
	    strstr(f->out.data, "Accept: " SIPSAN_ACCEPT_INFO "\r\n"));
	assert_non_null(strstr(f->out.data, "CSeq: 4 INFO\r\n"));
	sipmsg_free(m);
}

/* UPDATE is a target refresh whose SDP goes through the rewriter. */
static void
test_update(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	static const char update[] =
	    "UPDATE sip:bob@" PEER " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK.u1\r\n"
	    "From: <sip:alice@192.168.1.20>;tag=softtag123\r\n"
	    "To: <sip:bob@" PEER ">;tag=2\r\nCall-ID: 8d7e6f@alice-laptop\r\n"
	    "CSeq: 21 UPDATE\r\nContact: <sip:alice@192.168.1.20:5060>\r\n"
	    "User-Agent: baresip v3.9.0 (x86_64/linux)\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: 190\r\n\r\n"
	    "v=0\r\no=alice 99 100 IN IP4 192.168.1.20\r\ns=baresip\r\n"
	    "c=IN IP4 192.168.1.20\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\na=sendonly\r\na=candidate:1 1 UDP 1 "
	    "192.168.1.20 4000 typ host\r\n";
	static const char ok[] =
	    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
	    "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
	    "Call-ID: c\r\nCSeq: 3 UPDATE\r\n"
	    "Contact: <sip:a@192.168.1.20:5060>\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: 112\r\n\r\n"
	    "v=0\r\no=alice 99 100 IN IP4 192.168.1.20\r\ns=-\r\n"
	    "c=IN IP4 192.168.1.20\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	    "a=recvonly\r\n";
	size_t i;

	f->leg.remote_tag = "rtag";
	for (i = 0; i < 2; i++) {
		if (run(f, i == 0 ? update : ok, SIPSAN_TO_NETWORK, &res) !=
		    SIPSAN_OK)
			fail_msg("%zu: %s %d %s", i,
			    sipsan_verdict_str(res.verdict), res.scode,
			    res.reason);
		assert_non_null(strstr(f->out.data,
		    "Contact: <sip:alice@" ONION ";transport=tcp>\r\n"));
		assert_non_null(strstr(f->out.data, "c=IN IP4 " RELAY "\r\n"));
		assert_non_null(strstr(f->out.data, "m=audio 49170 "));
		assert_non_null(strstr(
		    f->out.data, i == 0 ? "a=sendonly\r\n" : "a=recvonly\r\n"));
		assert_null(strstr(f->out.data, "192.168"));
		assert_null(strstr(f->out.data, "candidate"));
		assert_null(strstr(f->out.data, "baresip"));
		assert_null(strstr(f->out.data, "Allow:"));
	}
	assert_non_null(strstr(f->out.data, "CSeq: 101 UPDATE\r\n"));
}

/* Local answers echo the request's own fields. */
static void
test_answer(void **state)
{
	struct fixture *f = *state;
	struct sipsan_result res;
	struct sipmsg *m, *again;
	const char *why;
	static const char sub[] =
	    "SUBSCRIBE sip:bob@" PEER " SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ";branch=z9hG4bKs1\r\n"
	    "Via: SIP/2.0/TCP relay.invalid;branch=z9hG4bKs0\r\n"
	    "From: <sip:x@" PEER ">;tag=9\r\nTo: <sip:alice@" ONION ">\r\n"
	    "Call-ID: s1\r\nCSeq: 4 SUBSCRIBE\r\nRequire: foo\r\n\r\n";
	static const char ack[] =
	    "ACK sip:bob@" PEER " SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP " PEER ";branch=z9hG4bKs1\r\n"
	    "From: <sip:x@" PEER ">;tag=9\r\nTo: <sip:alice@" ONION
	    ">;tag=1\r\n"
	    "Call-ID: s1\r\nCSeq: 4 ACK\r\n\r\n";

	m = parse_ok(sub, strlen(sub));
	assert_int_equal(sipsan_answer(m, 405, "t1", NULL, f->lc, f->allowed, 1,
			     &f->out, &why),
	    0);
	assert_true(strncmp(f->out.data, "SIP/2.0 405 Method Not Allowed\r\n",
			32) == 0);
	assert_non_null(strstr(f->out.data, "Allow: " SIPSAN_ALLOW "\r\n"));
	assert_non_null(strstr(f->out.data, ">;tag=t1\r\n"));
	assert_non_null(strstr(f->out.data, "CSeq: 4 SUBSCRIBE\r\n"));
	again = parse_ok(f->out.data, f->out.len);
	assert_int_equal(again->nvia, 2);
	assert_true(span_eq(again->to.tag, SPAN_LIT("t1")));
	sipmsg_free(again);
	memset(&res, 0, sizeof(res));
	res.unsupported[0] = SPAN_LIT("foo");
	res.nunsupported = 1;
	assert_int_equal(
	    sipsan_answer(m, 420, "t1", &res, NULL, NULL, 0, &f->out, &why), 0);
	assert_non_null(strstr(f->out.data, "Unsupported: foo\r\n"));
	assert_int_equal(
	    sipsan_answer(m, 99, "t1", NULL, NULL, NULL, 0, &f->out, &why), -1);
	sipmsg_free(m);
	m = parse_ok(ack, strlen(ack));
	assert_int_equal(
	    sipsan_answer(m, 200, "t1", NULL, NULL, NULL, 0, &f->out, &why),
	    -1);
	sipmsg_free(m);
}

/* The phrase table. */
static void
test_phrases(void **state)
{
	assert_string_equal(sipsan_reason_phrase(486), "Busy Here");
	assert_string_equal(sipsan_reason_phrase(183), "Session Progress");
	assert_string_equal(sipsan_reason_phrase(499), "Bad Request");
	assert_string_equal(sipsan_reason_phrase(299), "OK");
	assert_string_equal(sipsan_reason_phrase(42), "Unknown");
	assert_string_equal(sipsan_verdict_str(SIPSAN_LEAK), "leak");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_invite_to_network, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_fingerprint, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compact_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_responses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_leak_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incomplete_leg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_info_dtmf, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_info_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test(test_phrases),
	};

	return cmocka_run_group_tests_name("sipsan", tests, NULL, NULL);
}
