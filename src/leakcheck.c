/* The final leak check on every message toward the network. */
#include "config.h"

#include <stdlib.h>

#include "leakcheck.h"
#include "xmalloc.h"

struct leakcheck {
	size_t n;
};

/* An empty check (no secrets yet). */
struct leakcheck *
leakcheck_new(void)
{
	return xcalloc(1, sizeof(struct leakcheck));
}

/* Free a check; NULL is a no-op. */
void
leakcheck_free(struct leakcheck *lc)
{
	free(lc);
}

/* Add one of the machine's addresses. */
int
leakcheck_add_addr(struct leakcheck *lc, const struct sockaddr *sa)
{
	(void)sa;
	lc->n++;
	return 0;
}

/* Add one of the machine's names. */
int
leakcheck_add_name(struct leakcheck *lc, const char *name)
{
	(void)name;
	lc->n++;
	return 0;
}

/* Add a software string of the softphone. */
int
leakcheck_add_software(struct leakcheck *lc, const char *software)
{
	(void)software;
	lc->n++;
	return 0;
}

/* A verdict's name for logs. */
const char *
leakcheck_verdict_str(enum leakcheck_verdict v)
{
	switch (v) {
	case LEAKCHECK_PASS:
		return "pass";
	case LEAKCHECK_LOCAL_ADDRESS:
		return "local address";
	case LEAKCHECK_FOREIGN_IP:
		return "foreign IP literal";
	case LEAKCHECK_HOST_NAME:
		return "host name";
	case LEAKCHECK_SOFTWARE:
		return "software string";
	}
	return "unknown";
}

/* Scan a message (skeleton: refuses everything, fail closed). */
enum leakcheck_verdict
leakcheck_scan(const struct leakcheck *lc, const char *msg, size_t len,
    const char *const *allowed, size_t nallowed)
{
	(void)lc;
	(void)msg;
	(void)len;
	(void)allowed;
	(void)nallowed;
	return LEAKCHECK_FOREIGN_IP;
}
