#include "test.h"

#include <stdio.h>

#include "registrar.h"

#define NONCE "0123456789abcdef0123456789abcdef"

/* RFC 2617 section 3.5's worked example. */
static void
test_digest_rfc2617(void **state)
{
	char out[33];

	registrar_digest("Mufasa", "testrealm@host.com", "Circle Of Life",
	    "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
	    "00000001", "0a4f113b", "auth", out);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

/* Parsing: quoted and bare values, junk refused. */
static void
test_auth_parse(void **state)
{
	struct registrar_auth a;

	assert_int_equal(
	    registrar_auth_parse("Digest username=\"alice\", "
				 "realm=\"onionsip\", nonce=\"n1\", "
				 "uri=\"sip:127.0.0.1\", "
				 "response=\"abc\", qop=auth, "
				 "nc=00000001, cnonce=\"x\", "
				 "opaque=\"ignored\"",
		&a),
	    0);
	assert_string_equal(a.username, "alice");
	assert_string_equal(a.qop, "auth");
	assert_string_equal(a.nc, "00000001");
	assert_int_equal(registrar_auth_parse("Basic YWxpY2U6eA==", &a), -1);
	assert_int_equal(registrar_auth_parse("Digest username=\"a", &a), -1);
	assert_int_equal(registrar_auth_parse("Digest realm=\"x\"", &a), -1);
	assert_int_equal(registrar_auth_parse("Digest =x", &a), -1);
}

/* A client's Authorization value for the registrar's nonce. */
static void
make_auth(
    char *dst, size_t n, const char *user, const char *pw, const char *nonce)
{
	char resp[33];

	registrar_digest(user, REGISTRAR_REALM, pw, "REGISTER",
	    "sip:127.0.0.1:5060", nonce, "00000001", "c0ffee", "auth", resp);
	snprintf(dst, n,
	    "Digest username=\"%s\", realm=\"onionsip\", nonce=\"%s\", "
	    "uri=\"sip:127.0.0.1:5060\", response=\"%s\", qop=auth, "
	    "nc=00000001, cnonce=\"c0ffee\", algorithm=MD5",
	    user, nonce, resp);
}

/* No password: bind, refresh, expire, remove. */
static void
test_open_registrar(void **state)
{
	struct registrar r;
	struct registrar_answer ans;
	struct sipua_peer peer = { 0 };
	struct registrar_req req = { "sip:127.0.0.1", NULL,
		"sip:alice@127.0.0.1:5071", -1, &peer };

	registrar_init(&r, "alice", "");
	assert_null(registrar_lookup(&r, 1000));
	assert_int_equal(registrar_register(&r, &req, 1000, &ans), 0);
	assert_int_equal(ans.status, 200);
	assert_int_equal(ans.expires, REGISTRAR_DEF_EXPIRES);
	assert_non_null(registrar_lookup(&r, 1000));
	assert_string_equal(
	    registrar_lookup(&r, 1000)->contact, "sip:alice@127.0.0.1:5071");
	assert_null(registrar_lookup(&r, 1000 + REGISTRAR_DEF_EXPIRES));
	req.expires = 99999;
	registrar_register(&r, &req, 2000, &ans);
	assert_int_equal(ans.expires, REGISTRAR_MAX_EXPIRES);
	req.expires = 5;
	registrar_register(&r, &req, 2000, &ans);
	assert_int_equal(ans.status, 423);
	req.expires = 0;
	assert_int_equal(registrar_register(&r, &req, 2000, &ans), 0);
	assert_null(registrar_lookup(&r, 2000));
	req.contact = "*";
	req.expires = 10;
	registrar_register(&r, &req, 2000, &ans);
	assert_int_equal(ans.status, 400);
	req.contact = "http://x";
	req.expires = -1;
	registrar_register(&r, &req, 2000, &ans);
	assert_int_equal(ans.status, 400);
}

/* With SIPPassword: challenge, right and wrong answers, stale nonce. */
static void
test_auth_registrar(void **state)
{
	struct registrar r;
	struct registrar_answer ans;
	struct sipua_peer peer = { 0 };
	struct registrar_req req = { "sip:127.0.0.1:5060", NULL,
		"sip:alice@127.0.0.1:5071", 600, &peer };
	const char *why;
	char auth[512];

	registrar_init(&r, "alice", "s3cret");
	registrar_set_nonce(&r, NONCE, 1000);
	assert_int_equal(registrar_register(&r, &req, 1000, &ans), -1);
	assert_int_equal(ans.status, 401);
	assert_non_null(strstr(ans.www_auth, NONCE));
	assert_null(registrar_lookup(&r, 1000));

	make_auth(auth, sizeof(auth), "alice", "wrong", NONCE);
	req.auth = auth;
	assert_int_equal(registrar_register(&r, &req, 1000, &ans), -1);
	assert_int_equal(ans.status, 401);
	make_auth(auth, sizeof(auth), "mallory", "s3cret", NONCE);
	assert_int_equal(registrar_register(&r, &req, 1000, &ans), -1);
	make_auth(auth, sizeof(auth), "alice", "s3cret", "00ff");
	assert_int_equal(registrar_register(&r, &req, 1000, &ans), -1);
	assert_non_null(strstr(ans.www_auth, "stale=true"));

	make_auth(auth, sizeof(auth), "alice", "s3cret", NONCE);
	assert_int_equal(registrar_register(&r, &req, 1000, &ans), 0);
	assert_int_equal(ans.status, 200);
	assert_non_null(registrar_lookup(&r, 1000));
	/* The same proof after the nonce's lifetime is stale. */
	assert_int_equal(registrar_check_auth(&r, "REGISTER", auth,
			     1000 + REGISTRAR_NONCE_SECONDS + 1, &why),
	    -1);
	assert_string_equal(why, "stale nonce");
	/* A proof for REGISTER is not one for INVITE. */
	assert_int_equal(
	    registrar_check_auth(&r, "INVITE", auth, 1000, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_rfc2617),
		cmocka_unit_test(test_auth_parse),
		cmocka_unit_test(test_open_registrar),
		cmocka_unit_test(test_auth_registrar),
	};

	return cmocka_run_group_tests_name("registrar", tests, NULL, NULL);
}
