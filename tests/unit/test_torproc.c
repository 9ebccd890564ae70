#include "test.h"

#include <netinet/in.h>

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
	argv = torproc_argv(&set, "/etc/x/torrc", "/d/tor", 4242);
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
	argv = torproc_argv(&set, torproc_torrc(&set), "/d/tor", 1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_forced_options),
		cmocka_unit_test(test_binary_found),
		cmocka_unit_test(test_state_fail_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
