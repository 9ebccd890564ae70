/*
 * Benchmark: microseconds per SIP message through framing, parsing (libre
 * decode plus our validation) and the sanitizer (with SDP rewriting and
 * the leak check), for a few realistic messages. Also the sanitizer alone
 * on an already parsed message, i.e. without the libre decode.
 *
 *   ./bench/bench_sanitize [iterations]     (from the source tree, or
 *   with ONIONSIP_SRCDIR set)
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"
#include "leakcheck.h"
#include "sdprw.h"
#include "sipframe.h"
#include "sipmsg.h"
#include "sipsan.h"
#include "xmalloc.h"

#define ONION	     "etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"
#define PEER	     "rkgkzvsrpwvy4sqmkqjmyovkdaxyxhzhtkabsh6ltqeyhxurpzwxomqd.onion"
#define RELAY	     "198.51.100.7"
#define BENCH_ROUNDS 5

static const char *const bench_files[] = {
	"tests/corpus/rfc3665/3_1-F1-INVITE.sip",
	"docs/examples/baresip-invite-ice.sip",
	"tests/captures/sip/linphonec-invite.sip",
	"tests/captures/sip/baresip-180.sip",
	"tests/corpus/rfc3665/3_1-F5-BYE.sip",
	"fuzz/seeds/sipsan/info-dtmf-relay.sip",
};

/* Everything one run needs. */
struct bench {
	struct leakcheck *lc;
	struct sdprw_policy pol;
	struct sdprw_session sess;
	struct sdprw_target target;
	const char *allowed[1];
	const char *vias[1];
	struct sipsan_leg leg;
	struct buf out;
};

/* Seconds on the monotonic clock. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The smaller of two times. */
static double
bench_min(double a, double b)
{
	return a < b ? a : b;
}

/* Read a file below ONIONSIP_SRCDIR (or .). */
static char *
bench_read(const char *rel, size_t *lenp)
{
	const char *top = getenv("ONIONSIP_SRCDIR");
	char path[4096];
	char *data;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "bench_sanitize: cannot open %s\n", path);
		exit(1);
	}
	data = xmalloc(SIPFRAME_MAX_MSG + 1);
	n = fread(data, 1, SIPFRAME_MAX_MSG, f);
	fclose(f);
	*lenp = n;
	return data;
}

/* A leg toward the network and a leak check like a LAN laptop's. */
static void
bench_init(struct bench *b)
{
	struct sockaddr_in sin;
	static const char *const locals[] = { "192.168.1.23", "10.8.0.2",
		"172.17.0.1", "192.0.2.200" };
	size_t i;

	memset(b, 0, sizeof(*b));
	b->lc = leakcheck_new();
	for (i = 0; i < sizeof(locals) / sizeof(locals[0]); i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		inet_pton(AF_INET, locals[i], &sin.sin_addr);
		leakcheck_add_addr(b->lc, (struct sockaddr *)&sin);
	}
	leakcheck_add_name(b->lc, "alice-laptop");
	leakcheck_add_software(b->lc, "baresip v1.0.0 (x86_64/linux)");
	b->sess.sess_id = 1234567;
	b->sess.version = 1;
	b->target.addr = RELAY;
	b->target.media[0].port = 49170;
	b->target.media[1].port = 49172;
	b->allowed[0] = RELAY;
	b->vias[0] = "SIP/2.0/TCP " PEER ";branch=z9hG4bKpeer";
	b->leg.local_uri = "sip:alice@" ONION;
	b->leg.local_tag = "k3j4h5g6f7d8s9a0";
	b->leg.contact_uri = "sip:alice@" ONION ";transport=tcp";
	b->leg.remote_uri = "sip:bob@" PEER;
	b->leg.remote_tag = "q1w2e3r4t5y6u7i8";
	b->leg.call_id = "z8x7c6v5b4n3m2l1";
	b->leg.cseq = 4711;
	b->leg.via_host = ONION;
	b->leg.branch = "z9hG4bKa1s2d3f4g5h6j7k8";
	b->leg.vias = b->vias;
	b->leg.nvias = 1;
	b->leg.sdp_policy = &b->pol;
	b->leg.sdp_session = &b->sess;
	b->leg.sdp_target = &b->target;
	b->leg.lc = b->lc;
	b->leg.allowed = b->allowed;
	b->leg.nallowed = 1;
	buf_init(&b->out, SIPSAN_MAX_MSG);
}

/* Frame and parse; NULL if refused. */
static struct sipmsg *
bench_parse(const char *data, size_t len)
{
	struct sipframe_result r;
	struct sipmsg_error err;

	if (sipframe_datagram(data, len, &r) != SIPFRAME_MESSAGE)
		return NULL;
	return sipmsg_parse(data, r.len, &err);
}

/* Time one message; prints a line. */
static void
bench_one(struct bench *b, const char *rel, long iters)
{
	struct sipsan_result res;
	struct sipmsg *m;
	size_t len;
	char *data = bench_read(rel, &len);
	double t0, t_parse, t_san, t_all;
	long i;
	int r;

	m = bench_parse(data, len);
	if (m == NULL ||
	    sipsan_rewrite(m, SIPSAN_TO_NETWORK, &b->leg, &b->out, &res) !=
		SIPSAN_OK) {
		printf("%-44s not sanitized (%s)\n", rel,
		    m == NULL ? "parse" : res.reason);
		sipmsg_free(m);
		free(data);
		return;
	}
	/* The best of BENCH_ROUNDS rounds: the machine is shared. */
	t_parse = t_san = t_all = 1e9;
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = bench_now();
		for (i = 0; i < iters; i++)
			sipmsg_free(bench_parse(data, len));
		t_parse =
		    bench_min(t_parse, (bench_now() - t0) / (double)iters);
		t0 = bench_now();
		for (i = 0; i < iters; i++)
			sipsan_rewrite(
			    m, SIPSAN_TO_NETWORK, &b->leg, &b->out, &res);
		t_san = bench_min(t_san, (bench_now() - t0) / (double)iters);
		t0 = bench_now();
		for (i = 0; i < iters; i++) {
			struct sipmsg *mm = bench_parse(data, len);

			sipsan_rewrite(
			    mm, SIPSAN_TO_NETWORK, &b->leg, &b->out, &res);
			sipmsg_free(mm);
		}
		t_all = bench_min(t_all, (bench_now() - t0) / (double)iters);
	}
	printf("%-44s %5zu B -> %5zu B  parse %6.2f us  sanitize %6.2f us  "
	       "total %6.2f us  (%.0f msg/s)\n",
	    rel, len, b->out.len, t_parse * 1e6, t_san * 1e6, t_all * 1e6,
	    1.0 / t_all);
	sipmsg_free(m);
	free(data);
}

int
main(int argc, char **argv)
{
	struct bench b;
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	size_t i;

	if (iters <= 0)
		iters = 20000;
	bench_init(&b);
	printf(
	    "bench_sanitize: best of %d rounds of %ld; parse = frame + libre "
	    "decode + validation,\nsanitize = re-origination + SDP "
	    "rewrite + leak check (no decode), total = both\n",
	    BENCH_ROUNDS, iters);
	for (i = 0; i < sizeof(bench_files) / sizeof(bench_files[0]); i++)
		bench_one(&b, bench_files[i], iters);
	buf_free(&b.out);
	leakcheck_free(b.lc);
	return 0;
}
