#include "test.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>

#include "leakcheck.h"

static const char *const allowed[] = { "198.51.100.7", "[2001:db8:ffff::7]" };

/* Add one address given as text. */
static void
add_addr(struct leakcheck *lc, const char *text)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		assert_int_equal(
		    leakcheck_add_addr(lc, (struct sockaddr *)&sin), 0);
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1);
	sin6.sin6_family = AF_INET6;
	assert_int_equal(leakcheck_add_addr(lc, (struct sockaddr *)&sin6), 0);
}

/* A check loaded like a laptop on a LAN, for every case. */
static int
setup(void **state)
{
	struct leakcheck *lc = leakcheck_new();

	add_addr(lc, "127.0.0.1");
	add_addr(lc, "::1");
	add_addr(lc, "192.168.1.20");
	add_addr(lc, "10.1.2.3");
	add_addr(lc, "fe80::6676:baff:fe9c:ee4a");
	add_addr(lc, "2001:db8:aaaa::5");
	assert_int_equal(leakcheck_add_name(lc, "myhost.example.org"), 0);
	assert_int_equal(leakcheck_add_name(lc, "zed"), 0);
	assert_int_equal(
	    leakcheck_add_software(lc, "baresip v1.0.0 (x86_64/linux)"), 0);
	assert_int_equal(
	    leakcheck_add_software(lc, "Linphonec/5.1.65 (belle-sip/5.1.64)"),
	    0);
	*state = lc;
	return 0;
}

/* Free the check. */
static int
teardown(void **state)
{
	leakcheck_free(*state);
	return 0;
}

/* Scan a C string with the standard allowed list. */
static enum leakcheck_verdict
scan(void **state, const char *msg)
{
	return leakcheck_scan(*state, msg, strlen(msg), allowed, 2);
}

#define PASSES(m)  assert_int_equal(scan(state, m), LEAKCHECK_PASS)
#define FOREIGN(m) assert_int_equal(scan(state, m), LEAKCHECK_FOREIGN_IP)
#define LOCAL(m)   assert_int_equal(scan(state, m), LEAKCHECK_LOCAL_ADDRESS)
#define HOST(m)	   assert_int_equal(scan(state, m), LEAKCHECK_HOST_NAME)
#define SOFT(m)	   assert_int_equal(scan(state, m), LEAKCHECK_SOFTWARE)

/* What onionsip writes passes. */
static void
test_clean(void **state)
{
	PASSES("");
	PASSES("INVITE sip:bob@abcdefghijklmnopqrstuvwxyz234567abcdefghijklmno"
	       "pqrstuvwx.onion SIP/2.0\r\n"
	       "Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bKa3f09c\r\n"
	       "Max-Forwards: 70\r\nCSeq: 1 INVITE\r\nExpires: 3600\r\n"
	       "Call-ID: 0123456789abcdef0123456789abcdef\r\n\r\n"
	       "v=0\r\no=- 4611686018427387904 1 IN IP4 198.51.100.7\r\n"
	       "s=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
	       "m=audio 49170 RTP/SAVP 111 0 101\r\n"
	       "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
	       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	       "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32\r\n"
	       "a=rtcp:49170 IN IP4 198.51.100.7\r\na=rtcp-mux\r\n");
	/* Times, version strings and MACs are no IP literals. */
	PASSES("12:30:45 version 1.2.3 mac 64:76:ba:9c:ee:4a ::");
	PASSES("999.1.1.1 1.2.3.4567 256.0.0.1");
	/* NULs do not end the scan. */
	assert_int_equal(leakcheck_scan(*state, "a\0 10.9.9.9", 11, allowed, 2),
	    LEAKCHECK_FOREIGN_IP);
}

/* IPv4 literals anywhere, with ports, inside words, leading zeros. */
static void
test_ipv4(void **state)
{
	FOREIGN("c=IN IP4 203.0.113.9\r\n");
	FOREIGN("Via: SIP/2.0/UDP 203.0.113.9:5060");
	FOREIGN("Call-ID: abc@203.0.113.9");
	FOREIGN("x203.0.113.9y");
	FOREIGN("v1.2.3.4.5");
	FOREIGN("198.51.100.70"); /* not the relay: a longer octet */
	PASSES("1198.51.100.7");  /* no address: the first octet is 1198 */
	FOREIGN("198.051.100.7"); /* leading zero: never the relay */
	LOCAL("192.168.1.20");
	LOCAL("sip:a@10.1.2.3:5060");
	LOCAL("abc10.1.2.3def");
	LOCAL("127.0.0.1");
	PASSES("198.51.100.7:49170 and 198.51.100.7.");
}

/* IPv6 in all its spellings. */
static void
test_ipv6(void **state)
{
	LOCAL("fe80::6676:baff:fe9c:ee4a");
	LOCAL("FE80::6676:BAFF:FE9C:EE4A");
	LOCAL("fe80:0:0:0:6676:baff:fe9c:ee4a");
	LOCAL("fe80:0000:0000:0000:6676:baff:fe9c:ee4a");
	LOCAL("[fe80::6676:baff:fe9c:ee4a%eth0]:5060");
	LOCAL("sip:[fe80::6676:baff:fe9c:ee4a%25eth0]");
	LOCAL("sip:fe80::6676:baff:fe9c:ee4a;transport=udp");
	LOCAL("2001:db8:aaaa:0:0:0:0:5");
	LOCAL("2001:DB8:AAAA::0.0.0.5");
	LOCAL("::1");
	LOCAL("[::1]:5060");
	LOCAL("::ffff:192.168.1.20");
	LOCAL("::ffff:c0a8:114");
	LOCAL("64:ff9b::c0a8:114");
	LOCAL("2002:c0a8:0114::1");
	LOCAL("xyz2001:db8:aaaa::5");
	FOREIGN("c=IN IP6 2001:db8::99\r\n");
	FOREIGN("abc2001:db8::99");
	FOREIGN("[2001:db8::99]:5060");
	PASSES("[2001:db8:ffff::7]:49170 2001:DB8:FFFF:0:0:0:0:7");
	/* The IPv4-mapped spelling of the relay is the relay. */
	PASSES("::ffff:198.51.100.7");
}

/* Other spellings of a local IPv4 address. */
static void
test_ipv4_other_forms(void **state)
{
	LOCAL("a=candidate:c0a80114 1 udp");   /* hex, baresip ICE */
	LOCAL("foundation C0A80114");	       /* upper case */
	LOCAL("n=3232235796;");		       /* 32-bit decimal */
	PASSES("n=32322357960 n=13232235796"); /* inside longer numbers */
}

/* Hardware addresses: the EUI-64 and UUID version 1 carriers. */
static void
test_mac(void **state)
{
	static const unsigned char mac[6] = { 0x64, 0x76, 0xba, 0x9c, 0xee,
		0x4a };
	static const unsigned char zero[6];

	assert_int_equal(leakcheck_add_mac(*state, mac), 0);
	assert_int_equal(leakcheck_add_mac(*state, zero), 1);
	LOCAL("+sip.instance=\"<urn:uuid:2f1a4b3c-1dd2-11b2-8000-6476BA9CEE4A>"
	      "\"");
	LOCAL("mac 64:76:ba:9c:ee:4a");
	LOCAL("MAC 64-76-BA-9C-EE-4A");
	PASSES("64:76:ba:9c:ee:4b 6476ba9cee");
}

/* Host names: case-insensitive, word-bounded, the parts of an FQDN. */
static void
test_names(void **state)
{
	HOST("Call-ID: 1234@myhost");
	HOST("Call-ID: 1234@MyHost.example.org");
	HOST("o=- 1 1 IN IP4 MYHOST");
	HOST("domain example.org here");
	HOST("host-myhost-2");
	HOST("zed");
	PASSES("myhosts mymyhost myhost2 zedd azed"); /* inside other words */
	PASSES("example.orgy"); /* the domain inside a longer word */
}

/* Software strings and their words. */
static void
test_software(void **state)
{
	SOFT("User-Agent: baresip v1.0.0 (x86_64/linux)");
	SOFT("a=tool:BARESIP 1.0.0");
	SOFT("s=Linphonec");
	SOFT("x belle-sip y");
	SOFT("arch x86_64");
	PASSES("baresipx v1.0.0"); /* a longer word is another word */
}

/* The vocabulary, short names and digits are not searched for. */
static void
test_unsearched(void **state)
{
	struct leakcheck *lc = leakcheck_new();
	const char *msg = "m=audio 5004 RTP/AVP 0\r\na=sendrecv\r\nVia: x\r\n";

	(void)state;
	assert_int_equal(leakcheck_add_name(lc, "audio"), 1);
	assert_int_equal(leakcheck_add_name(lc, "VIA"), 1);
	assert_int_equal(leakcheck_add_name(lc, "ab"), 1);
	assert_int_equal(leakcheck_add_name(lc, "5004"), 1);
	assert_int_equal(leakcheck_add_name(lc, ""), -1);
	assert_int_equal(leakcheck_add_name(lc, "bad name"), -1);
	assert_int_equal(
	    leakcheck_scan(lc, msg, strlen(msg), NULL, 0), LEAKCHECK_PASS);
	/* ...but the whole dotted name is. */
	assert_int_equal(leakcheck_add_name(lc, "audio.lan."), 0);
	assert_int_equal(leakcheck_scan(lc, "x audio.lan y", 13, NULL, 0),
	    LEAKCHECK_HOST_NAME);
	assert_int_equal(leakcheck_add_software(lc, "SIP"), 1);
	leakcheck_free(lc);
	leakcheck_free(NULL);
}

/* A host named like the SIP user: the user's name is ours to write. */
static void
test_allow_word(void **state)
{
	struct leakcheck *lc = leakcheck_new();
	const char *msg = "From: <sip:Alice@x.onion>";
	int i;

	(void)state;
	assert_int_equal(leakcheck_add_name(lc, "alice"), 0);
	assert_int_equal(leakcheck_add_name(lc, "alice.example.org"), 0);
	assert_int_equal(
	    leakcheck_scan(lc, msg, strlen(msg), NULL, 0), LEAKCHECK_HOST_NAME);
	assert_int_equal(leakcheck_allow_word(lc, "ALICE"), 0);
	assert_int_equal(
	    leakcheck_scan(lc, msg, strlen(msg), NULL, 0), LEAKCHECK_PASS);
	/* Later names too; the FQDN is still searched. */
	assert_int_equal(leakcheck_add_software(lc, "alice"), 1);
	assert_int_equal(leakcheck_scan(lc, "alice.example.org", 17, NULL, 0),
	    LEAKCHECK_HOST_NAME);
	for (i = 0; i < 7; i++)
		assert_int_equal(leakcheck_allow_word(lc, "w"), 0);
	assert_int_equal(leakcheck_allow_word(lc, "w"), -1);
	assert_int_equal(leakcheck_allow_word(lc, ""), -1);
	leakcheck_free(lc);
}

/* The table is bounded; an allowed list entry that is no IP is ignored. */
static void
test_limits(void **state)
{
	struct leakcheck *lc = leakcheck_new();
	static const char *const bad[] = { "relay.example", NULL, "10.9.9.9" };
	char name[16];
	int i, rc = 0;

	(void)state;
	for (i = 0; i < LEAKCHECK_MAX_NEEDLES + 1 && rc == 0; i++) {
		snprintf(name, sizeof(name), "host%d", i);
		rc = leakcheck_add_name(lc, name);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(
	    leakcheck_scan(lc, "1.2.3.4", 7, bad, 3), LEAKCHECK_FOREIGN_IP);
	assert_int_equal(
	    leakcheck_scan(lc, "10.9.9.9", 8, bad, 3), LEAKCHECK_PASS);
	assert_int_equal(
	    leakcheck_scan(lc, "x host0 y", 9, bad, 3), LEAKCHECK_HOST_NAME);
	assert_string_equal(
	    leakcheck_verdict_str(LEAKCHECK_FOREIGN_IP), "foreign IP literal");
	leakcheck_free(lc);
}

/* Every RFC 5118 message names an IPv6 (or IPv4) host: none passes. */
static void
test_rfc5118(void **state)
{
	static const char *const files[] = { "ipv6-good.dat", "ipv6-bad.dat",
		"port-ambiguous.dat", "port-unambiguous.dat",
		"via-received-param-with-delim.dat",
		"via-received-param-no-delim.dat", "ipv6-in-sdp.dat",
		"mult-ip-in-header.dat", "mult-ip-in-sdp.dat",
		"ipv4-mapped-ipv6.dat", "ipv6-bug-abnf-3-colons.dat",
		"ipv6-correct-abnf-2-colons.dat" };
	char path[128];
	size_t i, len;
	char *msg;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(
		    path, sizeof(path), "tests/corpus/rfc5118/%s", files[i]);
		msg = test_read_file(path, &len);
		if (leakcheck_scan(*state, msg, len, NULL, 0) !=
		    LEAKCHECK_FOREIGN_IP)
			fail_msg("%s passed the scan", files[i]);
		free(msg);
	}
	/* All three hosts of one message allowed: it passes; one is not enough.
	 */
	msg = test_read_file("tests/corpus/rfc5118/port-unambiguous.dat", &len);
	{
		static const char *const ok[] = { "2001:db8::10",
			"2001:db8::9:1", "[2001:db8::1]" };

		assert_int_equal(
		    leakcheck_scan(*state, msg, len, ok, 3), LEAKCHECK_PASS);
		assert_int_equal(leakcheck_scan(*state, msg, len, ok, 1),
		    LEAKCHECK_FOREIGN_IP);
	}
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ipv4_other_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_software, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc5118, setup, teardown),
		cmocka_unit_test(test_unsearched),
		cmocka_unit_test(test_allow_word),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
