#include "test.h"

#include "torreply.h"

/* Parse s, expecting one whole reply spanning it. */
static void
parse_whole(const char *s, struct torreply *r)
{
	const char *why = NULL;
	size_t used = 0, i, len = strlen(s);

	/* Every prefix is incomplete: a reply split across reads. */
	for (i = 0; i < len; i++) {
		assert_int_equal(
		    torreply_parse(s, i, &used, r, &why), TORREPLY_NEED_MORE);
		torreply_free(r);
	}
	assert_int_equal(torreply_parse(s, len, &used, r, &why), TORREPLY_DONE);
	assert_int_equal(used, len);
}

static void
test_simple(void **state)
{
	struct torreply r;

	parse_whole("250 OK\r\n", &r);
	assert_int_equal(r.code, 250);
	assert_false(r.async);
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.lines[0].text, "OK");
	assert_null(r.lines[0].data);
	torreply_free(&r);

	parse_whole("515 Authentication failed: Wrong length\r\n", &r);
	assert_int_equal(r.code, 515);
	torreply_free(&r);
}

static void
test_multiline_and_data(void **state)
{
	struct torreply r;

	parse_whole("250-ServiceID=abc\r\n"
		    "250-PrivateKey=ED25519-V3:xyz\r\n"
		    "250+onions/current=\r\n"
		    "one\r\n"
		    "..dotted\r\n"
		    ".\r\n"
		    "250 OK\r\n",
	    &r);
	assert_int_equal(r.nlines, 4);
	assert_string_equal(r.lines[0].text, "ServiceID=abc");
	assert_string_equal(r.lines[2].text, "onions/current=");
	assert_string_equal(r.lines[2].data, "one\n.dotted\n");
	assert_int_equal(r.lines[2].datalen, 12);
	assert_string_equal(r.lines[3].text, "OK");
	torreply_free(&r);

	/* An empty data block; bare LF line ends are taken too. */
	parse_whole("250+x=\n.\n250 OK\n", &r);
	assert_string_equal(r.lines[0].data, "");
	torreply_free(&r);
}

static void
test_async_and_pipelined(void **state)
{
	const char *s = "650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=50 "
			"TAG=loading_descriptors SUMMARY=\"Loading relay "
			"descriptors\"\r\n"
			"250 OK\r\n";
	const char *why;
	struct torreply r;
	size_t used;
	char v[64];

	assert_int_equal(
	    torreply_parse(s, strlen(s), &used, &r, &why), TORREPLY_DONE);
	assert_true(r.async);
	assert_int_equal(r.code, 650);
	assert_int_equal(
	    torreply_arg(r.lines[0].text, "PROGRESS", v, sizeof(v)), 0);
	assert_string_equal(v, "50");
	assert_int_equal(
	    torreply_arg(r.lines[0].text, "SUMMARY", v, sizeof(v)), 0);
	assert_string_equal(v, "Loading relay descriptors");
	assert_int_equal(
	    torreply_arg(r.lines[0].text, "WARNING", v, sizeof(v)), -1);
	torreply_free(&r);
	/* The next reply follows. */
	assert_int_equal(
	    torreply_parse(s + used, strlen(s) - used, &used, &r, &why),
	    TORREPLY_DONE);
	assert_int_equal(r.code, 250);
	torreply_free(&r);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"25 OK\r\n",
		"250OK\r\n",
		"abc OK\r\n",
		"250*OK\r\n",
		"250-a\r\n251 b\r\n", /* code changes inside a reply */
		"\r\n",
		"050 zero\r\n",
	};
	struct torreply r;
	const char *why;
	size_t used, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(
		    torreply_parse(bad[i], strlen(bad[i]), &used, &r, &why),
		    TORREPLY_ERROR);
		assert_non_null(why);
	}
}

static void
test_limits(void **state)
{
	struct torreply r;
	const char *why;
	size_t used, n;
	char *s;

	/* A line without end longer than the limit is refused early. */
	n = TORREPLY_MAX_LINE + 10;
	s = malloc(n);
	memset(s, 'a', n);
	memcpy(s, "250 ", 4);
	assert_int_equal(torreply_parse(s, n, &used, &r, &why), TORREPLY_ERROR);
	free(s);
	/* Too many lines. */
	n = (TORREPLY_MAX_LINES + 1) * 6;
	s = malloc(n + 1);
	for (used = 0; used < TORREPLY_MAX_LINES + 1; used++)
		memcpy(s + used * 6, "250-x\n", 6);
	assert_int_equal(torreply_parse(s, n, &used, &r, &why), TORREPLY_ERROR);
	free(s);
}

static void
test_args_and_quotes(void **state)
{
	char v[128];
	const char *end;

	assert_int_equal(torreply_arg("AUTH METHODS=COOKIE,SAFECOOKIE "
				      "COOKIEFILE=\"/a b/\\\"c\\\\\"",
			     "COOKIEFILE", v, sizeof(v)),
	    0);
	assert_string_equal(v, "/a b/\"c\\");
	assert_int_equal(torreply_arg("AUTH METHODS=COOKIE,SAFECOOKIE "
				      "COOKIEFILE=\"/x\"",
			     "METHODS", v, sizeof(v)),
	    0);
	assert_string_equal(v, "COOKIE,SAFECOOKIE");
	/* A key inside a quoted value is not a key. */
	assert_int_equal(torreply_arg("A=\" B=1\" C=2", "B", v, sizeof(v)), -1);
	assert_int_equal(
	    torreply_arg("A=\"unterminated", "B", v, sizeof(v)), -1);
	assert_int_equal(torreply_arg("A=123456", "A", v, 4), -1);

	assert_int_equal(torreply_kv("net/listeners/socks=\"127.0.0.1:9050\"",
			     "net/listeners/socks", v, sizeof(v)),
	    0);
	assert_string_equal(v, "127.0.0.1:9050");
	assert_int_equal(
	    torreply_kv("ServiceID=abc", "ServiceID", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(
	    torreply_kv("ServiceIDx=abc", "ServiceID", v, sizeof(v)), -1);

	assert_int_equal(
	    torreply_unquote("\"a\\nb\" rest", &end, v, sizeof(v)), 0);
	assert_string_equal(v, "a\nb");
	assert_string_equal(end, " rest");

	assert_int_equal(torreply_quote("a\"b\\c", v, sizeof(v)), 0);
	assert_string_equal(v, "\"a\\\"b\\\\c\"");
	assert_int_equal(torreply_quote("a\nb", v, sizeof(v)), -1);
	assert_int_equal(torreply_quote("abc", v, 5), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_multiline_and_data),
		cmocka_unit_test(test_async_and_pipelined),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_args_and_quotes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
