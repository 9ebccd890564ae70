/*
 * sanitize: `onionsip sanitize`, one message in, the rewritten message (or
 * why not) out. See sanitize.h.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csprng.h"
#include "leakcheck.h"
#include "localinfo.h"
#include "sanitize.h"
#include "sdprw.h"
#include "sipframe.h"
#include "sipmsg.h"
#include "sipsan.h"
#include "xmalloc.h"

#define SANITIZE_TOKEN 16 /* characters of random tags and Call-IDs */
#define SANITIZE_URI   512

/* Everything one run needs; freed by sanitize_free(). */
struct sanitize {
	bool to_network;
	const char *onion;
	const char *user;
	char relay_ip[64];
	unsigned int relay_port;
	const char *path;

	char *input;
	size_t input_len;
	struct sipmsg *msg;
	struct leakcheck *lc;
	char ua[256];

	char local_uri[SANITIZE_URI], remote_uri[SANITIZE_URI];
	char request_uri[SANITIZE_URI], contact_uri[SANITIZE_URI];
	char call_id[SANITIZE_TOKEN + 1], local_tag[SANITIZE_TOKEN + 1];
	char remote_tag[SANITIZE_TOKEN + 1];
	char branch[7 + SANITIZE_TOKEN + 1], via[SANITIZE_URI];
	const char *vias[1];
};

/* Print the usage and return status. */
static int
sanitize_usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: onionsip sanitize [--to-network | --to-softphone] "
	    "[--onion ADDR]\n"
	    "                         [--user NAME] [--relay IP:PORT] "
	    "[FILE]\n"
	    "\n"
	    "Reads one SIP message from FILE (or stdin) and prints the "
	    "message onionsip\n"
	    "would send in that direction (default --to-network).\n"
	    "  --onion ADDR    the own onion address (default %s)\n"
	    "  --user NAME     the user part of the own SIP address "
	    "(default %s)\n"
	    "  --relay IP:PORT the TURN relay address for SDP (default "
	    "%s)\n"
	    "Exit status: 0 printed; 1 malformed input; 2 valid SIP that "
	    "onionsip would\n"
	    "not pass in that direction (the reason on stderr).\n",
	    SANITIZE_DEFAULT_ONION, SANITIZE_DEFAULT_USER,
	    SANITIZE_DEFAULT_RELAY);
	return status;
}

/* Read the whole input, at most one message's worth. */
static int
sanitize_read(struct sanitize *s)
{
	FILE *f = stdin;
	size_t cap = SIPFRAME_MAX_MSG + 1, n;

	if (s->path != NULL && strcmp(s->path, "-") != 0 &&
	    (f = fopen(s->path, "rb")) == NULL) {
		fprintf(stderr, "onionsip sanitize: %s: %s\n", s->path,
		    strerror(errno));
		return -1;
	}
	s->input = xmalloc(cap);
	n = fread(s->input, 1, cap, f);
	if (ferror(f)) {
		fprintf(stderr, "onionsip sanitize: read error\n");
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	s->input_len = n;
	return 0;
}

/* Split IP:PORT (IPv4 only: the relay is written into c= lines). */
static int
sanitize_relay(struct sanitize *s, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	unsigned long port;

	if (colon == NULL || (size_t)(colon - arg) >= sizeof(s->relay_ip))
		return -1;
	memcpy(s->relay_ip, arg, (size_t)(colon - arg));
	s->relay_ip[colon - arg] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port == 0 || port > 65534)
		return -1;
	s->relay_port = (unsigned int)port;
	return 0;
}

/* Write scheme:user@host[:port] of u (no password, no parameters). */
static void
sanitize_uri(char *dst, size_t len, const struct sipmsg_uri *u)
{
	bool v6 = memchr(u->host.p, ':', u->host.len) != NULL;
	int n;

	n = snprintf(dst, len, "%.*s:%.*s%s%s%.*s%s", (int)u->scheme.len,
	    u->scheme.p, (int)u->user.len, u->user.p, u->user.len ? "@" : "",
	    v6 ? "[" : "", (int)u->host.len, u->host.p, v6 ? "]" : "");
	if (n > 0 && (size_t)n < len && u->port != 0)
		snprintf(
		    dst + n, len - (size_t)n, ":%u", (unsigned int)u->port);
}

/* Fill the leak check with this machine's secrets and the software. */
static int
sanitize_leakcheck(struct sanitize *s)
{
	struct localinfo_counts counts;
	struct span ua = s->msg->user_agent;

	s->lc = leakcheck_new();
	if (localinfo_gather(s->lc, &counts) < 0) {
		fprintf(stderr,
		    "onionsip sanitize: cannot list the "
		    "interface addresses\n");
		return -1;
	}
	leakcheck_allow_word(s->lc, s->user); /* ours, as in the daemon */
	if (ua.len > 0 && ua.len < sizeof(s->ua)) {
		memcpy(s->ua, ua.p, ua.len);
		s->ua[ua.len] = '\0';
		if (memchr(s->ua, '\0', ua.len) == NULL)
			leakcheck_add_software(s->lc, s->ua);
	}
	return 0;
}

/* Describe the leg the message is written for. */
static void
sanitize_leg(struct sanitize *s, struct sipsan_leg *leg)
{
	const struct sipmsg *m = s->msg;
	const struct sipmsg_addr *peer = m->is_request ? &m->to : &m->from;
	const char *onion = s->onion;

	memset(leg, 0, sizeof(*leg));
	csprng_token(s->call_id, SANITIZE_TOKEN);
	csprng_token(s->local_tag, SANITIZE_TOKEN);
	csprng_token(s->remote_tag, SANITIZE_TOKEN);
	memcpy(s->branch, "z9hG4bK", 7);
	csprng_token(s->branch + 7, SANITIZE_TOKEN);
	if (s->to_network) {
		snprintf(s->local_uri, sizeof(s->local_uri), "sip:%s@%s",
		    s->user, onion);
		snprintf(s->contact_uri, sizeof(s->contact_uri),
		    "sip:%s@%s;transport=tcp", s->user, onion);
		sanitize_uri(s->remote_uri, sizeof(s->remote_uri), &peer->uri);
		leg->via_host = onion;
		leg->via_transport = "TCP";
		leg->lc = s->lc;
	} else {
		/* Toward the softphone onionsip speaks for the peer. */
		sanitize_uri(s->local_uri, sizeof(s->local_uri),
		    m->is_request ? &m->from.uri : &m->to.uri);
		snprintf(s->remote_uri, sizeof(s->remote_uri),
		    "sip:%s@127.0.0.1", s->user);
		snprintf(s->contact_uri, sizeof(s->contact_uri),
		    "sip:onionsip@127.0.0.1:5060");
		leg->via_host = "127.0.0.1";
		leg->via_port = 5060;
		leg->via_transport = "UDP";
	}
	if (m->is_request)
		sanitize_uri(s->request_uri, sizeof(s->request_uri),
		    s->to_network ? &m->ruri : &m->to.uri);
	if (!s->to_network && m->is_request)
		snprintf(s->request_uri, sizeof(s->request_uri),
		    "sip:%s@127.0.0.1:5062", s->user);
	leg->local_uri = s->local_uri;
	leg->contact_uri = s->contact_uri;
	leg->local_tag = s->local_tag;
	leg->remote_uri = s->remote_uri;
	/* A request that opens a dialog has no remote tag yet. */
	leg->remote_tag =
	    m->is_request && m->to.tag.len == 0 ? NULL : s->remote_tag;
	leg->request_uri = m->is_request ? s->request_uri : NULL;
	leg->call_id = s->call_id;
	leg->cseq = m->is_request ? 1 + csprng_uniform(1U << 16) : m->cseq;
	leg->branch = s->branch;
	/* Responses: the Via of the request on that leg (here a stand-in,
	 * since one message alone has no other leg). */
	snprintf(s->via, sizeof(s->via), "SIP/2.0/%s %s;branch=z9hG4bK%s",
	    s->to_network ? "TCP" : "UDP",
	    s->to_network ? "peer.invalid" : "127.0.0.1:5062", s->remote_tag);
	s->vias[0] = s->via;
	leg->vias = s->vias;
	leg->nvias = 1;
}

/* Parse the options into s; -1 on a usage error. */
static int
sanitize_options(struct sanitize *s, int argc, char **argv, int *help)
{
	static const struct option longopts[] = {
		{ "to-network", no_argument, NULL, 'N' },
		{ "to-softphone", no_argument, NULL, 'S' },
		{ "onion", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "relay", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	s->to_network = true;
	s->onion = SANITIZE_DEFAULT_ONION;
	s->user = SANITIZE_DEFAULT_USER;
	sanitize_relay(s, SANITIZE_DEFAULT_RELAY);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'N':
			s->to_network = true;
			break;
		case 'S':
			s->to_network = false;
			break;
		case 'o':
			s->onion = optarg;
			break;
		case 'u':
			s->user = optarg;
			break;
		case 'r':
			if (sanitize_relay(s, optarg) < 0) {
				fprintf(stderr,
				    "onionsip sanitize: bad "
				    "--relay, want IPv4:PORT\n");
				return -1;
			}
			break;
		case 'h':
			*help = 1;
			return 0;
		default:
			return -1;
		}
	}
	if (argc - optind > 1)
		return -1;
	if (argc - optind == 1)
		s->path = argv[optind];
	return 0;
}

/* Check the option values that end up in the message. */
static int
sanitize_check_args(struct sanitize *s)
{
	size_t i, n = strlen(s->onion);

	if (n < 7 || strcmp(s->onion + n - 6, ".onion") != 0) {
		fprintf(stderr,
		    "onionsip sanitize: --onion wants a name "
		    "ending in .onion\n");
		return -1;
	}
	for (i = 0; s->onion[i] != '\0'; i++)
		if (!((s->onion[i] >= 'a' && s->onion[i] <= 'z') ||
			(s->onion[i] >= '2' && s->onion[i] <= '7') ||
			s->onion[i] == '.'))
			goto bad_onion;
	for (i = 0; s->user[i] != '\0'; i++)
		if (!((s->user[i] >= 'a' && s->user[i] <= 'z') ||
			(s->user[i] >= 'A' && s->user[i] <= 'Z') ||
			(s->user[i] >= '0' && s->user[i] <= '9') ||
			strchr("-_.!~*'()", s->user[i]) != NULL))
			goto bad_user;
	if (i == 0 || i > 64)
		goto bad_user;
	return 0;
bad_onion:
	fprintf(stderr, "onionsip sanitize: bad --onion\n");
	return -1;
bad_user:
	fprintf(stderr, "onionsip sanitize: bad --user\n");
	return -1;
}

/* Frame and parse the input; exit status 1 on failure. */
static int
sanitize_parse(struct sanitize *s)
{
	struct sipframe_result r;
	struct sipmsg_error err;
	size_t off = 0;

	if (s->input_len > SIPFRAME_MAX_MSG) {
		fprintf(stderr,
		    "onionsip sanitize: malformed: 513 "
		    "message too large\n");
		return 1;
	}
	while (sipframe_datagram(s->input + off, s->input_len - off, &r) ==
	    SIPFRAME_KEEPALIVE)
		off += r.len;
	if (r.status != SIPFRAME_MESSAGE) {
		fprintf(stderr, "onionsip sanitize: malformed: %d %s\n",
		    r.scode ? r.scode : 400,
		    r.reason ? r.reason : "no message");
		return 1;
	}
	s->msg = sipmsg_parse(s->input + off, r.len, &err);
	if (s->msg == NULL) {
		fprintf(stderr, "onionsip sanitize: malformed: %d %s\n",
		    err.scode, err.reason);
		return 1;
	}
	return 0;
}

/* Build and print the message; the exit status. */
static int
sanitize_run(struct sanitize *s)
{
	struct sipsan_leg leg;
	struct sipsan_result res;
	struct sdprw_policy pol;
	struct sdprw_session sess;
	struct sdprw_target target;
	const char *allowed[1] = { s->relay_ip };
	struct sdprw_ptmap ptmap[SDPRW_MAX_MEDIA];
	struct buf out;
	size_t i;
	int status;

	if ((status = sanitize_parse(s)) != 0)
		return status;
	if (s->to_network && sanitize_leakcheck(s) < 0)
		return 2;
	sanitize_leg(s, &leg);
	memset(&pol, 0, sizeof(pol));
	memset(&sess, 0, sizeof(sess));
	sess.sess_id = csprng_u64() >> 2;
	sess.version = csprng_u32();
	memset(&target, 0, sizeof(target));
	target.addr = s->to_network ? s->relay_ip : "127.0.0.1";
	/* As the daemon: payload types numbered as a new call's first SDP. */
	target.to_network = s->to_network;
	for (i = 0; i < SDPRW_MAX_MEDIA; i++) {
		target.media[i].port = (uint16_t)(s->relay_port + 2 * i);
		/* As the daemon: one TURN port carries RTP and RTCP. */
		target.media[i].rtcp_mux = s->to_network;
		sdprw_ptmap_init(&ptmap[i]);
		target.media[i].ptmap = &ptmap[i];
	}
	leg.sdp_policy = &pol;
	leg.sdp_session = &sess;
	leg.sdp_target = &target;
	leg.allowed = allowed;
	leg.nallowed = 1;
	buf_init(&out, SIPSAN_MAX_MSG);
	switch (sipsan_rewrite(s->msg,
	    s->to_network ? SIPSAN_TO_NETWORK : SIPSAN_TO_SOFTPHONE, &leg, &out,
	    &res)) {
	case SIPSAN_OK:
		fwrite(out.data, 1, out.len, stdout);
		status = fflush(stdout) == 0 ? 0 : 1;
		break;
	case SIPSAN_LOCAL:
		fprintf(
		    stderr, "onionsip sanitize: not passed: %s\n", res.reason);
		status = 2;
		break;
	case SIPSAN_REFUSED:
	case SIPSAN_LEAK:
		if (res.scode != 0)
			fprintf(stderr,
			    "onionsip sanitize: not passed: %s (answer %d "
			    "%s)\n",
			    res.reason, res.scode,
			    sipsan_reason_phrase(res.scode));
		else
			fprintf(stderr, "onionsip sanitize: not passed: %s\n",
			    res.reason);
		status = 2;
		break;
	default:
		fprintf(stderr, "onionsip sanitize: %s\n", res.reason);
		status = 1;
		break;
	}
	buf_free(&out);
	return status;
}

/* `onionsip sanitize ...` */
int
sanitize_main(int argc, char **argv)
{
	struct sanitize s;
	int help = 0, status;

	memset(&s, 0, sizeof(s));
	if (sanitize_options(&s, argc, argv, &help) < 0)
		return sanitize_usage(stderr, 1);
	if (help)
		return sanitize_usage(stdout, 0);
	if (sanitize_check_args(&s) < 0)
		return 1;
	if (sanitize_read(&s) < 0)
		return 1;
	status = sanitize_run(&s);
	sipmsg_free(s.msg);
	leakcheck_free(s.lc);
	free(s.input);
	return status;
}
