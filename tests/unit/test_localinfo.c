#include "test.h"

#include <stdio.h>
#include <unistd.h>

#include "leakcheck.h"
#include "localinfo.h"

/* The machine's loopback addresses and host name are found. */
static void
test_gather(void **state)
{
	struct leakcheck *lc = leakcheck_new();
	struct localinfo_counts c;
	char host[256], msg[300];

	(void)state;
	assert_int_equal(localinfo_gather(lc, &c), 0);
	assert_true(c.addrs >= 1);
	assert_int_equal(leakcheck_scan(lc, "x 127.0.0.1 y", 13, NULL, 0),
	    LEAKCHECK_LOCAL_ADDRESS);
	/* Loopback as a relay (coturn on this machine) is allowed. */
	{
		static const char *const relay[] = { "127.0.0.1" };

		assert_int_equal(
		    leakcheck_scan(lc, "x 127.0.0.1 y", 13, relay, 1),
		    LEAKCHECK_PASS);
	}
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	snprintf(msg, sizeof(msg), "Call-ID: 1@%s", host);
	if (c.names > 0)
		assert_int_not_equal(
		    leakcheck_scan(lc, msg, strlen(msg), NULL, 0),
		    LEAKCHECK_PASS);
	else
		assert_true(c.unsearched > 0);
	leakcheck_free(lc);
}

/* A name file's first word counts; a missing file is no error. */
static void
test_name_file(void **state)
{
	struct leakcheck *lc = leakcheck_new();
	struct localinfo_counts c;
	char path[] = "/tmp/test_localinfo.XXXXXX";
	int fd;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "mailhost.example.net\n", 21), 21);
	close(fd);
	assert_int_equal(localinfo_add_name_file(lc, path, &c), 0);
	unlink(path);
	assert_int_equal(c.names, 1);
	assert_int_equal(leakcheck_scan(lc, "a@MailHost b", 12, NULL, 0),
	    LEAKCHECK_HOST_NAME);
	assert_int_equal(
	    localinfo_add_name_file(lc, "/nonexistent/hostname", &c), 0);
	assert_int_equal(c.names, 1);
	leakcheck_free(lc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gather),
		cmocka_unit_test(test_name_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
