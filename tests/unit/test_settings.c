#include "test.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "xmalloc.h"

/* Parse text over the defaults; returns the parser's verdict. */
static int
parse(struct settings *s, const char *text, char *err, size_t errlen)
{
	settings_init(s);
	return settings_parse(s, text, strlen(text), "t.conf", err, errlen);
}

static void
test_defaults(void **state)
{
	char err[SETTINGS_MAX_ERROR];
	struct settings s;

	settings_init(&s);
	assert_string_equal(s.sip_listen.host, "127.0.0.1");
	assert_int_equal(s.sip_listen.port, 5060);
	assert_string_equal(s.user, "user");
	assert_int_equal(s.tor_mode, SETTINGS_TOR_LAUNCH);
	assert_true(s.safe_logging);
	assert_int_equal(s.codecs.n, 5);
	assert_string_equal(s.codecs.v[0], "opus");
	assert_int_equal(s.max_calls, 256);
	assert_int_equal(settings_check(&s, err, sizeof(err)), 0);
	settings_free(&s);
}

static void
test_parse_values(void **state)
{
	char err[SETTINGS_MAX_ERROR];
	struct settings s;

	assert_int_equal(
	    parse(&s,
		"# comment\r\n"
		"  sipListen [::1]:5070\r\n"
		"\n"
		"TorMode External\n"
		"TorSocksPort 19050\n"
		"TURNServer turn.example.org:3478\n"
		"TURNUser u\nTURNPassword p#w\n"
		"Codecs PCMU\nCodecs PCMA, G722\n"
		"Bridge obfs4 192.0.2.1:443 AAAA cert=x iat-mode=0\n"
		"Bridge obfs4 192.0.2.2:443 BBBB cert=y iat-mode=0\n"
		"SafeLogging 0\nMaxCalls 12\nLogLevel debug\n",
		err, sizeof(err)),
	    0);
	assert_string_equal(s.sip_listen.host, "::1");
	assert_int_equal(s.sip_listen.port, 5070);
	assert_int_equal(s.tor_mode, SETTINGS_TOR_EXTERNAL);
	assert_int_equal(s.tor_socks_port, 19050);
	assert_string_equal(s.turn_server.host, "turn.example.org");
	assert_int_equal(s.turn_server.port, 3478);
	assert_string_equal(s.turn_password, "p#w");
	/* A list's first line replaces the default, later lines add. */
	assert_int_equal(s.codecs.n, 3);
	assert_string_equal(s.codecs.v[0], "PCMU");
	assert_string_equal(s.codecs.v[2], "G722");
	/* Bridge lines stay whole. */
	assert_int_equal(s.bridges.n, 2);
	assert_string_equal(
	    s.bridges.v[1], "obfs4 192.0.2.2:443 BBBB cert=y iat-mode=0");
	assert_false(s.safe_logging);
	assert_int_equal(s.max_calls, 12);
	assert_int_equal(s.log_level, LOGL_DEBUG);
	assert_int_equal(settings_check(&s, err, sizeof(err)), 0);
	settings_free(&s);
}

/* Each bad line must be refused with its file and line number. */
static void
test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "\nFooBar 1\n", "t.conf:2: unknown keyword \"FooBar\"" },
		{ "User a\nUser b\n", "t.conf:2: User given twice" },
		{ "SafeLogging yes\n", "t.conf:1: bad value for SafeLogging" },
		{ "MaxCalls 0\n", "t.conf:1: MaxCalls wants a number" },
		{ "MaxCalls 4097\n", "t.conf:1: MaxCalls wants a number" },
		{ "MaxCalls 12x\n", "t.conf:1: MaxCalls wants a number" },
		{ "TorSocksPort 65536\n", "t.conf:1: bad value" },
		{ "TorSocksPort 0\n", "t.conf:1: bad value" },
		{ "SIPListen localhost:5060\n", "t.conf:1: bad value" },
		{ "SIPListen 127.0.0.1\n", "t.conf:1: bad value" },
		{ "SIPListen [::1:5060\n", "t.conf:1: bad value" },
		{ "TURNServer turn.example.org\n", "t.conf:1: bad value" },
		{ "TURNServer bad/host:3478\n", "t.conf:1: bad value" },
		{ "TorMode both\n", "t.conf:1: bad value for TorMode" },
		{ "LogLevel loud\n", "t.conf:1: bad value for LogLevel" },
	};
	char err[SETTINGS_MAX_ERROR];
	struct settings s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    parse(&s, cases[i].text, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			    cases[i].want);
		settings_free(&s);
	}
}

static void
test_limits(void **state)
{
	char err[SETTINGS_MAX_ERROR], *big;
	struct settings s;

	big = xmalloc(SETTINGS_MAX_LINE + 20);
	memset(big, 'a', SETTINGS_MAX_LINE + 10);
	memcpy(big, "User ", 5);
	big[SETTINGS_MAX_LINE + 10] = '\0';
	assert_int_equal(parse(&s, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.conf:1: line longer"));
	settings_free(&s);
	free(big);

	settings_init(&s);
	assert_int_equal(
	    settings_parse(&s, "User a\0b\n", 9, "t.conf", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "NUL"));
	settings_free(&s);
}

static void
test_check(void **state)
{
	static const char *const bad[] = {
		"User al@ice\n",
		"User \n",
		"DisplayName a\"b\n",
		"SIPListen 127.0.0.1:0\n",
		"LocalContact tel:123\n",
		"TURNServer t.example:3478\n",
		"UseBridges 1\n",
		"Codecs \n",
	};
	char err[SETTINGS_MAX_ERROR];
	struct settings s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&s, bad[i], err, sizeof(err)), 0);
		if (settings_check(&s, err, sizeof(err)) != -1)
			fail_msg("check passed: %s", bad[i]);
		settings_free(&s);
	}
}

static void
test_dump_round_trip(void **state)
{
	char err[SETTINGS_MAX_ERROR], *a, *b;
	struct settings s, t;

	assert_int_equal(parse(&s,
			     "SIPListen [::1]:5070\nTURNPassword secret\n"
			     "Bridge obfs4 192.0.2.1:1 X\nAllowedCallers a b\n",
			     err, sizeof(err)),
	    0);
	a = settings_dump(&s);
	assert_null(strstr(a, "secret"));
	assert_non_null(strstr(a, "TURNPassword [hidden]"));
	/* Everything but the hidden secret reads back the same. */
	settings_init(&t);
	assert_int_equal(
	    settings_parse(&t, a, strlen(a), "dump", err, sizeof(err)), 0);
	b = settings_dump(&t);
	assert_string_equal(a, b);
	free(a);
	free(b);
	settings_free(&s);
	settings_free(&t);
}

static void
test_load_permissions(void **state)
{
	char path[] = "/tmp/onionsip-test-XXXXXX", err[SETTINGS_MAX_ERROR];
	struct settings s;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "User bob\n", 9), 9);
	close(fd);
	chmod(path, 0600);
	settings_init(&s);
	assert_int_equal(settings_load(&s, path, err, sizeof(err)), 0);
	assert_string_equal(s.user, "bob");
	settings_free(&s);
	chmod(path, 0666);
	settings_init(&s);
	assert_int_equal(settings_load(&s, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "writable by others"));
	settings_free(&s);
	unlink(path);
	settings_init(&s);
	assert_int_equal(settings_load(&s, path, err, sizeof(err)), -1);
	settings_free(&s);
}

/*
 * The table, onionsip.conf(5) and the sample file name the same keywords,
 * and the sample shows each at its real default.
 */
static void
test_docs_in_sync(void **state)
{
	char *man, *sample, *p, *line, *save = NULL, want[512];
	char err[SETTINGS_MAX_ERROR];
	size_t len, i, man_keys = 0, sample_keys = 0;
	struct settings s, d;

	man = test_read_file("man/onionsip.conf.5", &len);
	sample = test_read_file("contrib/onionsip.conf", &len);
	for (i = 0; i < settings_nkeys; i++) {
		snprintf(
		    want, sizeof(want), "\n.It Ic %s ", settings_keys[i].name);
		if (strstr(man, want) == NULL)
			fail_msg("%s missing from onionsip.conf.5",
			    settings_keys[i].name);
		snprintf(want, sizeof(want), "\n#%s%s%s\n",
		    settings_keys[i].name, *settings_keys[i].def ? " " : "",
		    settings_keys[i].def);
		if (strstr(sample, want) == NULL)
			fail_msg("sample lacks the line \"%s\"", want + 1);
	}
	for (p = strstr(man, "\n.It Ic "); p != NULL;
	     p = strstr(p + 1, "\n.It Ic ")) {
		char name[64];

		if (sscanf(p + 8, "%63s", name) == 1 &&
		    settings_find(name) == NULL)
			fail_msg("onionsip.conf.5 documents unknown %s", name);
		man_keys++;
	}
	assert_int_equal(man_keys, settings_nkeys);

	/* Uncommented, the sample is a valid file equal to the defaults. */
	settings_init(&s);
	settings_init(&d);
	for (line = strtok_r(sample, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#' || line[1] == ' ' || line[1] == '#' ||
		    line[1] == '\0')
			continue;
		sample_keys++;
		assert_int_equal(settings_parse(&s, line + 1, strlen(line + 1),
				     "sample", err, sizeof(err)),
		    0);
	}
	assert_int_equal(sample_keys, settings_nkeys);
	p = settings_dump(&s);
	line = settings_dump(&d);
	assert_string_equal(p, line);
	free(p);
	free(line);
	settings_free(&s);
	settings_free(&d);
	free(man);
	free(sample);
}

static void
test_expand_path(void **state)
{
	char *p;

	setenv("HOME", "/home/x", 1);
	p = settings_expand_path("~/a/b");
	assert_string_equal(p, "/home/x/a/b");
	free(p);
	p = settings_expand_path("/abs");
	assert_string_equal(p, "/abs");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_load_permissions),
		cmocka_unit_test(test_docs_in_sync),
		cmocka_unit_test(test_expand_path),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
