#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/event.h>

#include "torctl.h"

static void
test_safecookie(void **state)
{
	uint8_t cookie[32], cn[32], sn[32], sh[32], ch[32];
	char hex[65];
	size_t i;

	/* Expected values computed apart with Python's hmac module. */
	for (i = 0; i < 32; i++)
		cookie[i] = (uint8_t)i;
	memset(cn, 0xaa, 32);
	memset(sn, 0x55, 32);
	torctl_safecookie_hashes(cookie, cn, sn, sh, ch);
	torctl_hex_encode(sh, 32, hex);
	assert_string_equal(hex,
	    "5F7CB5569957C99373E329258545940F029AF175DA225F4A3125EEBF30C24BBA");
	torctl_hex_encode(ch, 32, hex);
	assert_string_equal(hex,
	    "9F99F2C4B75C91123CA5C6C6E3F76A9EF7FBD9471053CBE34454A4269CC39F7C");
}

static void
test_hex(void **state)
{
	uint8_t b[2];

	assert_int_equal(torctl_hex_decode("aB0f", b, 2), 0);
	assert_int_equal(b[0], 0xab);
	assert_int_equal(b[1], 0x0f);
	assert_int_equal(torctl_hex_decode("aB0", b, 2), -1);
	assert_int_equal(torctl_hex_decode("zz00", b, 2), -1);
}

static void
test_bootstrap(void **state)
{
	char tag[32], summary[128];
	bool warn;
	int p = -1;

	assert_int_equal(
	    torctl_parse_bootstrap("status/bootstrap-phase=NOTICE "
				   "BOOTSTRAP PROGRESS=100 "
				   "TAG=done SUMMARY=\"Done\"",
		&p, tag, sizeof(tag), summary, sizeof(summary), &warn),
	    0);
	assert_int_equal(p, 100);
	assert_string_equal(tag, "done");
	assert_string_equal(summary, "Done");
	assert_false(warn);
	assert_int_equal(
	    torctl_parse_bootstrap(
		"STATUS_CLIENT WARN BOOTSTRAP PROGRESS=5 "
		"TAG=conn SUMMARY=\"Connecting to a relay\" "
		"WARNING=\"Connection refused\" REASON=CONNECTREFUSED "
		"COUNT=3 RECOMMENDATION=ignore",
		&p, tag, sizeof(tag), summary, sizeof(summary), &warn),
	    0);
	assert_int_equal(p, 5);
	assert_true(warn);
	assert_string_equal(summary, "Connection refused");
	assert_int_equal(
	    torctl_parse_bootstrap("STATUS_CLIENT NOTICE "
				   "CIRCUIT_ESTABLISHED",
		&p, tag, sizeof(tag), summary, sizeof(summary), &warn),
	    -1);
	assert_int_equal(
	    torctl_parse_bootstrap("x NOTICE BOOTSTRAP "
				   "PROGRESS=101",
		&p, tag, sizeof(tag), summary, sizeof(summary), &warn),
	    -1);
}

static void
test_addrport(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;

	assert_int_equal(
	    torctl_parse_addrport("\"127.0.0.1:9050\"", &ss, &len), 0);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 9050);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(len, sizeof(*sin));
	assert_int_equal(torctl_parse_addrport("[::1]:1", &ss, &len), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(
	    torctl_parse_addrport("localhost:9050", &ss, &len), -1);
	assert_int_equal(torctl_parse_addrport("127.0.0.1:0", &ss, &len), -1);
	assert_int_equal(torctl_parse_addrport("127.0.0.1:", &ss, &len), -1);
	assert_int_equal(
	    torctl_parse_addrport("127.0.0.1:70000", &ss, &len), -1);
	assert_int_equal(torctl_parse_addrport("unix:/x", &ss, &len), -1);
}

static void
test_pick_socks(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;

	assert_int_equal(
	    torctl_pick_socks("\"127.0.0.1:9050\"", 0, &ss, &len), 0);
	assert_int_equal(ntohs(sin->sin_port), 9050);
	assert_int_equal(torctl_pick_socks("\"unix:/run/tor/socks\" "
					   "\"127.0.0.1:9050\" "
					   "\"127.0.0.1:9150\"",
			     9150, &ss, &len),
	    0);
	assert_int_equal(ntohs(sin->sin_port), 9150);
	/* Not the configured port: the first one, flagged. */
	assert_int_equal(
	    torctl_pick_socks("\"127.0.0.1:9050\"", 9999, &ss, &len), 1);
	assert_int_equal(ntohs(sin->sin_port), 9050);
	assert_int_equal(torctl_pick_socks("", 0, &ss, &len), -1);
	assert_int_equal(torctl_pick_socks("\"unix:/x\"", 0, &ss, &len), -1);
	assert_int_equal(torctl_pick_socks("\"127.0.0.1:1", 0, &ss, &len), -1);
}

static void
test_add_onion(void **state)
{
	const char *clients[] = { "descriptor:x25519:AAAA", "BBBB" };
	const char *bad[] = { "A B" };
	char line[512];

	assert_int_equal(torctl_build_add_onion(line, sizeof(line),
			     "ED25519-V3:xyz", 5060, "127.0.0.1:4000", NULL, 0),
	    0);
	assert_string_equal(line,
	    "ADD_ONION ED25519-V3:xyz Flags=DiscardPK "
	    "Port=5060,127.0.0.1:4000");
	assert_int_equal(
	    torctl_build_add_onion(line, sizeof(line), "ED25519-V3:xyz", 5060,
		"127.0.0.1:4000", clients, 2),
	    0);
	assert_string_equal(line,
	    "ADD_ONION ED25519-V3:xyz Flags=DiscardPK,V3Auth "
	    "Port=5060,127.0.0.1:4000 ClientAuthV3=AAAA ClientAuthV3=BBBB");
	/* No injection of further arguments. */
	assert_int_equal(torctl_build_add_onion(line, sizeof(line),
			     "ED25519-V3:xyz", 5060, "127.0.0.1:4000", bad, 1),
	    -1);
	assert_int_equal(torctl_build_add_onion(line, 20, "ED25519-V3:xyz",
			     5060, "127.0.0.1:4000", NULL, 0),
	    -1);
}

/*
 * A scripted control port on the same loop: it answers PROTOCOLINFO and
 * AUTHCHALLENGE as tor would, optionally with a wrong server hash, and
 * records every command it got.
 */
struct fakectl {
	struct event_base *base;
	int lfd, fd;
	struct event *ev_accept, *ev;
	char got[4096];
	size_t gotlen;
	char cookie_path[64];
	uint8_t cookie[32];
	int bad_hash;
	int auth_done, auth_ok, closed;
	char why[128];
	int event_seen;
	int authenticate_seen;
};

static void
fake_reply(struct fakectl *f, const char *s)
{
	/* One byte at a time: replies split across reads. */
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		assert_int_equal(send(f->fd, s + i, 1, MSG_NOSIGNAL), 1);
}

static void
fake_line(struct fakectl *f, char *line)
{
	char buf[512], hex[65], nonce_hex[65];
	uint8_t cn[32], sn[32], sh[32], ch[32];

	if (strncmp(line, "PROTOCOLINFO", 12) == 0) {
		snprintf(buf, sizeof(buf),
		    "250-PROTOCOLINFO 1\r\n"
		    "250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"%s\"\r\n"
		    "250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n",
		    f->cookie_path);
		fake_reply(f, buf);
	} else if (strncmp(line, "AUTHCHALLENGE SAFECOOKIE ", 25) == 0) {
		assert_int_equal(torctl_hex_decode(line + 25, cn, 32), 0);
		memset(sn, 0x42, 32);
		torctl_safecookie_hashes(f->cookie, cn, sn, sh, ch);
		if (f->bad_hash)
			sh[0] ^= 1;
		torctl_hex_encode(sh, 32, hex);
		torctl_hex_encode(sn, 32, nonce_hex);
		/* An event may come in between: it goes to the event cb. */
		fake_reply(
		    f, "650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\r\n");
		snprintf(buf, sizeof(buf),
		    "250 AUTHCHALLENGE SERVERHASH=%s SERVERNONCE=%s\r\n", hex,
		    nonce_hex);
		fake_reply(f, buf);
	} else if (strncmp(line, "AUTHENTICATE ", 13) == 0) {
		f->authenticate_seen++;
		fake_reply(f, "250 OK\r\n");
	} else
		fake_reply(f, "510 Unrecognized command\r\n");
}

static void
fake_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fakectl *f = arg;
	char *nl;
	ssize_t n;

	n = recv(f->fd, f->got + f->gotlen, sizeof(f->got) - 1 - f->gotlen, 0);
	if (n <= 0) {
		event_del(f->ev);
		return;
	}
	f->gotlen += (size_t)n;
	f->got[f->gotlen] = '\0';
	while ((nl = strstr(f->got, "\r\n")) != NULL) {
		size_t linelen = (size_t)(nl - f->got);

		*nl = '\0';
		fake_line(f, f->got);
		memmove(f->got, nl + 2, f->gotlen - linelen - 2 + 1);
		f->gotlen -= linelen + 2;
	}
}

static void
fake_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fakectl *f = arg;

	f->fd = accept(f->lfd, NULL, NULL);
	assert_true(f->fd != -1);
	f->ev =
	    event_new(f->base, f->fd, EV_READ | EV_PERSIST, fake_read_cb, f);
	event_add(f->ev, NULL);
}

static void
fake_auth_cb(struct torctl *tc, bool ok, const char *why, void *arg)
{
	struct fakectl *f = arg;

	f->auth_done = 1;
	f->auth_ok = ok;
	snprintf(f->why, sizeof(f->why), "%s", why ? why : "");
	event_base_loopbreak(f->base);
}

static void
fake_state_cb(struct torctl *tc, bool up, const char *why, void *arg)
{
	struct fakectl *f = arg;

	if (up)
		torctl_authenticate(tc, NULL, NULL, fake_auth_cb, f);
	else {
		f->closed = 1;
		event_base_loopbreak(f->base);
	}
}

static void
fake_event_cb(struct torctl *tc, const struct torreply *r, void *arg)
{
	struct fakectl *f = arg;

	assert_int_equal(r->code, 650);
	f->event_seen++;
}

/* Authenticate against the fake control port. */
static void
run_fakectl(struct fakectl *f, int bad_hash, char *log, size_t loglen)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct torctl *tc;
	char dir[] = "/tmp/test_torctl.XXXXXX";
	size_t i;
	int fd;

	memset(f, 0, sizeof(*f));
	f->base = event_base_new();
	f->bad_hash = bad_hash;
	f->fd = -1;
	assert_non_null(mkdtemp(dir));
	snprintf(f->cookie_path, sizeof(f->cookie_path), "%s/cookie", dir);
	for (i = 0; i < 32; i++)
		f->cookie[i] = (uint8_t)(i * 7);
	fd = open(f->cookie_path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, f->cookie, 32), 32);
	close(fd);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	listen(f->lfd, 1);
	getsockname(f->lfd, (struct sockaddr *)&sin, &sl);
	f->ev_accept = event_new(f->base, f->lfd, EV_READ, fake_accept_cb, f);
	event_add(f->ev_accept, NULL);
	tc = torctl_new(f->base, (struct sockaddr *)&sin, sl, fake_state_cb,
	    fake_event_cb, f);
	event_base_dispatch(f->base);
	/* Let the last command reach the fake before looking. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	snprintf(log, loglen, "%s", torctl_auth_method(tc));
	torctl_free(tc);
	event_free(f->ev_accept);
	if (f->ev != NULL)
		event_free(f->ev);
	if (f->fd != -1)
		close(f->fd);
	close(f->lfd);
	unlink(f->cookie_path);
	rmdir(dir);
	event_base_free(f->base);
}

static void
test_safecookie_flow(void **state)
{
	struct fakectl f;
	char method[32];

	run_fakectl(&f, 0, method, sizeof(method));
	assert_true(f.auth_done);
	assert_true(f.auth_ok);
	assert_string_equal(method, "SAFECOOKIE");
	assert_int_equal(f.event_seen, 1);
	assert_int_equal(f.authenticate_seen, 1);
}

static void
test_safecookie_wrong_server(void **state)
{
	struct fakectl f;
	char method[32];

	/* A listener that cannot prove it knows the cookie gets nothing. */
	run_fakectl(&f, 1, method, sizeof(method));
	assert_true(f.auth_done);
	assert_false(f.auth_ok);
	assert_non_null(strstr(f.why, "does not know the cookie"));
	assert_int_equal(f.authenticate_seen, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safecookie),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_addrport),
		cmocka_unit_test(test_pick_socks),
		cmocka_unit_test(test_add_onion),
		cmocka_unit_test(test_safecookie_flow),
		cmocka_unit_test(test_safecookie_wrong_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
