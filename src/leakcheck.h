/*
 * leakcheck: the last look at every message before it leaves toward the
 * network (pure). A message passes only if
 *  - every IP address literal in it (IPv4 dotted quad; IPv6, bracketed or
 *    not, including IPv4-mapped forms) is one of the allowed addresses of
 *    that call (its relay addresses), and
 *  - it contains none of the machine's own addresses in any textual form,
 *    none of its host names, and none of the softphone's software strings.
 * Otherwise the message is refused: fail closed. The shell fills the lists
 * (localinfo.c: getifaddrs(3), gethostname(3), User-Agent values the
 * softphone sent) and counts and logs refusals.
 */
#ifndef ONIONSIP_LEAKCHECK_H
#define ONIONSIP_LEAKCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define LEAKCHECK_MAX_NEEDLES 256 /* addresses, names and strings held */
#define LEAKCHECK_MIN_NAME    3	  /* shorter names are not searched for */

/* The machine's secrets; owned by whoever called leakcheck_new(). */
struct leakcheck;

enum leakcheck_verdict {
	LEAKCHECK_PASS,
	LEAKCHECK_LOCAL_ADDRESS, /* one of the machine's addresses */
	LEAKCHECK_FOREIGN_IP,	 /* an IP literal that is not allowed */
	LEAKCHECK_HOST_NAME,	 /* the machine's host or domain name */
	LEAKCHECK_SOFTWARE,	 /* the softphone's software string */
};

struct leakcheck *leakcheck_new(void);
void leakcheck_free(struct leakcheck *lc);
int leakcheck_add_addr(struct leakcheck *lc, const struct sockaddr *sa);
int leakcheck_add_name(struct leakcheck *lc, const char *name);
int leakcheck_add_software(struct leakcheck *lc, const char *software);
const char *leakcheck_verdict_str(enum leakcheck_verdict v);

/*
 * Scan len bytes (which may hold NULs). allowed is a list of nallowed IP
 * literals (the call's relay addresses) that may appear.
 */
enum leakcheck_verdict leakcheck_scan(const struct leakcheck *lc,
    const char *msg, size_t len, const char *const *allowed, size_t nallowed);

#endif
