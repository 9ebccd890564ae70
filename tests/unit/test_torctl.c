#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safecookie),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_addrport),
		cmocka_unit_test(test_add_onion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
