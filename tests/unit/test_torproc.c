#include "test.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <unistd.h>

#include <event2/event.h>

#include "tor.h"
#include "torproc.h"

/* The value after option opt in argv, or NULL. */
static const char *
argv_value(char **argv, const char *opt, int nth)
{
	size_t i;

	for (i = 0; argv[i] != NULL; i++)
		if (strcmp(argv[i], opt) == 0 && nth-- == 0)
			return argv[i + 1];
	return NULL;
}

static void
test_argv_forced_options(void **state)
{
	struct settings set;
	char err[256], **argv;
	const char *conf =
	    "UseBridges 1\n"
	    "Bridge obfs4 192.0.2.1:443 FP cert=x iat-mode=0\n"
	    "Bridge obfs4 192.0.2.2:443 FP cert=y iat-mode=0\n"
	    "ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy\n"
	    "TorBinary /opt/tor\n";

	settings_init(&set);
	assert_int_equal(
	    settings_parse(&set, conf, strlen(conf), "t", err, sizeof(err)), 0);
	argv = torproc_argv(&set, "/etc/x/torrc", "/d/tor", 4242, 0);
	assert_string_equal(argv[0], "/opt/tor");
	assert_string_equal(argv_value(argv, "-f", 0), "/etc/x/torrc");
	assert_string_equal(
	    argv_value(argv, "--defaults-torrc", 0), "/dev/null");
	assert_string_equal(argv_value(argv, "--DataDirectory", 0), "/d/tor");
	assert_string_equal(argv_value(argv, "--SocksPort", 0),
	    "127.0.0.1:auto ExtendedErrors IsolateSOCKSAuth");
	assert_string_equal(
	    argv_value(argv, "--ControlPort", 0), "127.0.0.1:auto");
	assert_string_equal(argv_value(argv, "--ControlPortWriteToFile", 0),
	    "/d/tor/control_port");
	assert_string_equal(argv_value(argv, "--CookieAuthentication", 0), "1");
	assert_string_equal(
	    argv_value(argv, "--__OwningControllerProcess", 0), "4242");
	assert_string_equal(argv_value(argv, "--UseBridges", 0), "1");
	assert_string_equal(argv_value(argv, "--Bridge", 0),
	    "obfs4 192.0.2.1:443 FP cert=x iat-mode=0");
	assert_string_equal(argv_value(argv, "--Bridge", 1),
	    "obfs4 192.0.2.2:443 FP cert=y iat-mode=0");
	assert_string_equal(argv_value(argv, "--ClientTransportPlugin", 0),
	    "obfs4 exec /usr/bin/obfs4proxy");
	torproc_argv_free(argv);
	settings_free(&set);

	/* Without bridges, no bridge options at all; the shipped torrc. */
	settings_init(&set);
	assert_int_equal(settings_parse(&set, "", 0, "t", err, sizeof(err)), 0);
	argv = torproc_argv(&set, torproc_torrc(&set), "/d/tor", 1, 9150);
	/* A restart keeps the SocksPort tor picked before. */
	assert_string_equal(argv_value(argv, "--SocksPort", 0),
	    "127.0.0.1:9150 ExtendedErrors IsolateSOCKSAuth");
	assert_null(argv_value(argv, "--UseBridges", 0));
	assert_null(argv_value(argv, "--Bridge", 0));
	assert_non_null(strstr(argv_value(argv, "-f", 0), "/torrc"));
	torproc_argv_free(argv);
	settings_free(&set);
}

static void
test_binary_found(void **state)
{
	assert_true(torproc_binary_found("sh"));
	assert_true(torproc_binary_found("/bin/sh"));
	assert_false(torproc_binary_found("/nonexistent/tor"));
	assert_false(torproc_binary_found("no-such-program-onionsip"));
}

static int changes;
static enum tor_state last_old, last_new;

static void
change_cb(enum tor_state old, enum tor_state now, void *arg)
{
	changes++;
	last_old = old;
	last_new = now;
}

static void
never_cb(int fd, enum socks5_reason reason, void *arg)
{
	fail_msg("tor_connect called back while tor is not ready");
}

static void
test_state_fail_closed(void **state)
{
	struct event_base *base = event_base_new();
	const struct sockaddr *kept;
	struct sockaddr_in sin;
	socklen_t len;

	tor_init(base);
	tor_on_change(change_cb, NULL);
	tor_on_change(change_cb, NULL); /* once per (cb, arg) */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9050);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tor_set_socks_addr((struct sockaddr *)&sin, sizeof(sin));
	tor_set_onion("x", 5060);
	/* Known SocksPort but not ready: nothing goes out. */
	tor_set_state(TOR_BOOTSTRAPPING);
	assert_int_equal(changes, 1);
	assert_int_equal(last_old, TOR_OFF);
	assert_false(tor_ready());
	assert_null(tor_socks_addr(&len));
	assert_null(tor_connect("a.onion", 5060, NULL, 1000, never_cb, NULL));
	tor_set_state(TOR_READY);
	assert_true(tor_ready());
	assert_non_null(tor_socks_addr(&len));
	assert_int_equal(len, sizeof(sin));
	assert_string_equal(tor_onion_address(), "x");
	assert_int_equal(tor_onion_virtual_port(), 5060);
	/* Lost: the SocksPort is forgotten at once, even by a kept pointer. */
	kept = tor_socks_addr(NULL);
	tor_set_socks_addr(NULL, 0);
	assert_int_equal(kept->sa_family, AF_UNSPEC);
	tor_set_state(TOR_DOWN);
	assert_int_equal(changes, 3);
	assert_int_equal(last_new, TOR_DOWN);
	assert_null(tor_socks_addr(NULL));
	assert_null(tor_connect("a.onion", 5060, NULL, 1000, never_cb, NULL));
	tor_off_change(change_cb, NULL);
	tor_set_state(TOR_READY);
	assert_int_equal(changes, 3);
	assert_false(tor_ready()); /* no SocksPort */
	assert_int_equal(tor_onion_listen_take(), -1);
	tor_reset();
	assert_null(tor_onion_address());
	assert_string_equal(tor_state_str(TOR_PUBLISHING), "publishing");
	event_base_free(base);
}

/* A SOCKS proxy on the loop that answers every client with one reply. */
struct onefake {
	struct event_base *base;
	int lfd, fd;
	struct event *ev_accept, *ev;
	uint8_t rep;
	int hook_calls, done;
	enum socks5_reason hook_reason, done_reason;
};

static struct onefake *onefake_now;

static void
onefake_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct onefake *f = arg;
	uint8_t buf[600],
	    reply[14] = { 5, 2, 1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };

	if (recv(f->fd, buf, sizeof(buf), 0) <= 0) {
		event_del(f->ev);
		return;
	}
	/* Everything at once after the greeting: the client reads exactly
	 * what each step needs. */
	reply[5] = f->rep;
	if (buf[0] == 5 && buf[1] == 1)
		assert_int_equal(send(f->fd, reply, sizeof(reply), 0), 14);
}

static void
onefake_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct onefake *f = arg;

	f->fd = accept(f->lfd, NULL, NULL);
	f->ev =
	    event_new(f->base, f->fd, EV_READ | EV_PERSIST, onefake_read_cb, f);
	event_add(f->ev, NULL);
}

static void
onefake_hook(enum socks5_reason reason)
{
	onefake_now->hook_calls++;
	onefake_now->hook_reason = reason;
}

static void
onefake_done_cb(int fd, enum socks5_reason reason, void *arg)
{
	struct onefake *f = arg;

	f->done = 1;
	f->done_reason = reason;
	if (fd != -1)
		close(fd);
	event_base_loopbreak(f->base);
}

/* One tor_connect() against a proxy answering rep; returns hook calls. */
static int
run_onefake(uint8_t rep)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct onefake f;

	memset(&f, 0, sizeof(f));
	onefake_now = &f;
	f.base = event_base_new();
	f.rep = rep;
	f.fd = -1;
	f.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	listen(f.lfd, 1);
	getsockname(f.lfd, (struct sockaddr *)&sin, &sl);
	f.ev_accept = event_new(f.base, f.lfd, EV_READ, onefake_accept_cb, &f);
	event_add(f.ev_accept, NULL);
	tor_reset();
	tor_init(f.base);
	tor_set_onion_failure_hook(onefake_hook);
	tor_set_socks_addr((struct sockaddr *)&sin, sl);
	tor_set_state(TOR_READY);
	assert_non_null(
	    tor_connect("x.onion", 5060, NULL, 5000, onefake_done_cb, &f));
	event_base_dispatch(f.base);
	assert_true(f.done);
	assert_int_equal(f.done_reason, socks5_reason_from_rep(rep));
	tor_set_onion_failure_hook(NULL);
	tor_reset();
	event_free(f.ev_accept);
	if (f.ev != NULL)
		event_free(f.ev);
	if (f.fd != -1)
		close(f.fd);
	close(f.lfd);
	event_base_free(f.base);
	return f.hook_calls;
}

static void
test_connect_onion_failure_hook(void **state)
{
	/* Introduction / rendezvous failures and timeouts: stale state. */
	assert_int_equal(run_onefake(0xf2), 1);
	assert_int_equal(run_onefake(0xf3), 1);
	assert_int_equal(run_onefake(0xf7), 1);
	/* Not these. */
	assert_int_equal(run_onefake(0x00), 0);
	assert_int_equal(run_onefake(0xf0), 0);
	assert_int_equal(run_onefake(0xf4), 0);
	assert_int_equal(run_onefake(0x01), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_forced_options),
		cmocka_unit_test(test_binary_found),
		cmocka_unit_test(test_state_fail_closed),
		cmocka_unit_test(test_connect_onion_failure_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
